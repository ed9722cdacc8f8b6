import { BATCH_HEADER_SIZE, BatchField, RecordBatchView } from '../protocol/record-batch-header.js';
import { readFully, scanBatches, type ScanResult } from './batch-scanner.js';
import type { LogConfig } from './log-config.js';
import { joinPath, readWholeFile, type LogFile, type LogFileSystem } from './log-file-system.js';
import { DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, segmentFileName } from './segment-file-name.js';
import { OffsetIndexFormat, SparseIndex, TimeIndexFormat } from './sparse-index.js';

/** One batch of an append, located inside the appended buffer. */
export interface BatchPlacement {
  /** Position of the batch inside the appended buffer. */
  position: number;
  size: number;
  lastOffset: bigint;
  maxTimestamp: number;
}

/** Where recovery stopped (`problem` null when every byte was valid) and how many bytes it cut off. */
export interface SegmentRecovery extends ScanResult {
  truncatedBytes: number;
}

/** Raw batches read from a segment, and where the first of them starts. */
export interface SegmentRead {
  records: Buffer;
  /** File position of the first returned batch. */
  position: number;
}

const INT32_MAX = 0x7fffffff;

/**
 * One `<baseOffset>.log` with its `.index` and `.timeindex`. Appends go to the
 * end of the log file in one write; index entries are kept in memory (O(1) per
 * batch) and persisted when the segment rolls or closes.
 */
export class LogSegment {
  /** Offset after the last batch (baseOffset when empty). */
  nextOffset: bigint;
  size: number;
  /** Largest batch maxTimestamp, -1 when empty. */
  maxTimestamp = -1;
  /** Last offset of the batch holding maxTimestamp. */
  offsetOfMaxTimestamp: bigint;
  /** Clock time the segment.ms countdown started (creation or load). */
  readonly rollingBaseMs: number;
  private bytesSinceLastIndexEntry = 0;
  private unflushed = false;
  private indexesUnsynced = false;
  private offsetIndex: SparseIndex;
  private timeIndex: SparseIndex;

  private constructor(
    private readonly fs: LogFileSystem,
    readonly dir: string,
    readonly baseOffset: bigint,
    private readonly config: LogConfig,
    private readonly log: LogFile,
    nowMs: number,
  ) {
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
    this.size = 0;
    this.rollingBaseMs = nowMs;
    this.offsetIndex = new SparseIndex(OffsetIndexFormat, maxEntries(config, OffsetIndexFormat.entrySize));
    this.timeIndex = new SparseIndex(TimeIndexFormat, maxEntries(config, TimeIndexFormat.entrySize));
  }

  static create(fs: LogFileSystem, dir: string, baseOffset: bigint, config: LogConfig, nowMs: number): LogSegment {
    const log = fs.open(joinPath(dir, segmentFileName(baseOffset, LOG_SUFFIX)), { create: true });
    // Only a leftover needs truncating: ext4 treats truncate-to-zero as "replace this file" and
    // forces its blocks out at close (auto_da_alloc), which would stall deleting the segment.
    if (log.size() > 0) log.truncate(0);
    const segment = new LogSegment(fs, dir, baseOffset, config, log, nowMs);
    segment.offsetIndex.markUnpersisted();
    segment.timeIndex.markUnpersisted();
    segment.persistIndexes(false);
    return segment;
  }

  /**
   * Opens an existing segment. With `recover`, every batch is re-validated and
   * the indexes rebuilt; otherwise the index files are trusted when they pass
   * the sanity checks (and rebuilt when missing or broken).
   */
  static open(fs: LogFileSystem, dir: string, baseOffset: bigint, config: LogConfig, nowMs: number, recover: boolean): { segment: LogSegment; recovery: SegmentRecovery | null } {
    const log = fs.open(joinPath(dir, segmentFileName(baseOffset, LOG_SUFFIX)));
    const segment = new LogSegment(fs, dir, baseOffset, config, log, nowMs);
    segment.size = log.size();
    if (!recover && segment.loadIndexes()) return { segment, recovery: null };
    return { segment, recovery: segment.recover() };
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }
  get isIndexFull(): boolean {
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }
  get indexEntries(): number {
    return this.offsetIndex.entries;
  }

  /** Whether `lastOffset` still fits the 32-bit relative offsets of the indexes. */
  canHoldOffset(lastOffset: bigint): boolean {
    return lastOffset - this.baseOffset <= BigInt(INT32_MAX);
  }

  /** Writes `records` (offsets already assigned) at the end of the log file, then indexes its batches. */
  append(records: Buffer, batches: readonly BatchPlacement[]): void {
    this.unflushed = true;
    this.log.write(records, 0, records.length, this.size);
    for (const batch of batches) this.indexBatch(batch.position + this.size, batch.size, batch.lastOffset, batch.maxTimestamp);
    this.size += records.length;
  }

  /**
   * Batches from the one holding `fetchOffset`, up to `maxBytes` (at least one
   * whole batch when `minOneMessage`), stopping before any batch whose
   * baseOffset is >= `maxOffset`. Null when no batch here ends at or after
   * fetchOffset (the caller moves to the next segment).
   */
  read(fetchOffset: bigint, maxBytes: number, maxOffset: bigint | null, minOneMessage: boolean, into?: Buffer): SegmentRead | null {
    const target = fetchOffset - this.baseOffset;
    const floor = target <= 0n ? -1 : this.offsetIndex.floorIndex(Number(target > BigInt(INT32_MAX) ? INT32_MAX : target));
    let position = floor < 0 ? 0 : this.offsetIndex.valueAt(floor);
    // Enough to reach the batch from its index entry and take maxBytes after it, in one read.
    const window = into !== undefined && into.length >= BATCH_HEADER_SIZE ? into.length : Math.max(maxBytes, 0) + this.config.indexIntervalBytes + BATCH_HEADER_SIZE;
    for (;;) {
      if (position >= this.size) return null;
      const length = Math.min(this.size - position, window);
      const buffer = into !== undefined && into.length >= length ? into : Buffer.allocUnsafe(length);
      const got = readFully(this.log, buffer, length, position);
      let at = 0;
      let found = false;
      while (at + BATCH_HEADER_SIZE <= got) {
        const lastOffset = buffer.readBigInt64BE(at + BatchField.baseOffset) + BigInt(buffer.readInt32BE(at + BatchField.lastOffsetDelta));
        if (lastOffset >= fetchOffset) {
          found = true;
          break;
        }
        at += buffer.readInt32BE(at + BatchField.batchLength) + 12;
      }
      if (!found) {
        // The window ended mid-batch or before the target: continue from the first unread batch.
        if (at === 0) return null;
        position += at;
        continue;
      }
      const first = new RecordBatchView(buffer, at);
      if (maxOffset !== null && first.baseOffset >= maxOffset) return { records: buffer.subarray(0, 0), position: position + at };
      const firstSize = first.sizeInBytes;
      if (firstSize > maxBytes && !minOneMessage) return { records: buffer.subarray(0, 0), position: position + at };
      // Index entries are keyed by their batch's lastOffset, so the batch holding fetchOffset can start
      // index.interval.bytes plus a batch past the entry found, beyond what the window allows for:
      // read again from that batch rather than stop before maxBytes.
      if (at > 0 && at + Math.min(maxBytes, this.size - position - at) > got) {
        position += at;
        continue;
      }
      if (at + firstSize > got) {
        const whole = Buffer.allocUnsafe(firstSize);
        readFully(this.log, whole, firstSize, position + at);
        return { records: whole, position: position + at };
      }
      let end = at + firstSize;
      while (end + BATCH_HEADER_SIZE <= got) {
        const size = buffer.readInt32BE(end + BatchField.batchLength) + 12;
        if (end + size > got || end + size - at > maxBytes) break;
        if (maxOffset !== null && buffer.readBigInt64BE(end + BatchField.baseOffset) >= maxOffset) break;
        end += size;
      }
      return { records: buffer.subarray(at, end), position: position + at };
    }
  }

  /**
   * Whole batches starting at file `position`: about `maxBytes` of them, at
   * least one; null at the end of the segment. For sequential scans (the cleaner).
   */
  readBatchesAt(position: number, maxBytes: number): Buffer | null {
    if (position >= this.size) return null;
    const length = Math.min(this.size - position, Math.max(maxBytes, BATCH_HEADER_SIZE));
    const buffer = Buffer.allocUnsafe(length);
    const got = readFully(this.log, buffer, length, position);
    let end = 0;
    while (end + BATCH_HEADER_SIZE <= got) {
      const size = buffer.readInt32BE(end + BatchField.batchLength) + 12;
      if (end + size > got) break;
      end += size;
    }
    if (end > 0) return buffer.subarray(0, end);
    if (got < BATCH_HEADER_SIZE) return null;
    const size = buffer.readInt32BE(BatchField.batchLength) + 12;
    const whole = Buffer.allocUnsafe(size);
    return readFully(this.log, whole, size, position) === size ? whole : null;
  }

  /** File position of the first batch whose lastOffset >= offset, or null. Scans from the index entry. */
  positionOf(offset: bigint): { position: number; batch: { baseOffset: bigint; lastOffset: bigint; maxTimestamp: bigint } } | null {
    const read = this.read(offset, 0, null, true);
    if (read === null || read.records.length === 0) return null;
    const view = new RecordBatchView(read.records, 0);
    return { position: read.position, batch: { baseOffset: view.baseOffset, lastOffset: view.lastOffset, maxTimestamp: view.maxTimestamp } };
  }

  /**
   * The first batch ending at or after `minOffset` whose maxTimestamp >=
   * timestampMs, found from the time index; a copy of its bytes, for a
   * record-level search.
   */
  findBatchByTimestamp(timestampMs: number, minOffset: bigint): Buffer | null {
    if (this.maxTimestamp < timestampMs || minOffset >= this.nextOffset) return null;
    const entry = this.timeIndex.floorIndex(timestampMs);
    let startOffset = entry < 0 ? this.baseOffset : this.baseOffset + BigInt(this.timeIndex.valueAt(entry));
    if (startOffset < minOffset) startOffset = minOffset;
    const floor = this.offsetIndex.floorIndex(Number(startOffset - this.baseOffset));
    const target = BigInt(timestampMs);
    let found = null as Buffer | null;
    scanBatches(this.log, floor < 0 ? 0 : this.offsetIndex.valueAt(floor), this.size, (batch) => {
      if (batch.lastOffset < minOffset || batch.maxTimestamp < target) return null;
      found = Buffer.from(batch.bytes());
      return 'found';
    }, 1 << 20);
    return found;
  }

  /** Removes every batch whose lastOffset >= offset; returns the bytes removed. */
  truncateTo(offset: bigint): number {
    const at = offset <= this.baseOffset ? { position: 0 } : this.positionOf(offset);
    if (at === null) return 0;
    const removed = this.size - at.position;
    this.log.truncate(at.position);
    // Without a sync the cut bytes could come back after a crash, valid CRCs and all.
    this.log.sync();
    this.size = at.position;
    this.offsetIndex.truncateFromValue(at.position);
    this.timeIndex.truncateFromValue(Number(offset - this.baseOffset));
    this.recomputeTail();
    return removed;
  }

  /**
   * Re-validates every batch (framing, magic, CRC, offsets increasing), rebuilds
   * both indexes, and truncates the file at the first invalid byte.
   */
  recover(): SegmentRecovery {
    this.offsetIndex = new SparseIndex(OffsetIndexFormat, this.offsetIndex.maxEntries);
    this.timeIndex = new SparseIndex(TimeIndexFormat, this.timeIndex.maxEntries);
    this.offsetIndex.markUnpersisted();
    this.timeIndex.markUnpersisted();
    this.bytesSinceLastIndexEntry = 0;
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = this.baseOffset;
    const result = scanBatches(this.log, 0, this.size, (batch, position) => {
      if (batch.baseOffset < this.nextOffset) return `offset ${batch.baseOffset} not after ${this.nextOffset - 1n}`;
      if (batch.lastOffsetDelta < 0 || !this.canHoldOffset(batch.lastOffset)) return `bad lastOffsetDelta ${batch.lastOffsetDelta}`;
      if (!batch.isCrcValid()) return 'CRC mismatch';
      this.indexBatch(position, batch.sizeInBytes, batch.lastOffset, Number(batch.maxTimestamp));
      return null;
    });
    const truncatedBytes = this.size - result.position;
    if (truncatedBytes > 0) {
      this.log.truncate(result.position);
      this.size = result.position;
    }
    this.persistIndexes(false);
    this.indexesUnsynced = true;
    return { ...result, truncatedBytes };
  }

  /** Whether bytes were appended since the last flush. */
  get needsFlush(): boolean {
    return this.unflushed;
  }

  /** fdatasync of the log file, and of the index files once the segment is sealed. */
  flush(): void {
    this.log.sync();
    this.unflushed = false;
    if (this.indexesUnsynced) {
      this.persistIndexes(true);
      this.indexesUnsynced = false;
    }
  }

  /**
   * The segment stops being active: final time-index entry and indexes
   * written. Their fdatasync comes with the segment's flush, which the log
   * defers to its flusher (Kafka flushes rolled segments asynchronously too).
   */
  seal(): void {
    this.appendFinalTimeIndexEntry();
    this.persistIndexes(false);
    this.indexesUnsynced = true;
  }

  close(): void {
    this.appendFinalTimeIndexEntry();
    this.persistIndexes(true);
    if (this.unflushed) this.log.sync();
    this.log.close();
  }

  /**
   * Closes the segment and renames its files to `*.deleted`, Kafka's
   * asynchronous delete: unlinking a file full of fresh pages takes
   * milliseconds, so the unlink is left to a background task. Returns the
   * renamed paths.
   */
  markDeleted(): string[] {
    this.log.close();
    const renamed: string[] = [];
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      const path = this.path(suffix);
      if (!this.fs.exists(path)) continue;
      this.fs.rename(path, path + DELETED_SUFFIX);
      renamed.push(path + DELETED_SUFFIX);
    }
    return renamed;
  }

  /** Closes without writing anything (the files are being replaced or the log failed). */
  closeHandle(): void {
    this.log.close();
  }

  path(suffix: string): string {
    return joinPath(this.dir, segmentFileName(this.baseOffset, suffix));
  }

  /** Kafka's rule: an index entry for a batch once more than index.interval.bytes passed since the last entry. */
  private indexBatch(position: number, size: number, lastOffset: bigint, maxTimestamp: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      this.offsetIndex.append(Number(lastOffset - this.baseOffset), position);
      this.appendFinalTimeIndexEntry();
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    this.nextOffset = lastOffset + 1n;
  }

  private appendFinalTimeIndexEntry(): void {
    const last = this.timeIndex.lastKey;
    if (this.maxTimestamp >= 0 && (last === undefined || this.maxTimestamp > last)) {
      this.timeIndex.append(this.maxTimestamp, Number(this.offsetOfMaxTimestamp - this.baseOffset));
    }
  }

  private persistIndexes(sync: boolean): void {
    for (const [suffix, index] of [
      [INDEX_SUFFIX, this.offsetIndex],
      [TIME_INDEX_SUFFIX, this.timeIndex],
    ] as const) {
      const file = this.fs.open(this.path(suffix), { create: true });
      try {
        index.persist(file);
        if (sync) file.sync();
      } finally {
        file.close();
      }
    }
  }

  /** Reads and sanity-checks both index files; false when either must be rebuilt. */
  private loadIndexes(): boolean {
    const offsetPath = this.path(INDEX_SUFFIX);
    const timePath = this.path(TIME_INDEX_SUFFIX);
    if (!this.fs.exists(offsetPath) || !this.fs.exists(timePath)) return false;
    const offsetIndex = SparseIndex.decode(OffsetIndexFormat, this.offsetIndex.maxEntries, readWholeFile(this.fs, offsetPath), Math.max(1, this.size));
    const timeIndex = SparseIndex.decode(TimeIndexFormat, this.timeIndex.maxEntries, readWholeFile(this.fs, timePath), INT32_MAX);
    if (offsetIndex === null || timeIndex === null) return false;
    if (this.size === 0 && offsetIndex.entries > 0) return false;
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    return this.recomputeTail();
  }

  /**
   * nextOffset and maxTimestamp from the last index entries plus a scan of the
   * batches after the last offset-index entry (at most about index.interval.bytes
   * plus one batch). False if those batches are not well framed.
   */
  private recomputeTail(): boolean {
    const entry = this.offsetIndex.entries - 1;
    const from = entry < 0 ? 0 : this.offsetIndex.valueAt(entry);
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = this.timeIndex.lastKey ?? -1;
    this.offsetOfMaxTimestamp = this.baseOffset + BigInt(this.timeIndex.lastValue ?? 0);
    this.bytesSinceLastIndexEntry = 0;
    const result = scanBatches(this.log, from, this.size, (batch) => {
      const maxTimestamp = Number(batch.maxTimestamp);
      if (maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = maxTimestamp;
        this.offsetOfMaxTimestamp = batch.lastOffset;
      }
      this.nextOffset = batch.lastOffset + 1n;
      this.bytesSinceLastIndexEntry += batch.sizeInBytes;
      return null;
    }, 1 << 20);
    return result.problem === null;
  }
}

function maxEntries(config: LogConfig, entrySize: number): number {
  return Math.max(1, Math.floor(config.segmentIndexBytes / entrySize));
}
