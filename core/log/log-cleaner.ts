import { buildRecordBatch } from '../protocol/records/record-batch-builder.js';
import { batchRecords } from '../protocol/records/record-iterator.js';
import { BatchField, RecordBatchView, batchViews, type CompressionCodec } from '../protocol/record-batch-header.js';
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

export interface LogCleanerOptions {
  fs: LogFileSystem;
  clock: Clock;
  /** Awaited between segments so the partition's appends run in between (default: one macrotask turn). */
  yieldToAppends?: () => Promise<void>;
  /** Bytes read per step while scanning a segment. */
  readChunkBytes?: number;
}

/**
 * Compaction for cleanup.policy=compact: in the segments before the active one,
 * keeps only the latest record of each key, drops keyless records, and drops
 * tombstones once their segment's newest record is older than
 * delete.retention.ms. Offsets never change: a rewritten batch keeps its
 * baseOffset, lastOffsetDelta, producer fields and leader epoch; a batch left
 * empty is dropped, unless it is idempotent (kept empty for producer state) or
 * the segment's last (kept empty so the segment's end offset does not move).
 * Each segment is rewritten to `<base>.log.cleaned` and swapped in by the log.
 * The work is async and yields between segments, so appends are never held up
 * for more than one segment's worth of work.
 */
export class LogCleaner {
  private readonly yieldToAppends: () => Promise<void>;
  private readonly readChunkBytes: number;

  constructor(private readonly options: LogCleanerOptions) {
    this.yieldToAppends = options.yieldToAppends ?? (() => new Promise((resolve) => setImmediate(resolve)));
    this.readChunkBytes = options.readChunkBytes ?? 1 << 20;
  }

  async clean(log: PartitionLog, upTo: bigint = log.logEndOffset): Promise<CleanerStats> {
    const stats: CleanerStats = { segmentsCleaned: 0, bytesRead: 0, bytesWritten: 0, recordsRemoved: 0 };
    if (!log.logConfig.cleanupPolicy.compact) return stats;
    const truncations = log.truncationCount;
    const segments = log.cleanableSegments(upTo);
    if (segments.length === 0) return stats;
    const latest = new Map<string, bigint>();
    for (const segment of segments) {
      const ok = await this.forEachBatch(log, segment, async (view) => {
        if (view.isControl) return;
        for (const record of await batchRecords(view)) if (record.key !== null) latest.set(record.key.toString('latin1'), record.offset);
      });
      if (!ok) return stats;
      await this.yieldToAppends();
    }
    const nowMs = this.options.clock.nowMs();
    for (const segment of segments) {
      if (log.truncationCount !== truncations || !log.hasSegment(segment)) break;
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
      });
      finish(out, ok);
      if (!ok || removed === 0 || !log.replaceSegment(segment, cleanedPath, truncations)) {
        this.options.fs.unlink(cleanedPath);
        if (!ok) break;
      } else {
        stats.segmentsCleaned++;
        stats.recordsRemoved += removed;
      }
      stats.bytesRead += segment.size;
      stats.bytesWritten += written;
      await this.yieldToAppends();
    }
    return stats;
  }

  /** Visits the segment's batches in order; false if the segment went away meanwhile. */
  private async forEachBatch(log: PartitionLog, segment: LogSegment, visit: (view: RecordBatchView) => Promise<void>): Promise<boolean> {
    let position = 0;
    for (;;) {
      if (!log.hasSegment(segment)) return false;
      const chunk = segment.readBatchesAt(position, this.readChunkBytes);
      if (chunk === null) return true;
      for (const view of batchViews(chunk)) await visit(view);
      position += chunk.length;
    }
  }
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
  const kept = records.filter((r) => r.key !== null && latest.get(r.key.toString('latin1')) === r.offset && !(dropTombstones && r.value === null));
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
