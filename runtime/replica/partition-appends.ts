import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { AppendOrigin, RecordError } from '../../core/protocol/records/record-validator.js';
import { partitionKey, type LocalPartition } from './local-partition.js';
import type { AppendReply, MessageOf } from './partition-messages.js';
import type { PartitionRegistry } from './partition-registry.js';
import type { ReplicaMetrics } from './replica-metrics.js';
import { appendError, type ReplicaPurgatories } from './replica-purgatories.js';

export interface AppendOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly baseOffset: bigint;
  readonly logAppendTimeMs: bigint;
  readonly logStartOffset: bigint;
  readonly recordCount: number;
  /** Produce v8+ record_errors, when records made the batch invalid. */
  readonly recordErrors?: readonly RecordError[];
}

export interface TxnMarkerWritten {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
}

/**
 * The write side of the data path: produced batches and transaction markers
 * to the leader's actor, then acks=-1 into the produce purgatory; a
 * successful append wakes waiting fetches and tells the append listeners.
 */
export class PartitionAppends {
  readonly appendListeners = new Set<(key: string) => void>();
  readonly markerListeners = new Set<(topic: string, partition: number, marker: TxnMarkerWritten) => void>();

  constructor(
    private readonly registry: PartitionRegistry,
    private readonly purgatories: ReplicaPurgatories,
    private readonly metrics: ReplicaMetrics,
  ) {}

  async append(topic: string, partition: number, records: Buffer, acks: number, timeoutMs: number, origin: AppendOrigin): Promise<AppendOutcome> {
    const found = this.registry.lookup(topic, partition);
    if (found.partition === undefined) return appendError(found.errorCode, null);
    const local = found.partition;
    // The ask is enqueued before any await, so one connection's appends keep their order.
    const answer = await this.registry.ask(local, { op: 'append', acks, ...(origin === 'client' ? {} : { origin }) }, records);
    if (typeof answer === 'number') return askFailed(local, answer);
    return this.completeAppend(local, answer.body, acks, timeoutMs);
  }

  async writeTxnMarker(topic: string, partition: number, marker: TxnMarkerWritten, timeoutMs: number): Promise<AppendOutcome> {
    const found = this.registry.lookup(topic, partition);
    if (found.partition === undefined) return appendError(found.errorCode, null);
    const request: MessageOf<'marker'> = { op: 'marker', producerId: marker.producerId.toString(), producerEpoch: marker.producerEpoch, committed: marker.committed, coordinatorEpoch: marker.coordinatorEpoch };
    const answer = await this.registry.ask(found.partition, request);
    if (typeof answer === 'number') return askFailed(found.partition, answer);
    const outcome = await this.completeAppend(found.partition, answer.body, -1, timeoutMs);
    if (outcome.errorCode === ErrorCode.NONE) for (const listener of this.markerListeners) listener(topic, partition, marker);
    return outcome;
  }

  private completeAppend(local: LocalPartition, body: AppendReply, acks: number, timeoutMs: number): Promise<AppendOutcome> | AppendOutcome {
    const { topic, partition } = local;
    this.registry.updateState(local, body.state);
    const outcome: AppendOutcome = {
      errorCode: body.errorCode,
      errorMessage: body.errorMessage,
      baseOffset: BigInt(body.baseOffset),
      logAppendTimeMs: BigInt(body.logAppendTimeMs),
      logStartOffset: BigInt(body.state.logStartOffset),
      recordCount: body.recordCount,
      ...(body.recordErrors === undefined ? {} : { recordErrors: body.recordErrors }),
    };
    if (body.errorCode !== ErrorCode.NONE) return outcome;
    if (body.recordCount > 0) {
      local.appendedBytes += body.bytes;
      this.metrics.appended(topic, body.recordCount, body.bytes);
      const key = partitionKey(topic, partition);
      for (const listener of this.appendListeners) listener(key);
      this.purgatories.fetch.checkAndComplete(key);
    }
    if (acks !== -1 || body.state.highWatermark > body.lastOffset) return outcome;
    const stillLeads = () => this.registry.isCurrent(local) && local.leaderId === this.registry.nodeId;
    return this.purgatories.waitForHighWatermark(local, stillLeads, BigInt(body.lastOffset) + 1n, timeoutMs, outcome);
  }
}

/** An append whose partition went away (NOT_LEADER_OR_FOLLOWER) or whose log is not open (KAFKA_STORAGE_ERROR). */
function askFailed(local: LocalPartition, errorCode: number): AppendOutcome {
  return appendError(errorCode, errorCode === ErrorCode.KAFKA_STORAGE_ERROR ? local.state.offline : 'the partition moved or was deleted');
}
