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
 * rewritten without the records a later one in the map supersedes, without
 * keyless records, and without tombstones once their segment's newest record
 * is older than delete.retention.ms. The clean section is already free of
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
    const nowMs = this.options.clock.nowMs();
    for (const segment of segments.filter((s) => s.baseOffset < endOffset)) {
      if (log.truncationCount !== truncations || !log.hasSegment(segment)) return round;
      const dropTombstones = nowMs - segment.maxTimestamp > log.logConfig.deleteRetentionMs;
      const cleanedPath = segment.path(LOG_SUFFIX + CLEANED_SUFFIX);
      const out = this.options.fs.open(cleanedPath, { create: true });
      out.truncate(0);
      let written = 0;
      let removed = 0;
      const ok = await this.forEachBatch(log, segment, async (view) => {
        // The segment's last batch stays, emptied if need be, so the segment still ends where
        // the next one begins: recovery reads a shorter segment as a lost unsynced tail.
        const { bytes, dropped } = await compactBatch(view, latest, dropTombstones, view.lastOffset + 1n === segment.nextOffset);
        removed += dropped;
        if (bytes !== null) {
          out.write(bytes, 0, bytes.length, written);
          written += bytes.length;
        }
        return true;
      });
      finish(out, ok);
      if (!ok || removed === 0 || !log.replaceSegment(segment, cleanedPath, truncations)) {
        this.options.fs.unlink(cleanedPath);
        if (!ok) return round;
      } else {
        round.segmentsCleaned++;
        round.recordsRemoved += removed;
      }
      round.bytesRead += segment.size;
      round.bytesWritten += written;
      await this.yieldToAppends();
    }
    if (log.truncationCount === truncations) round.endOffset = endOffset;
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
  return { firstDirtyOffset, cleanBytes, cleanableBytes, dirtyRatio, due: cleanableBytes > 0 && (dirtyRatio > config.minCleanableDirtyRatio || overdue) };
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

/** The batch as it should stay after compaction (null to drop it) and how many records it lost. */
async function compactBatch(
  view: RecordBatchView,
  latest: ReadonlyMap<string, bigint>,
  dropTombstones: boolean,
  keepEmpty: boolean,
): Promise<{ bytes: Buffer | null; dropped: number }> {
  if (view.isControl) return { bytes: view.bytes(), dropped: 0 };
  const records = [...(await batchRecords(view))];
  // A record stays unless the map holds a later one of its key (records past the mapped part are never superseded).
  const kept = records.filter((r) => r.key !== null && (latest.get(r.key.toString('latin1')) ?? r.offset) <= r.offset && !(dropTombstones && r.value === null));
  const dropped = records.length - kept.length;
  if (dropped === 0) return { bytes: view.bytes(), dropped };
  if (kept.length === 0 && view.producerId < 0n && !keepEmpty) return { bytes: null, dropped };
  const logAppendTime = view.timestampType === 'LogAppendTime';
  const rebuilt = await buildRecordBatch({
    records: kept.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offsetDelta })),
    compression: view.compression as CompressionCodec,
    producerId: view.producerId,
    producerEpoch: view.producerEpoch,
    baseSequence: view.baseSequence,
    isTransactional: view.isTransactional,
    timestampType: view.timestampType,
    ...(logAppendTime ? { logAppendTime: view.maxTimestamp } : {}),
  });
  // Kafka keeps the original offset range, so the producer's sequence numbers still line up.
  rebuilt.writeBigInt64BE(view.baseOffset, BatchField.baseOffset);
  rebuilt.writeInt32BE(view.partitionLeaderEpoch, BatchField.partitionLeaderEpoch);
  rebuilt.writeInt32BE(view.lastOffsetDelta, BatchField.lastOffsetDelta);
  if (kept.length === 0) {
    rebuilt.writeBigInt64BE(view.baseTimestamp, BatchField.baseTimestamp);
    rebuilt.writeBigInt64BE(view.maxTimestamp, BatchField.maxTimestamp);
  }
  rebuilt.writeUInt32BE(crc32c(rebuilt.subarray(BatchField.attributes)) >>> 0, BatchField.crc);
  return { bytes: rebuilt, dropped };
}
