/**
 * What a KTable processor forwards: the new value of a key and, where known,
 * the old one (Kafka's Change). A null newValue is a deletion (a tombstone).
 */
export interface Change<V> {
  readonly newValue: V | null;
  readonly oldValue: V | null;
}
