export interface PlacementBroker {
  readonly brokerId: number;
  readonly rack: string | null;
}

/**
 * Rack-aware placement (as Kafka's rack-aware assignment): brokers are listed alternating racks,
 * partition p's leader is the (start + p)-th of that list so leaders spread evenly, and its
 * followers are the next brokers in the list, taking unused racks first, then unused brokers.
 * Returns undefined when there are fewer brokers than replicas.
 */
export function placeReplicas(brokers: readonly PlacementBroker[], partitionCount: number, replicationFactor: number, startIndex: number): number[][] | undefined {
  if (replicationFactor < 1 || replicationFactor > brokers.length || partitionCount < 1) return undefined;
  const ordered = rackAlternatingOrder(brokers);
  const n = ordered.length;
  const assignment: number[][] = [];
  for (let p = 0; p < partitionCount; p++) {
    const first = (startIndex + p) % n;
    // Shift the followers once per round of partitions, so one broker's partitions do not all share the same neighbours.
    const shift = n > 1 ? Math.floor((startIndex + p) / n) % (n - 1) : 0;
    const candidates = Array.from({ length: n - 1 }, (_, i) => ordered[(first + 1 + ((shift + i) % (n - 1))) % n]!);
    const replicas = [ordered[first]!];
    const usedRacks = new Set([ordered[first]!.rack]);
    for (const candidate of candidates) {
      if (replicas.length < replicationFactor && !usedRacks.has(candidate.rack)) {
        replicas.push(candidate);
        usedRacks.add(candidate.rack);
      }
    }
    for (const candidate of candidates) if (replicas.length < replicationFactor && !replicas.includes(candidate)) replicas.push(candidate);
    assignment.push(replicas.map((b) => b.brokerId));
  }
  return assignment;
}

function rackAlternatingOrder(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string, PlacementBroker[]>();
  for (const broker of [...brokers].sort((a, b) => a.brokerId - b.brokerId)) {
    const rack = broker.rack ?? '';
    byRack.set(rack, [...(byRack.get(rack) ?? []), broker]);
  }
  const racks = [...byRack.keys()].sort();
  const ordered: PlacementBroker[] = [];
  for (let i = 0; ordered.length < brokers.length; i++) {
    for (const rack of racks) {
      const broker = byRack.get(rack)![i];
      if (broker !== undefined) ordered.push(broker);
    }
  }
  return ordered;
}
