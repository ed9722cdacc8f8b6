import type { PartitionLog } from '../log/partition-log.js';
import { batchViews, type RecordBatchView } from '../protocol/record-batch-header.js';
import { ControlRecordType, parseControlRecordKey, parseEndTxnMarker } from '../protocol/records/control-batch.js';
import { iterateRecords } from '../protocol/records/record-iterator.js';
import type { ProducerStateManager } from './producer-state.js';
import type { ProducerSnapshot } from './producer-state-snapshot.js';
import type { PartitionTransactions } from './transaction-state.js';

/**
 * Kafka, finding no producer snapshot, replays only the last two segments
 * (UnifiedLog.rebuildProducerState) rather than the whole log: a producer
 * silent since before them is past retrying its batches.
 */
export const REPLAYED_SEGMENTS = 2;
const READ_CHUNK_BYTES = 1 << 20;
/** The log's read window for READ_CHUNK_BYTES (maxBytes + index.interval.bytes + a header), reused for every read. */
const READ_WINDOW_BYTES = READ_CHUNK_BYTES + 4096 + 61;

export interface ProducerStateReplay {
  /** The first offset replayed. */
  readonly fromOffset: bigint;
  readonly batches: number;
  /** The offset of the snapshot the replay started from, or null when the log alone decided. */
  readonly snapshotOffset: bigint | null;
}

/**
 * Rebuilds `state` from the batch headers of the log's last segments, so that
 * after a restart (clean or kill -9, once recovery has truncated torn tails)
 * a batch retried from before it is still a duplicate and sequences continue.
 * A snapshot (written at a segment roll or the last clean shutdown) replaces
 * that rule, as in Kafka: the replay starts at its offset, wherever that is
 * in the log; it is ignored outside [log start, log end] (it no longer
 * describes this log). Only headers are read: no record is decoded or
 * decompressed.
 */
export function rebuildProducerState(log: PartitionLog, state: ProducerStateManager, snapshot: ProducerSnapshot | null = null, transactions?: PartitionTransactions): ProducerStateReplay {
  const bases = log.segmentBaseOffsets;
  const firstReplayed = bases[Math.max(0, bases.length - REPLAYED_SEGMENTS)] ?? log.logStartOffset;
  const windowStart = firstReplayed > log.logStartOffset ? firstReplayed : log.logStartOffset;
  const usable = snapshot !== null && snapshot.offset >= log.logStartOffset && snapshot.offset <= log.logEndOffset;
  if (usable) state.loadSnapshot(snapshot.entries);
  else state.clear();
  const fromOffset = usable ? snapshot.offset : windowStart;
  const ongoing = usable ? snapshot.entries.flatMap((e) => (e.currentTxnFirstOffset === undefined ? [] : [{ producerId: e.producerId, firstOffset: e.currentTxnFirstOffset }])) : [];
  transactions?.resetTo(fromOffset, ongoing);
  let offset = fromOffset;
  let batches = 0;
  // One buffer for the whole replay: fresh memory is what costs on these machines.
  const into = Buffer.allocUnsafe(READ_WINDOW_BYTES);
  while (offset < log.logEndOffset) {
    const { records } = log.read(offset, READ_CHUNK_BYTES, { minOneMessage: true, into });
    const before = offset;
    for (const view of batchViews(records, { allowPartialTail: true })) {
      // The read starts at the batch holding `offset`, which may have been replayed already.
      if (view.lastOffset < offset) continue;
      applyLoggedBatch(view, state, transactions, () => segmentBaseFor(bases, view.baseOffset));
      if (!view.isControl) batches++;
      offset = view.lastOffset + 1n;
    }
    // An empty read: nothing stored at or after `offset`.
    if (offset === before) break;
  }
  return { fromOffset, batches, snapshotOffset: usable ? snapshot.offset : null };
}

/**
 * One batch already in the log applied to the producers and the partition's
 * transactions: as a replay does, and as a follower does with what its leader
 * wrote (so that, once leader, it has the same LSO, ongoing transactions and
 * .txnindex).
 */
export function applyLoggedBatch(view: RecordBatchView, state: ProducerStateManager, transactions: PartitionTransactions | undefined, segmentBaseOffset: () => bigint): void {
  transactions?.onBatch(view, segmentBaseOffset);
  if (view.isControl) {
    if (view.isTransactional) state.recordMarker(view.producerId, view.producerEpoch, markerCoordinatorEpoch(view), Number(view.maxTimestamp));
    return;
  }
  state.record(
    { producerId: view.producerId, producerEpoch: view.producerEpoch, baseSequence: view.baseSequence, lastOffsetDelta: view.lastOffsetDelta, maxTimestampMs: Number(view.maxTimestamp) },
    view.baseOffset,
  );
}

/** The coordinator epoch a transaction marker carries (-1 for another control record). */
function markerCoordinatorEpoch(view: RecordBatchView): number {
  const first = iterateRecords(view).next();
  if (first.done === true) return -1;
  const type = parseControlRecordKey(first.value.key).type;
  return type === ControlRecordType.commit || type === ControlRecordType.abort ? parseEndTxnMarker(first.value.value).coordinatorEpoch : -1;
}

/** The base offset of the segment holding `offset`. */
export function segmentBaseFor(bases: readonly bigint[], offset: bigint): bigint {
  let found = bases[0] ?? 0n;
  for (const base of bases) if (base <= offset) found = base;
  return found;
}
