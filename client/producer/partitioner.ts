/** What a custom partitioner sees of a record (Java's Partitioner.partition arguments, with the topic's partition counts instead of a Cluster). */
export interface PartitionerInput {
  readonly topic: string;
  readonly key: unknown;
  readonly keyBytes: Buffer | null;
  readonly value: unknown;
  readonly valueBytes: Buffer | null;
  readonly numPartitions: number;
  /** Partitions with a live leader, ascending. */
  readonly availablePartitions: readonly number[];
}

/** `partitioner.class`: returns the partition for a record that names none. */
export type Partitioner = (record: PartitionerInput) => number;

export const isPartitioner = (raw: unknown): raw is Partitioner => typeof raw === 'function';
