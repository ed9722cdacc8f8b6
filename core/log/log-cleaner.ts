import { buildRecordBatch } from '../protocol/records/record-batch-builder.js';
import { batchRecords } from '../protocol/records/record-iterator.js';
import { BATCH_HEADER_SIZE, BatchField, RecordBatchView, batchViews, type CompressionCodec } from '../protocol/record-batch-header.js';
import { crc32c } from '@node-rs/crc32';
import type { Clock } from './log-config.js';
import type { LogFile, LogFileSystem } from './log-file-system.js';
import type { LogSegment } from './log-segment.js';
import type { PartitionLog } from './partition-log.js';
import { CLEANED_SUFFIX, LOG_SUFFIX } from './segment-file-name.js';

export interface CleanerStats {
  segmentsCleaned: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
}

/** What a cleaning round of one log did; `endOffset` is where its dirty section now starts (null: the log changed under the cleaner). */
export interface CleanerRound extends CleanerStats {
  endOffset: bigint | null;
}

/** Kafka's log.cleaner.dedupe.buffer.size default, with its 24 bytes per entry (16-byte key hash, 8-byte offset) and load factor 0.9. */
export const DEFAULT_DEDUPE_BUFFER_BYTES = 128 * 1024 * 1024;
const BYTES_PER_MAP_ENTRY = 24;
const DEDUPE_BUFFER_LOAD_FACTOR = 0.9;

export interface LogCleanerOptions {
  fs: LogFileSystem;
  clock: Clock;
  /** Awaited between segments so the partition's appends run in between (default: one macrotask turn). */
  yieldToAppends?: () => Promise<void>;
  /** Bytes read per step while scanning a segment. */
  readChunkBytes?: number;
  /** log.cleaner.dedupe.buffer.size: bounds the key map; a dirty section with more keys is cleaned over several rounds. */
  dedupeBufferBytes?: number;
}

/**
 * Compaction for cleanup.policy=compact, as Kafka's cleaner does it: the key
 * map holds the latest offset of each key in the dirty section (from the
 * cleaner checkpoint's first dirty offset to the first uncleanable offset),
 * then every segment from the log start to the end of the mapped part is
 * rewritten without the records a later one in the map supersedes and
 * without keyless records. Tombstones and transaction markers follow KIP-534:
 * the first round that keeps one sets its batch's delete horizon (the
 * attribute flag, and now + delete.retention.ms as baseTimestamp); a round
 * after that horizon removes the batch's tombstones, so a consumer that read
 * the log within delete.retention.ms of the cleaner first seeing a delete saw
 * it. Markers keep their horizon but stay: only the transaction coordinator's
 * view of the transaction can tell when one may go. The clean section is already free of
 * duplicates among itself, so it is only scanned, and its files stay as they
 * are unless the dirty section superseded one of their keys.
 * Offsets never change: a rewritten batch keeps its baseOffset,
 * lastOffsetDelta, producer fields and leader epoch; a batch left empty is
 * dropped, unless it is idempotent (kept empty for producer state) or the
 * segment's last (kept empty so the segment's end offset does not move).
 * Each segment is rewritten to `<base>.log.cleaned` and swapped in by the log.
 * The work is async and yields between segments, so appends are never held up
 * for more than one segment's worth of work.
 */
export class LogCleaner {
  private readonly yieldToAppends: () => Promise<void>;
  private readonly readChunkBytes: number;
  private readonly maxMapKeys: number;

  constructor(private readonly options: LogCleanerOptions) {
    this.yieldToAppends = options.yieldToAppends ?? (() => new Promise((resolve) => setImmediate(resolve)));
    this.readChunkBytes = options.readChunkBytes ?? 1 << 20;
    this.maxMapKeys = Math.max(1, Math.floor(Math.floor((options.dedupeBufferBytes ?? DEFAULT_DEDUPE_BUFFER_BYTES) / BYTES_PER_MAP_ENTRY) * DEDUPE_BUFFER_LOAD_FACTOR));
  }

  /** Cleans the dirty section from `firstDirtyOffset` up to `upTo` (the high watermark), or as much of it as the key map holds. */
  async clean(log: PartitionLog, upTo: bigint = log.logEndOffset, firstDirtyOffset: bigint = log.logStartOffset): Promise<CleanerRound> {
    const round: CleanerRound = { segmentsCleaned: 0, bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, endOffset: null };
    if (!log.logConfig.cleanupPolicy.compact) return round;
    const truncations = log.truncationCount;
    const segments = log.cleanableSegments(upTo);
    const latest = new Map<string, bigint>();
    let endOffset = firstDirtyOffset;
    for (const segment of segments.filter((s) => s.nextOffset > firstDirtyOffset)) {
      let full = false;
      const ok = await this.forEachBatch(log, segment, async (view) => {
        if (view.lastOffset < endOffset) return true;
        if (!view.isControl) {
          const keys = [...(await batchRecords(view))].filter((r) => r.key !== null && r.offset >= firstDirtyOffset);
          const added = new Set(keys.map((r) => r.key!.toString('latin1')).filter((k) => !latest.has(k))).size;
          // A batch is mapped whole or not at all, and the first one always, so every round makes progress.
          full = endOffset > firstDirtyOffset && latest.size + added > this.maxMapKeys;
          if (full) return false;
          for (const record of keys) latest.set(record.key!.toString('latin1'), record.offset);
        }
        endOffset = view.lastOffset + 1n;
        return true;
      });
      if (!ok) return round;
      if (full) break;
      await this.yieldToAppends();
    }
    const nowMs = BigInt(this.options.clock.nowMs());
    const horizon: DeleteHorizon = { nowMs, newHorizonMs: nowMs + BigInt(log.logConfig.deleteRetentionMs), latestMs: null };
    for (const segment of segments.filter((s) => s.baseOffset < endOffset)) {
      if (log.truncationCount !== truncations || !log.hasSegment(segment)) return round;
      const cleanedPath = segment.path(LOG_SUFFIX + CLEANED_SUFFIX);
      const out = this.options.fs.open(cleanedPath, { create: true });
      out.truncate(0);
      let written = 0;
      let removed = 0;
      const ok = await this.forEachBatch(log, segment, async (view) => {
        // The segment's last batch stays, emptied if need be, so the segment still ends where
        // the next one begins: recovery reads a shorter segment as a lost unsynced tail.
        const { bytes, dropped } = await compactBatch(view, latest, horizon, view.lastOffset + 1n === segment.nextOffset);
        removed += dropped;
        if (bytes !== null) {
          out.write(bytes, 0, bytes.length, written);
          written += bytes.length;
        }
        return true;
      });
      finish(out, ok);
      if (!ok || (removed === 0 && !horizon.rewrote) || !log.replaceSegment(segment, cleanedPath, truncations)) {
        this.options.fs.unlink(cleanedPath);
        if (!ok) return round;
      } else {
        round.segmentsCleaned++;
        round.recordsRemoved += removed;
      }
      horizon.rewrote = false;
      round.bytesRead += segment.size;
      round.bytesWritten += written;
      await this.yieldToAppends();
    }
    if (log.truncationCount === truncations) {
      round.endOffset = endOffset;
      log.latestDeleteHorizonMs = horizon.latestMs;
    }
    return round;
  }

  /** Visits the segment's batches in order until `visit` answers false; false if the segment went away meanwhile. */
  private async forEachBatch(log: PartitionLog, segment: LogSegment, visit: (view: RecordBatchView) => Promise<boolean>): Promise<boolean> {
    let position = 0;
    for (;;) {
      if (!log.hasSegment(segment)) return false;
      const chunk = segment.readBatchesAt(position, this.readChunkBytes);
      if (chunk === null) return true;
      for (const view of batchViews(chunk)) if (!(await visit(view))) return true;
      position += chunk.length;
    }
  }
}

/** Kafka's LogToClean: where the dirty section starts, the bytes on either side, and whether the log is due for cleaning. */
export interface DirtySection {
  firstDirtyOffset: bigint;
  cleanBytes: number;
  cleanableBytes: number;
  /** cleanableBytes / (cleanBytes + cleanableBytes) */
  dirtyRatio: number;
  /** The dirty ratio exceeds min.cleanable.dirty.ratio, or a dirty record is older than max.compaction.lag.ms. */
  due: boolean;
}

/**
 * Reads the log against its cleaner checkpoint (undefined: never cleaned).
 * A checkpoint below the log start (DeleteRecords, retention) or past the log
 * end (a truncation it missed) restarts from the log start, as Kafka does.
 */
export function dirtySection(log: PartitionLog, checkpoint: bigint | undefined, upTo: bigint, nowMs: number): DirtySection {
  const start = log.logStartOffset;
  const firstDirtyOffset = checkpoint === undefined || checkpoint < start || checkpoint > log.logEndOffset ? start : checkpoint;
  const segments = log.cleanableSegments(upTo);
  const dirty = segments.filter((s) => s.nextOffset > firstDirtyOffset);
  const cleanBytes = segments.filter((s) => s.baseOffset < firstDirtyOffset).reduce((sum, s) => sum + s.size, 0);
  const cleanableBytes = dirty.reduce((sum, s) => sum + s.size, 0);
  const total = cleanBytes + cleanableBytes;
  const dirtyRatio = total === 0 ? 0 : cleanableBytes / total;
  const config = log.logConfig;
  // Read only when a lag is set: the default (never) costs no I/O per round.
  const firstDirtyTimestamp = dirty.length === 0 || config.maxCompactionLagMs === Infinity ? -1 : firstBatchTimestamp(dirty[0]!);
  const overdue = firstDirtyTimestamp >= 0 && nowMs - firstDirtyTimestamp > config.maxCompactionLagMs;
  // KIP-534: a quiet log is cleaned again once its latest delete horizon passed, to drop the expired tombstones.
  const horizonPassed = log.latestDeleteHorizonMs !== null && BigInt(nowMs) >= log.latestDeleteHorizonMs;
  return { firstDirtyOffset, cleanBytes, cleanableBytes, dirtyRatio, due: (cleanableBytes > 0 && (dirtyRatio > config.minCleanableDirtyRatio || overdue)) || horizonPassed };
}

/** The segment's first batch's max timestamp (Kafka's getFirstBatchTimestamp), -1 if unreadable. */
function firstBatchTimestamp(segment: LogSegment): number {
  const chunk = segment.readBatchesAt(0, BATCH_HEADER_SIZE);
  const first = chunk === null ? undefined : batchViews(chunk).next().value;
  return first === undefined ? -1 : Number(first.maxTimestamp);
}

function finish(out: LogFile, sync: boolean): void {
  try {
    if (sync) out.sync();
  } finally {
    out.close();
  }
}

/** A round's clock for KIP-534 delete horizons, and what it saw of them. */
interface DeleteHorizon {
  readonly nowMs: bigint;
  /** The horizon a batch gets when the cleaner first keeps a tombstone or marker of it: now + delete.retention.ms. */
  readonly newHorizonMs: bigint;
  /** The latest horizon of the batches kept so far. */
  latestMs: bigint | null;
  /** A batch of the current segment was rewritten only to set its horizon. */
  rewrote?: boolean;
}

/** The batch as it should stay after compaction (null to drop it) and how many records it lost. */
async function compactBatch(
  view: RecordBatchView,
  latest: ReadonlyMap<string, bigint>,
  horizon: DeleteHorizon,
  keepEmpty: boolean,
): Promise<{ bytes: Buffer | null; dropped: number }> {
  const batchHorizonMs = view.deleteHorizonMs;
  const records = [...(await batchRecords(view))];
  const tombstonesExpired = batchHorizonMs !== null && horizon.nowMs >= batchHorizonMs;
  // A record stays unless the map holds a later one of its key (records past the mapped part are never superseded);
  // a tombstone also goes once its batch's delete horizon passed. Markers always stay (see LogCleaner).
  const kept = view.isControl
    ? records
    : records.filter((r) => r.key !== null && (latest.get(r.key.toString('latin1')) ?? r.offset) <= r.offset && !(tombstonesExpired && r.value === null));
  const dropped = records.length - kept.length;
  const setsHorizon = batchHorizonMs === null && (view.isControl || kept.some((r) => r.value === null));
  const keptHorizonMs = setsHorizon ? horizon.newHorizonMs : batchHorizonMs;
  // Only tombstones count towards the log's latest horizon: markers stay past theirs, and would make the log due forever.
  if (keptHorizonMs !== null && !view.isControl && kept.some((r) => r.value === null)) {
    if (horizon.latestMs === null || keptHorizonMs > horizon.latestMs) horizon.latestMs = keptHorizonMs;
  }
  if (dropped === 0 && !setsHorizon) return { bytes: view.bytes(), dropped };
  if (setsHorizon) horizon.rewrote = true;
  if (kept.length === 0 && view.producerId < 0n && !keepEmpty) return { bytes: null, dropped };
  const logAppendTime = view.timestampType === 'LogAppendTime';
  const rebuilt = await buildRecordBatch({
    records: kept.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offsetDelta })),
    compression: view.compression as CompressionCodec,
    producerId: view.producerId,
    producerEpoch: view.producerEpoch,
    baseSequence: view.baseSequence,
    isTransactional: view.isTransactional,
    isControl: view.isControl,
    timestampType: view.timestampType,
    ...(logAppendTime ? { logAppendTime: view.maxTimestamp } : {}),
    ...(keptHorizonMs === null ? {} : { deleteHorizonMs: keptHorizonMs }),
  });
  // Kafka keeps the original offset range, so the producer's sequence numbers still line up.
  rebuilt.writeBigInt64BE(view.baseOffset, BatchField.baseOffset);
  rebuilt.writeInt32BE(view.partitionLeaderEpoch, BatchField.partitionLeaderEpoch);
  rebuilt.writeInt32BE(view.lastOffsetDelta, BatchField.lastOffsetDelta);
  // An emptied batch keeps its timestamps (its baseTimestamp is its horizon, if it has one).
  if (kept.length === 0) {
    rebuilt.writeBigInt64BE(view.baseTimestamp, BatchField.baseTimestamp);
    rebuilt.writeBigInt64BE(view.maxTimestamp, BatchField.maxTimestamp);
  }
  rebuilt.writeUInt32BE(crc32c(rebuilt.subarray(BatchField.attributes)) >>> 0, BatchField.crc);
  return { bytes: rebuilt, dropped };
}
