/** Kafka's rack-aware selector (KIP-392), the one `replica.selector.class` accepts besides empty (the leader serves every consumer). */
export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

export function replicaSelectorClass(value: string): string | undefined {
  return value === '' || value === RACK_AWARE_REPLICA_SELECTOR ? undefined : `must be empty or ${RACK_AWARE_REPLICA_SELECTOR}`;
}
