/**
 * Kafka's built-in partitioner for records without a key (KIP-794), per
 * topic: every such record goes to one "sticky" partition until about
 * `batch.size` bytes were produced to it (so batches fill up), then a new one
 * is picked — at random among partitions with a live leader or, with
 * adaptive partitioning, weighted towards partitions whose queues are short
 * (a slow broker gets fewer records). Randomness is an input.
 */
export class BuiltInPartitioner {
  private sticky: { partition: number; producedBytes: number } | null = null;
  /** Cumulative weights (maxQueue + 1 - queue) of the partitions in partitionIds; null: uniform. */
  private loadStats: { cumulativeFrequencies: number[]; partitionIds: number[] } | null = null;

  constructor(
    private readonly stickyBatchSize: number,
    private readonly random: () => number,
  ) {}

  /** The partition the next null-key record goes to, picking one when none is current. */
  peekCurrentPartition(numPartitions: number, availablePartitions: readonly number[]): number {
    if (this.sticky === null || this.sticky.partition >= numPartitions) {
      this.sticky = { partition: this.nextPartition(numPartitions, availablePartitions), producedBytes: 0 };
    }
    return this.sticky.partition;
  }

  /**
   * Counts bytes appended to the sticky partition and switches once
   * batch.size were produced and its last batch is full (enableSwitch), or
   * twice batch.size whatever the batch.
   */
  updatePartitionInfo(appendedBytes: number, enableSwitch: boolean, numPartitions: number, availablePartitions: readonly number[]): void {
    if (this.sticky === null) return;
    this.sticky.producedBytes += appendedBytes;
    const produced = this.sticky.producedBytes;
    if ((produced >= this.stickyBatchSize && enableSwitch) || produced >= this.stickyBatchSize * 2) {
      this.sticky = { partition: this.nextPartition(numPartitions, availablePartitions), producedBytes: 0 };
    }
  }

  /**
   * The queue length (batches waiting) of each partition that may take
   * records now; all equal and all partitions listed means no preference.
   */
  updatePartitionLoadStats(queueSizes: readonly number[] | null, partitionIds: readonly number[], numPartitions: number): void {
    if (queueSizes === null || queueSizes.length === 0) {
      this.loadStats = null;
      return;
    }
    const max = Math.max(...queueSizes);
    const allEqual = queueSizes.every((size) => size === queueSizes[0]);
    if (allEqual && queueSizes.length === numPartitions) {
      this.loadStats = null;
      return;
    }
    const cumulativeFrequencies: number[] = [];
    let total = 0;
    for (const size of queueSizes) {
      total += max + 1 - size;
      cumulativeFrequencies.push(total);
    }
    this.loadStats = { cumulativeFrequencies, partitionIds: [...partitionIds] };
  }

  private nextPartition(numPartitions: number, availablePartitions: readonly number[]): number {
    const random = Math.floor(this.random() * 0x7fffffff);
    if (this.loadStats === null) {
      return availablePartitions.length > 0 ? availablePartitions[random % availablePartitions.length]! : random % numPartitions;
    }
    const { cumulativeFrequencies, partitionIds } = this.loadStats;
    const weighted = random % cumulativeFrequencies[cumulativeFrequencies.length - 1]!;
    // The first entry above `weighted` (Java's binarySearch insertion point).
    let low = 0;
    let high = cumulativeFrequencies.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulativeFrequencies[middle]! <= weighted) low = middle + 1;
      else high = middle;
    }
    return partitionIds[low]!;
  }
}
