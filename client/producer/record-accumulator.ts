import { BuiltInPartitioner } from './built-in-partitioner.js';
import { ProducerBatch, type PendingRecord } from './producer-batch.js';

/** What the accumulator needs to know of a topic's partitions (from metadata). */
export interface TopicPartitions {
  readonly numPartitions: number;
  /** Partitions with a live leader, ascending. */
  readonly availablePartitions: readonly number[];
  /** Leader node of a partition, -1 when none is known. */
  leaderOf(partition: number): number;
}

export interface AccumulatorOptions {
  batchSizeBytes: number;
  lingerMs: number;
  deliveryTimeoutMs: number;
  adaptivePartitioning: boolean;
  /** 0: off. A node that has taken no batch for this long gets no null-key records. */
  partitionAvailabilityTimeoutMs: number;
  random: () => number;
}

interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  readonly batches: ProducerBatch[];
}

export interface ReadyCheck {
  /** Nodes with at least one partition whose first batch may be sent now. */
  readyNodes: Set<number>;
  /** Topics with queued records whose partition has no known leader: metadata is needed. */
  unknownLeaderTopics: Set<string>;
  /** When to check again, at the latest (linger or backoff running out). */
  nextReadyCheckDelayMs: number;
}

/**
 * Kafka's RecordAccumulator: records queue per partition in batches of up
 * to `batch.size` bytes; a partition is ready when its first batch is full,
 * has waited `linger.ms`, or a flush or close wants everything out; the
 * sender drains at most one batch per partition per request, up to
 * `max.request.size`. Null-key records are placed here by the built-in
 * partitioner, which must see whether the last batch filled up. Time is an
 * input: this class owns no timer.
 */
export class RecordAccumulator {
  private readonly queues = new Map<string, Map<number, PartitionQueue>>();
  private readonly partitioners = new Map<string, BuiltInPartitioner>();
  /** Last time each node took a batch (partitioner.availability.timeout.ms). */
  private readonly nodeDrainMs = new Map<number, number>();
  /** Where the next drain of a node starts, so every partition gets its turn. */
  private readonly drainStart = new Map<number, number>();
  private flushesInProgress = 0;
  private queuedBatchCount = 0;

  constructor(private readonly options: AccumulatorOptions) {}

  /**
   * Appends a record to its partition (-1: the built-in partitioner's
   * sticky partition); returns the partition and whether the batch is
   * ready to send (full) or a new batch was started (the sender should look).
   */
  append(topic: string, partition: number, record: PendingRecord, sizeBytes: number, nowMs: number, partitions: TopicPartitions): { partition: number; batchFull: boolean; newBatch: boolean } {
    const builtIn = partition < 0 ? this.builtInPartitioner(topic) : null;
    const chosen = builtIn === null ? partition : builtIn.peekCurrentPartition(partitions.numPartitions, partitions.availablePartitions);
    const queue = this.queue(topic, chosen);
    let last = queue.batches[queue.batches.length - 1];
    let newBatch = false;
    if (last === undefined || !last.tryAppend(record, sizeBytes)) {
      last = new ProducerBatch(topic, chosen, nowMs, Math.max(this.options.batchSizeBytes, 0));
      last.tryAppend(record, sizeBytes);
      queue.batches.push(last);
      this.queuedBatchCount++;
      newBatch = true;
    }
    const batchFull = queue.batches.length > 1 || last.isFull();
    builtIn?.updatePartitionInfo(sizeBytes, last.isFull(), partitions.numPartitions, partitions.availablePartitions);
    return { partition: chosen, batchFull, newBatch };
  }

  /** Which nodes have something to send now, and when to look again. */
  ready(topicPartitions: (topic: string) => TopicPartitions | undefined, nowMs: number, memoryExhausted: boolean, closing: boolean): ReadyCheck {
    const readyNodes = new Set<number>();
    const unknownLeaderTopics = new Set<string>();
    let nextReadyCheckDelayMs = Number.MAX_SAFE_INTEGER;
    const flushing = this.flushesInProgress > 0;
    for (const [topic, partitionQueues] of this.queues) {
      const info = topicPartitions(topic);
      for (const queue of partitionQueues.values()) {
        const leader = info?.leaderOf(queue.partition) ?? -1;
        const first = queue.batches[0];
        if (first === undefined) continue;
        if (leader < 0) {
          unknownLeaderTopics.add(topic);
          continue;
        }
        if (readyNodes.has(leader)) continue;
        const backingOff = nowMs < first.retryNotBeforeMs;
        const waitedMs = nowMs - first.lastAttemptMs;
        const full = queue.batches.length > 1 || first.isFull();
        const sendable = full || waitedMs >= this.options.lingerMs || memoryExhausted || closing || flushing;
        if (sendable && !backingOff) readyNodes.add(leader);
        else nextReadyCheckDelayMs = Math.min(nextReadyCheckDelayMs, backingOff ? first.retryNotBeforeMs - nowMs : Math.max(0, this.options.lingerMs - waitedMs));
      }
      const partitioner = this.partitioners.get(topic);
      if (info !== undefined && partitioner !== undefined && this.options.adaptivePartitioning) {
        // KIP-794: weights from each available partition's queue length; partitions of nodes past the availability timeout get none.
        const partitionIds = info.availablePartitions.filter((partition) => this.nodeAvailable(info.leaderOf(partition), nowMs));
        const queueSizes = partitionIds.map((partition) => partitionQueues.get(partition)?.batches.length ?? 0);
        partitioner.updatePartitionLoadStats(queueSizes, partitionIds, info.numPartitions);
      }
    }
    return { readyNodes, unknownLeaderTopics, nextReadyCheckDelayMs };
  }

  /**
   * Takes the first batch of each of the node's partitions (one per
   * partition, rotating the start) while the request stays under
   * `maxRequestBytes`; `mayDrain` vetoes a partition (idempotence: a retry
   * waits for earlier sequences; transactions: the partition is not yet in
   * the transaction).
   */
  drain(nodeId: number, leaderOf: (topic: string, partition: number) => number, maxRequestBytes: number, nowMs: number, mayDrain: (batch: ProducerBatch) => boolean): ProducerBatch[] {
    const candidates: PartitionQueue[] = [];
    for (const partitionQueues of this.queues.values()) {
      for (const queue of partitionQueues.values()) {
        if (queue.batches.length > 0 && leaderOf(queue.topic, queue.partition) === nodeId) candidates.push(queue);
      }
    }
    if (candidates.length === 0) return [];
    const start = (this.drainStart.get(nodeId) ?? 0) % candidates.length;
    const drained: ProducerBatch[] = [];
    let size = 0;
    for (let i = 0; i < candidates.length; i++) {
      const queue = candidates[(start + i) % candidates.length]!;
      const first = queue.batches[0]!;
      if (drained.length > 0 && size + first.sizeBytes > maxRequestBytes) break;
      if (!mayDrain(first)) continue;
      queue.batches.shift();
      this.queuedBatchCount--;
      first.closed = true;
      size += first.sizeBytes;
      drained.push(first);
    }
    this.drainStart.set(nodeId, start + 1);
    if (drained.length > 0) this.nodeDrainMs.set(nodeId, nowMs);
    return drained;
  }

  /** Puts a batch to retry back at the front of its partition, in sequence order (behind retries with lower sequences). */
  reenqueue(batch: ProducerBatch, nowMs: number): void {
    batch.lastAttemptMs = nowMs;
    const batches = this.queue(batch.topic, batch.partition).batches;
    let at = 0;
    if (batch.hasSequence) {
      while (at < batches.length && batches[at]!.hasSequence && batches[at]!.baseSequence < batch.baseSequence) at++;
    }
    batches.splice(at, 0, batch);
    this.queuedBatchCount++;
  }

  /** Removes and returns queued batches older than `delivery.timeout.ms`. */
  expiredBatches(nowMs: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const partitionQueues of this.queues.values()) {
      for (const queue of partitionQueues.values()) {
        while (queue.batches.length > 0 && nowMs - queue.batches[0]!.createdMs >= this.options.deliveryTimeoutMs) {
          expired.push(queue.batches.shift()!);
          this.queuedBatchCount--;
        }
      }
    }
    return expired;
  }

  /** The delay until the oldest queued batch expires (the sender's timer bound). */
  nextExpiryDelayMs(nowMs: number): number {
    let delay = Number.MAX_SAFE_INTEGER;
    for (const partitionQueues of this.queues.values()) {
      for (const queue of partitionQueues.values()) {
        const first = queue.batches[0];
        if (first !== undefined) delay = Math.min(delay, first.createdMs + this.options.deliveryTimeoutMs - nowMs);
      }
    }
    return Math.max(0, delay);
  }

  /** Every queued batch of a partition, e.g. to re-sequence after an epoch bump, in queue order. */
  queuedBatchesOf(topic: string, partition: number): readonly ProducerBatch[] {
    return this.queues.get(topic)?.get(partition)?.batches ?? [];
  }

  queuedBatches(): ProducerBatch[] {
    const all: ProducerBatch[] = [];
    for (const partitionQueues of this.queues.values()) {
      for (const queue of partitionQueues.values()) all.push(...queue.batches);
    }
    return all;
  }

  /** Removes every queued batch (abortTransaction, close with timeout 0). */
  takeAll(): ProducerBatch[] {
    const all: ProducerBatch[] = [];
    for (const partitionQueues of this.queues.values()) {
      for (const queue of partitionQueues.values()) all.push(...queue.batches.splice(0));
    }
    this.queuedBatchCount = 0;
    return all;
  }

  beginFlush(): void {
    this.flushesInProgress++;
  }

  endFlush(): void {
    this.flushesInProgress--;
  }

  hasQueuedBatches(): boolean {
    return this.queuedBatchCount > 0;
  }

  private queue(topic: string, partition: number): PartitionQueue {
    let partitionQueues = this.queues.get(topic);
    if (partitionQueues === undefined) {
      partitionQueues = new Map();
      this.queues.set(topic, partitionQueues);
    }
    let queue = partitionQueues.get(partition);
    if (queue === undefined) {
      queue = { topic, partition, batches: [] };
      partitionQueues.set(partition, queue);
    }
    return queue;
  }

  private builtInPartitioner(topic: string): BuiltInPartitioner {
    let partitioner = this.partitioners.get(topic);
    if (partitioner === undefined) {
      partitioner = new BuiltInPartitioner(Math.max(1, this.options.batchSizeBytes), this.options.random);
      this.partitioners.set(topic, partitioner);
    }
    return partitioner;
  }

  private nodeAvailable(nodeId: number, nowMs: number): boolean {
    const timeoutMs = this.options.partitionAvailabilityTimeoutMs;
    if (timeoutMs <= 0) return true;
    const lastDrainMs = this.nodeDrainMs.get(nodeId);
    return lastDrainMs === undefined || nowMs - lastDrainMs < timeoutMs;
  }
}
