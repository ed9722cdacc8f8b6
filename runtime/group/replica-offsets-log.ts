/**
 * __consumer_offsets through the broker's replica manager: coordinator writes
 * are appended like produce requests with acks=all, and loading reads the
 * partition like a consumer, up to the high watermark.
 */
import { errorName } from '../../core/group/error-codes.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { batchViews } from '../../core/protocol/record-batch-header.js';
import type { AppendOrigin } from '../../core/protocol/records/record-validator.js';
import { OffsetsLogError, type ConsumerOffsetsLog } from './consumer-offsets-log.js';
import { CONSUMER_OFFSETS_TOPIC } from './group-coordinator-service.js';

/** The part of runtime/replica's ReplicaManager used here (structural, so either side can change behind it). */
export interface PartitionReplicas {
  append(topic: string, partition: number, records: Buffer, acks: number, timeoutMs: number, origin: AppendOrigin): Promise<{ errorCode: number; errorMessage: string | null }>;
  read(
    topic: string,
    partition: number,
    fetchOffset: bigint,
    maxBytes: number,
    isolationLevel: number,
    minOneMessage: boolean,
  ): Promise<{ errorCode: number; highWatermark: bigint; logStartOffset: bigint; records: Buffer | null }>;
  localPartitions(): readonly { readonly topic: string; readonly partition: number; readonly state: { readonly logEndOffset: number } }[];
}

const READ_UNCOMMITTED = 0;
const EMPTY = Buffer.alloc(0);

/** Also the transaction coordinators' log (`topic` __transaction_state): the same contract over another topic. */
export function replicaOffsetsLog(replicas: PartitionReplicas, topic: string = CONSUMER_OFFSETS_TOPIC): ConsumerOffsetsLog {
  const fail = (what: string, partition: number, errorCode: number, message: string | null = null): OffsetsLogError =>
    new OffsetsLogError(errorCode, `${what} ${topic}-${partition} failed: ${errorName(errorCode)}${message === null ? '' : ` (${message})`}`);
  return {
    async append(partition, batch, timeoutMs) {
      const outcome = await replicas.append(topic, partition, batch, -1, timeoutMs, 'coordinator');
      if (outcome.errorCode !== ErrorCode.NONE) throw fail('appending to', partition, outcome.errorCode, outcome.errorMessage);
    },
    async read(partition, fromOffset, maxBytes) {
      let outcome = await replicas.read(topic, partition, fromOffset, maxBytes, READ_UNCOMMITTED, true);
      // Retention or DeleteRecords moved the start: loading begins where the log now begins.
      if (outcome.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE && outcome.logStartOffset > fromOffset) {
        fromOffset = outcome.logStartOffset;
        outcome = await replicas.read(topic, partition, fromOffset, maxBytes, READ_UNCOMMITTED, true);
      }
      if (outcome.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE && fromOffset >= outcome.highWatermark) return { batches: EMPTY, nextOffset: fromOffset };
      if (outcome.errorCode !== ErrorCode.NONE) throw fail('reading', partition, outcome.errorCode);
      let nextOffset = fromOffset;
      let end = 0;
      const records = outcome.records ?? EMPTY;
      for (const view of batchViews(records, { allowPartialTail: true })) {
        nextOffset = view.lastOffset + 1n;
        end = view.position + view.sizeInBytes;
      }
      return { batches: records.subarray(0, end), nextOffset };
    },
    logEndOffset(partition) {
      const local = replicas.localPartitions().find((p) => p.topic === topic && p.partition === partition);
      return BigInt(local?.state.logEndOffset ?? 0);
    },
  };
}
