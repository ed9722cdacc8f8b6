import type { AbortedTxn, TransactionIndex } from '../log/transaction-index.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import type { RecordBatchView } from '../protocol/record-batch-header.js';
import { ControlRecordType, parseControlRecordKey } from '../protocol/records/control-batch.js';
import { iterateRecords } from '../protocol/records/record-iterator.js';

/**
 * The transactions of one partition, as Kafka's ProducerStateManager and
 * UnifiedLog track them: each producer's ongoing transaction (the offset of
 * its first batch), which holds back the last stable offset, and the aborted
 * ones, kept in the log's transaction index for read_committed fetches. Fed
 * by the leader's appends and by the replay of the log at open and after a
 * truncation.
 */
export class PartitionTransactions {
  /** producerId → first offset of its ongoing transaction. */
  private readonly ongoing = new Map<bigint, bigint>();

  constructor(readonly index: TransactionIndex) {}

  /** The first offset of the producer's ongoing transaction, if it has one. */
  ongoingFirstOffset(producerId: bigint): bigint | undefined {
    return this.ongoing.get(producerId);
  }

  get ongoingCount(): number {
    return this.ongoing.size;
  }

  /** The first offset of the earliest ongoing transaction: nothing from there on is stable. */
  firstUnstableOffset(): bigint | null {
    let first: bigint | null = null;
    for (const offset of this.ongoing.values()) if (first === null || offset < first) first = offset;
    return first;
  }

  /** The last stable offset: the high watermark, held back by the earliest ongoing transaction. */
  lastStableOffset(highWatermark: bigint): bigint {
    const first = this.firstUnstableOffset();
    return first !== null && first < highWatermark ? first : highWatermark;
  }

  /** As Kafka's ProducerAppendInfo: a producer in a transaction may not also write outside it. */
  checkBatch(producerId: bigint, isTransactional: boolean): { errorCode: number; message: string } | null {
    if (!isTransactional && this.ongoing.has(producerId)) {
      return { errorCode: ErrorCode.INVALID_TXN_STATE, message: `producer ${producerId} sent a non-transactional batch inside its ongoing transaction` };
    }
    return null;
  }

  /**
   * An appended (or replayed) batch: a transactional data batch opens its
   * producer's transaction; a commit or abort marker ends it, and an abort is
   * recorded in the segment holding the marker (`segmentBaseOffset`, asked only then).
   */
  onBatch(view: RecordBatchView, segmentBaseOffset: () => bigint): void {
    if (!view.isTransactional) return;
    const producerId = view.producerId;
    if (!view.isControl) {
      if (!this.ongoing.has(producerId)) this.ongoing.set(producerId, view.baseOffset);
      return;
    }
    const first = iterateRecords(view).next();
    if (first.done === true) return;
    const type = parseControlRecordKey(first.value.key).type;
    if (type !== ControlRecordType.abort && type !== ControlRecordType.commit) return;
    const firstOffset = this.ongoing.get(producerId);
    if (firstOffset === undefined) return;
    this.ongoing.delete(producerId);
    // A replay meets aborts the index already holds (it survives restarts); only missing ones are added.
    if (type === ControlRecordType.abort && !this.index.hasMarkerAt(view.baseOffset)) {
      const markerOffset = view.baseOffset;
      const lastStableOffset = this.firstUnstableOffset() ?? markerOffset + 1n;
      this.index.add(segmentBaseOffset(), { producerId, firstOffset, lastOffset: markerOffset, lastStableOffset });
    }
  }

  /** The transactions aborted in [fetchOffset, upperBoundOffset), for a read_committed Fetch. */
  abortedTransactions(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    return this.index.collect(fetchOffset, upperBoundOffset);
  }

  /**
   * Before a replay from `fromOffset`: the ongoing transactions are those of
   * the producer snapshot the replay starts from (none without one); the
   * replay finds the rest.
   */
  resetTo(fromOffset: bigint, ongoing: ReadonlyArray<{ producerId: bigint; firstOffset: bigint }>): void {
    this.ongoing.clear();
    for (const { producerId, firstOffset } of ongoing) if (firstOffset < fromOffset) this.ongoing.set(producerId, firstOffset);
  }

  /** The log lost its tail: aborts whose marker is gone are forgotten. */
  truncateFrom(offset: bigint): void {
    this.index.truncateFrom(offset);
  }

  /** The log lost its start (retention, DeleteRecords) or its tail (truncation): indexes of segments gone go too. */
  retainSegments(segmentBaseOffsets: readonly bigint[]): void {
    this.index.retainSegments(segmentBaseOffsets);
  }
}
