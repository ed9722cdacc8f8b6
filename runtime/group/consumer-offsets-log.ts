import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { batchViews, type RecordBatchView } from '../../core/protocol/record-batch-header.js';

/**
 * What a group coordinator needs from the partitions of __consumer_offsets:
 * append a batch as the partition's leader and learn when it is committed,
 * and read the partition from the start to load. The broker's replica manager
 * provides it (`replica-offsets-log.ts`); tests may provide their own.
 */
export interface ConsumerOffsetsLog {
  /**
   * Appends one record batch (v2, uncompressed) to `__consumer_offsets-<partition>`
   * on this node, the leader. Resolves once the high watermark has passed the
   * batch (acks=all); rejects when it cannot be appended or is not committed
   * within `timeoutMs`, after which the coordinator reloads from the log.
   */
  append(partition: number, batch: Buffer, timeoutMs: number): Promise<void>;
  /**
   * Whole batches from `fromOffset` up to the high watermark (at most about
   * `maxBytes`), and the offset to read next; no bytes once caught up.
   */
  read(partition: number, fromOffset: bigint, maxBytes: number): Promise<{ batches: Buffer; nextOffset: bigint }>;
  /** The offset the next append will get: everything appended so far, committed or not. */
  logEndOffset(partition: number): bigint;
}

/** An append or read of __consumer_offsets refused with a Kafka error code. */
export class OffsetsLogError extends Error {
  override readonly name = 'OffsetsLogError';
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

/**
 * The partition's log dir failed (a full or broken disk): it stays offline,
 * refusing reads and writes, until the broker restarts, so neither retrying
 * the append nor reloading the partition can succeed before then.
 */
export function isStorageFailure(error: Error): boolean {
  return error instanceof OffsetsLogError && error.errorCode === ErrorCode.KAFKA_STORAGE_ERROR;
}

/**
 * What the requests whose records did not make it are told, as Kafka's
 * coordinator runtime translates a failed write: retriable codes that send
 * the client to find the coordinator again.
 */
export function coordinatorErrorForFailedAppend(error: Error): number {
  switch (error instanceof OffsetsLogError ? error.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      // NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR, anything else: the coordinator reloads, maybe elsewhere.
      return ErrorCode.NOT_COORDINATOR;
  }
}

/** Bytes read per step while loading. */
const LOAD_READ_BYTES = 1 << 20;
const LOAD_READ_ATTEMPTS = 50;
const LOAD_RETRY_DELAY_MS = 100;

/**
 * Loading a coordinator (group or transaction): hands every batch of the
 * partition to `onBatch`, in order, from its start to the high watermark, and
 * on until the high watermark has passed the log end seen when the load began
 * (a batch whose append timed out may still be committed after it; a load that
 * stopped at the high watermark would miss it while the next load replays it).
 * The partition may not be open yet when the image makes this node its
 * leader: each read is retried a while before giving up. Not an offline one
 * (storage error): it stays unreadable until the broker restarts, so the
 * supervisor soon stops the coordinator and requests get NOT_COORDINATOR
 * instead of COORDINATOR_LOAD_IN_PROGRESS.
 */
export async function loadCoordinatorPartition(log: ConsumerOffsetsLog, partition: number, stopped: () => boolean, onBatch: (view: RecordBatchView) => Promise<void>): Promise<void> {
  const read = async (offset: bigint): Promise<{ batches: Buffer; nextOffset: bigint }> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await log.read(partition, offset, LOAD_READ_BYTES);
      } catch (error) {
        if (stopped() || attempt >= LOAD_READ_ATTEMPTS || (error instanceof Error && isStorageFailure(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, LOAD_RETRY_DELAY_MS));
      }
    }
  };
  const loadEnd = log.logEndOffset(partition);
  for (let offset = 0n; ; ) {
    const { batches, nextOffset } = await read(offset);
    if (stopped()) return;
    if (batches.length === 0) {
      // A truncation may have taken the tail away meanwhile: then the log's end is where to stop.
      const end = log.logEndOffset(partition);
      if (offset >= (end < loadEnd ? end : loadEnd)) return;
      await new Promise((resolve) => setTimeout(resolve, LOAD_RETRY_DELAY_MS));
      continue;
    }
    for (const view of batchViews(batches, { allowPartialTail: true })) await onBatch(view);
    offset = nextOffset;
  }
}
