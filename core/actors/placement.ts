/** Stable placement of actors on the threads of their role. */

/** The thread pools that Kafka's settings size (background.threads is the stateless job pool). */
export const ThreadRole = { main: 'main', network: 'network', io: 'io', replicaFetcher: 'replicaFetcher' } as const;
export type ThreadRole = (typeof ThreadRole)[keyof typeof ThreadRole];

export type ThreadCounts = Readonly<Record<Exclude<ThreadRole, 'main'>, number>>;

/** Reads the thread counts from Kafka's setting names (with Kafka's defaults). */
export function threadCountsFromConfig(config: Readonly<Record<string, string | number | undefined>>): ThreadCounts {
  const count = (key: string, fallback: number): number => {
    const raw = config[key];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${key} must be a positive integer, got ${String(raw)}`);
    return value;
  };
  return {
    network: count('num.network.threads', 3),
    io: count('num.io.threads', 8),
    replicaFetcher: count('num.replica.fetchers', 1),
  };
}

/** FNV-1a over the UTF-16 code units: stable across processes and restarts. */
export function stableHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** What placement looks at: partition actors spread by topic-partition, others by name. */
export interface PlacementKey {
  readonly name: string;
  readonly topicPartition?: { readonly topic: string; readonly partition: number };
}

function placementKey(key: PlacementKey): string {
  return key.topicPartition === undefined ? key.name : `${key.topicPartition.topic}-${key.topicPartition.partition}`;
}

/** Picks one of `threads` (the role's slots, in order) for the actor. */
export function chooseThread<T>(key: PlacementKey, threads: readonly T[]): T {
  if (threads.length === 0) throw new RangeError(`no threads to place ${key.name} on`);
  return threads[stableHash(placementKey(key)) % threads.length]!;
}
