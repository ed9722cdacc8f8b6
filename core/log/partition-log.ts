import { crc32c } from '@node-rs/crc32';
import { batchRecords } from '../protocol/records/record-iterator.js';
import { ProtocolError } from '../protocol/protocol-error.js';
import { BatchAttribute, BatchField, RecordBatchView, batchViews } from '../protocol/record-batch-header.js';
import type { Clock, LogConfig } from './log-config.js';
import { LogError } from './log-error.js';
import { joinPath, type LogFileSystem } from './log-file-system.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { LogSegment, type BatchPlacement } from './log-segment.js';
import { CLEANED_SUFFIX, DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, SWAP_SUFFIX, TIME_INDEX_SUFFIX, parseSegmentFileName, segmentFileName } from './segment-file-name.js';

/** Present in a partition dir only between a clean close and the next open: its presence skips recovery. */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
/** The largest offset a segment holds past its base (relative offsets are int32). */
const INT32_MAX_OFFSET = 0x7fffffffn;

export interface PartitionLogOptions {
  /** The log dir (one entry of log.dirs); the partition lives in `<dir>/<topic>-<partition>`. */
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  fs: LogFileSystem;
  clock: Clock;
  /** From recovery-point-offset-checkpoint: segments wholly below it are trusted after a crash. */
  recoveryPoint?: bigint;
  /** From log-start-offset-checkpoint. */
  logStartOffset?: bigint;
  /** Called after each flush (the recovery point moved) and each logStartOffset move, so checkpoints can be written. */
  onCheckpointNeeded?: (log: PartitionLog) => void;
}

export interface AppendInfo {
  firstOffset: bigint;
  lastOffset: bigint;
  /** Largest batch maxTimestamp of the append (-1 if none). */
  maxTimestamp: bigint;
  /** LogAppendTime written into the batches, or -1 under CreateTime. */
  logAppendTimeMs: bigint;
  batchCount: number;
  recordCount: number;
  validBytes: number;
  logStartOffset: bigint;
}

export interface ReadOptions {
  /** Exclusive upper bound (the high watermark or last stable offset for consumers). */
  maxOffset?: bigint;
  /** Return the first batch even when it is larger than maxBytes (default true, as Kafka does for the first partition of a fetch). */
  minOneMessage?: boolean;
  /**
   * Read into this buffer (e.g. the shared slot the bytes leave in) instead of
   * a fresh one; the result is then a view of it. Its length is the read
   * window: give maxBytes + index.interval.bytes + 61 to get maxBytes in one read
   * (a second one when the fetch offset's batch lies further past its index entry).
   */
  into?: Buffer;
}

/** What recovery did when the log was opened. */
export interface RecoveryReport {
  hadCleanShutdown: boolean;
  segmentsRecovered: number;
  bytesRecovered: number;
  bytesTruncated: number;
  /** The first invalid batch found, if any. */
  problem: string | null;
}

interface ValidatedBatch extends BatchPlacement {
  view: RecordBatchView;
  lastOffsetDelta: number;
  recordsCount: number;
}

/**
 * The log of one partition: an ordered list of segments in
 * `<logDir>/<topic>-<partition>/`, appends to the last (active) one. Not
 * thread-safe: one partition actor owns it; background jobs (retention,
 * compaction) call its entry points on that same thread.
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly recoveryReport: RecoveryReport;
  private config: LogConfig;
  private readonly fs: LogFileSystem;
  private readonly clock: Clock;
  private readonly onCheckpointNeeded: (log: PartitionLog) => void;
  private segments: LogSegment[];
  private logStart: bigint;
  private logEnd: bigint;
  private recoveredTo: bigint;
  private unflushedMessages = 0;
  /** Bumped by every truncation, so a cleaner that started before one knows its copy is stale. */
  private truncations = 0;
  private firstUnflushedMs: number | null = null;
  private failure: LogError | null = null;
  /** Files of deleted segments, renamed `*.deleted`, waiting for takeDeletedFiles. */
  private deletedFiles: string[] = [];
  private closed = false;
  private rollListener: ((baseOffset: bigint) => void) | null = null;
  readonly leaderEpochs: LeaderEpochCache;

  private constructor(options: PartitionLogOptions, dir: string, segments: LogSegment[], report: RecoveryReport, epochs: LeaderEpochCache) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.dir = dir;
    this.config = options.config;
    this.fs = options.fs;
    this.clock = options.clock;
    this.onCheckpointNeeded = options.onCheckpointNeeded ?? (() => {});
    this.segments = segments;
    this.recoveryReport = report;
    this.leaderEpochs = epochs;
    const first = segments[0]!;
    const last = segments[segments.length - 1]!;
    this.logStart = maxBigint(options.logStartOffset ?? first.baseOffset, first.baseOffset);
    this.logEnd = maxBigint(last.nextOffset, this.logStart);
    this.recoveredTo = this.logEnd;
  }

  /** Opens (creating if needed) and recovers the partition's log. */
  static open(options: PartitionLogOptions): PartitionLog {
    const { fs, config } = options;
    const nowMs = options.clock.nowMs();
    const dir = joinPath(options.dir, `${options.topic}-${options.partition}`);
    fs.mkdir(dir);
    const baseOffsets = prepareDirectory(fs, dir);
    const markerPath = joinPath(dir, CLEAN_SHUTDOWN_FILE);
    const hadCleanShutdown = fs.exists(markerPath);
    if (hadCleanShutdown) fs.unlink(markerPath);
    const report: RecoveryReport = { hadCleanShutdown, segmentsRecovered: 0, bytesRecovered: 0, bytesTruncated: 0, problem: null };
    // Recovery starts at the segment holding the recovery point: everything before it was flushed.
    const recoveryPoint = options.recoveryPoint ?? 0n;
    let firstToRecover = 0;
    baseOffsets.forEach((base, i) => {
      if (base <= recoveryPoint) firstToRecover = i;
    });
    const segments: LogSegment[] = [];
    for (let i = 0; i < baseOffsets.length; i++) {
      const base = baseOffsets[i]!;
      if (report.problem !== null) {
        // Everything after a corrupt batch is unreachable: Kafka deletes those segments.
        for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) fs.unlink(joinPath(dir, segmentFileName(base, suffix)));
        continue;
      }
      const recover = !hadCleanShutdown && i >= firstToRecover;
      const { segment, recovery } = LogSegment.open(fs, dir, base, config, nowMs, recover);
      if (recovery !== null) {
        report.segmentsRecovered++;
        report.bytesRecovered += recovery.position;
        report.bytesTruncated += recovery.truncatedBytes;
        if (recovery.problem !== null) {
          report.problem = `${segmentFileName(base, LOG_SUFFIX)} at ${recovery.position}: ${recovery.problem}`;
        }
        // What recovery read may still be only in the page cache: make it durable before trusting it.
        segment.flush();
        // A roll syncs the sealed segment later (the flusher task), so a power loss can keep the next
        // segment and lose this one's tail. Segments always end where the next begins (the cleaner keeps
        // each segment's last batch), so a shorter one lost data: what follows it is unreachable.
        const nextBase = baseOffsets[i + 1];
        if (report.problem === null && nextBase !== undefined && segment.nextOffset < nextBase) {
          report.problem = `${segmentFileName(base, LOG_SUFFIX)} ends at offset ${segment.nextOffset}, before the next segment's base ${nextBase}`;
        }
      }
      segments.push(segment);
    }
    if (segments.length === 0) segments.push(LogSegment.create(fs, dir, options.logStartOffset ?? 0n, config, nowMs));
    const epochs = LeaderEpochCache.load(fs, dir);
    const log = new PartitionLog(options, dir, segments, report, epochs);
    epochs.truncateFromEnd(log.logEnd);
    epochs.truncateFromStart(log.logStart);
    return log;
  }

  get logStartOffset(): bigint {
    return this.logStart;
  }
  get logEndOffset(): bigint {
    return this.logEnd;
  }
  /** Offsets below this are durable (fdatasync'd). */
  get recoveryPoint(): bigint {
    return this.recoveredTo;
  }
  /** Bytes on disk across all segments. */
  get size(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.size;
    return total;
  }
  get segmentBaseOffsets(): bigint[] {
    return this.segments.map((s) => s.baseOffset);
  }
  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }
  get logConfig(): LogConfig {
    return this.config;
  }
  updateConfig(config: LogConfig): void {
    this.config = config;
  }

  /**
   * Leader append: validates every batch first (framing, CRC, size, count vs
   * offsets) and appends nothing if one is bad; then writes the assigned base
   * offsets and `leaderEpoch` into the batches in place and appends all bytes
   * with one write. `crcVerified` skips the CRC pass when the produce path
   * already checked it on the network thread (framing is still checked).
   */
  append(records: Buffer, leaderEpoch: number, options: { logAppendTimeMs?: number; crcVerified?: boolean } = {}): AppendInfo {
    this.checkUsable();
    const batches = this.validate(records, true, options.crcVerified ?? false);
    const useAppendTime = options.logAppendTimeMs !== undefined || this.config.messageTimestampType === 'LogAppendTime';
    const appendTimeMs = useAppendTime ? (options.logAppendTimeMs ?? this.clock.nowMs()) : -1;
    const firstOffset = this.logEnd;
    let next = firstOffset;
    for (const batch of batches) {
      batch.view.setBaseOffset(next);
      batch.view.setPartitionLeaderEpoch(leaderEpoch);
      if (useAppendTime) setLogAppendTime(batch.view, appendTimeMs);
      batch.lastOffset = next + BigInt(batch.lastOffsetDelta);
      batch.maxTimestamp = Number(batch.view.maxTimestamp);
      next = batch.lastOffset + 1n;
    }
    if (batches.length > 0) {
      this.maybeRoll(records.length, firstOffset, next - 1n);
      this.leaderEpochs.assign(leaderEpoch, firstOffset);
      this.writeToActive(records, batches);
      this.logEnd = next;
    }
    return this.afterAppend(batches, firstOffset, records.length, useAppendTime ? BigInt(appendTimeMs) : -1n);
  }

  /**
   * Follower append of batches fetched from the leader: offsets and leader
   * epochs are kept; they must not go back below the log end.
   */
  appendAsFollower(records: Buffer): AppendInfo {
    this.checkUsable();
    const batches = this.validate(records, false, false);
    let expected = this.logEnd;
    for (const batch of batches) {
      const base = batch.view.baseOffset;
      if (base < expected) throw new LogError('OFFSETS_OUT_OF_ORDER', `batch at ${base} does not follow ${expected - 1n}`);
      batch.lastOffset = base + BigInt(batch.lastOffsetDelta);
      expected = batch.lastOffset + 1n;
    }
    const first = batches[0];
    if (first !== undefined) {
      // A compacted leader log has offset gaps. A segment rolled here starts at the log end, not at the
      // batch, so segments stay contiguous and recovery does not read the gap as lost data; only a gap
      // beyond a segment's 32-bit relative offsets starts the segment at the batch.
      const rollBase = expected - 1n - this.logEnd <= INT32_MAX_OFFSET ? this.logEnd : first.view.baseOffset;
      this.maybeRoll(records.length, rollBase, expected - 1n);
      for (const batch of batches) this.leaderEpochs.assign(batch.view.partitionLeaderEpoch, batch.view.baseOffset);
      this.writeToActive(records, batches);
      this.logEnd = expected;
    }
    return this.afterAppend(batches, first?.view.baseOffset ?? this.logEnd, records.length, -1n);
  }

  /**
   * Raw batches from the one holding `fetchOffset`, up to `maxBytes` (at least
   * one whole batch unless minOneMessage is false), from one segment.
   */
  read(fetchOffset: bigint, maxBytes: number, options: ReadOptions = {}): { records: Buffer } {
    this.checkUsable();
    if (fetchOffset < this.logStart || fetchOffset > this.logEnd) {
      throw new LogError('OFFSET_OUT_OF_RANGE', `offset ${fetchOffset} is outside [${this.logStart}, ${this.logEnd}] of ${this.topic}-${this.partition}`);
    }
    const maxOffset = options.maxOffset ?? null;
    const empty = { records: Buffer.alloc(0) };
    if (fetchOffset === this.logEnd || (maxOffset !== null && fetchOffset >= maxOffset)) return empty;
    try {
      for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
        const read = this.segments[i]!.read(fetchOffset, maxBytes, maxOffset, options.minOneMessage ?? true, options.into);
        if (read !== null) return { records: read.records };
      }
    } catch (error) {
      throw this.storageError('read', error);
    }
    return empty;
  }

  /**
   * ListOffsets by timestamp: the first record at or after logStartOffset whose
   * timestamp >= timestampMs, or null when none is. Async because a compressed
   * batch has to be decompressed to find the record.
   */
  async offsetForTimestamp(timestampMs: bigint): Promise<{ offset: bigint; timestamp: bigint } | null> {
    this.checkUsable();
    const target = Number(timestampMs);
    let minOffset = this.logStart;
    for (const segment of this.segments) {
      for (;;) {
        const batch = segment.findBatchByTimestamp(target, minOffset);
        if (batch === null) break;
        const view = new RecordBatchView(batch, 0);
        for (const record of await batchRecords(view)) {
          if (record.timestamp >= timestampMs && record.offset >= minOffset) return { offset: record.offset, timestamp: record.timestamp };
        }
        minOffset = view.lastOffset + 1n;
      }
    }
    return null;
  }

  /** ListOffsets MAX_TIMESTAMP (-3): the first record carrying the log's largest timestamp. */
  async offsetForMaxTimestamp(): Promise<{ offset: bigint; timestamp: bigint } | null> {
    this.checkUsable();
    let best: LogSegment | null = null;
    for (const segment of this.segments) if (segment.maxTimestamp >= 0 && (best === null || segment.maxTimestamp > best.maxTimestamp)) best = segment;
    if (best === null) return null;
    const read = best.read(best.offsetOfMaxTimestamp, 0, null, true);
    if (read === null || read.records.length === 0) return null;
    const view = new RecordBatchView(read.records, 0);
    for (const record of await batchRecords(view)) {
      if (record.timestamp === view.maxTimestamp) return { offset: record.offset, timestamp: record.timestamp };
    }
    return { offset: view.lastOffset, timestamp: view.maxTimestamp };
  }

  /**
   * Follower divergence: removes every batch ending at or after `offset`. The
   * log end becomes the end of the remaining data: `offset` when it is a batch
   * boundary (as leader-epoch end offsets are), else the start of the cut batch.
   */
  truncateTo(offset: bigint): void {
    this.checkUsable();
    if (offset < 0n) throw new LogError('OFFSET_OUT_OF_RANGE', `cannot truncate to ${offset}`);
    if (offset >= this.logEnd) return;
    if (this.segments[0]!.baseOffset > offset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    try {
      while (this.segments.length > 1 && this.activeSegment.baseOffset > offset) this.retire(this.segments.pop()!);
      this.activeSegment.truncateTo(offset);
    } catch (error) {
      throw this.storageError('truncate', error);
    }
    this.truncations++;
    // Whole batches go, so the end is where the remaining data ends (at or below `offset`), as recovery would find it.
    this.logEnd = this.activeSegment.nextOffset;
    if (this.logStart > this.logEnd) this.logStart = this.logEnd;
    if (this.recoveredTo > this.logEnd) this.recoveredTo = this.logEnd;
    this.leaderEpochs.truncateFromEnd(this.logEnd);
    this.onCheckpointNeeded(this);
  }

  /** Drops the whole log and starts empty at `offset` (a follower far behind the leader's log start). */
  truncateFullyAndStartAt(offset: bigint): void {
    this.checkUsable();
    try {
      for (const segment of this.segments) this.retire(segment);
      this.segments = [LogSegment.create(this.fs, this.dir, offset, this.config, this.clock.nowMs())];
    } catch (error) {
      throw this.storageError('truncate', error);
    }
    this.truncations++;
    this.logStart = offset;
    this.logEnd = offset;
    this.recoveredTo = offset;
    this.unflushedMessages = 0;
    this.firstUnflushedMs = null;
    this.leaderEpochs.clear();
    this.onCheckpointNeeded(this);
  }

  /** DeleteRecords: moves logStartOffset forward to `offset` and deletes the segments wholly below it. */
  deleteRecordsBefore(offset: bigint): void {
    this.checkUsable();
    if (offset < 0n || offset > this.logEnd) {
      throw new LogError('OFFSET_OUT_OF_RANGE', `cannot delete records before ${offset}: log ends at ${this.logEnd}`);
    }
    if (offset <= this.logStart) return;
    this.logStart = offset;
    this.leaderEpochs.truncateFromStart(offset);
    this.deleteSegmentsWhile((segment, next) => next !== undefined && next.baseOffset <= this.logStart);
    this.onCheckpointNeeded(this);
  }

  /**
   * Retention (the background job): deletes whole non-active segments past
   * retention.ms or beyond retention.bytes (when cleanup.policy has delete),
   * and segments wholly below logStartOffset. Only segments below
   * `highWatermark` go. Returns the number of segments deleted.
   */
  deleteOldSegments(highWatermark: bigint = this.logEnd): number {
    this.checkUsable();
    const below = (next: LogSegment | undefined): next is LogSegment => next !== undefined && next.baseOffset <= highWatermark;
    let deleted = this.deleteSegmentsWhile((_, next) => below(next) && next.baseOffset <= this.logStart);
    if (this.config.cleanupPolicy.delete) {
      const { retentionMs, retentionBytes } = this.config;
      if (retentionMs >= 0) {
        const nowMs = this.clock.nowMs();
        deleted += this.deleteSegmentsWhile((segment, next) => below(next) && nowMs - (segment.maxTimestamp >= 0 ? segment.maxTimestamp : segment.rollingBaseMs) > retentionMs);
      }
      if (retentionBytes >= 0) {
        let excess = this.size - retentionBytes;
        deleted += this.deleteSegmentsWhile((segment, next) => {
          if (!below(next) || excess - segment.size < 0) return false;
          excess -= segment.size;
          return true;
        });
      }
    }
    if (deleted > 0) {
      const first = this.segments[0]!.baseOffset;
      if (first > this.logStart) {
        this.logStart = first;
        this.leaderEpochs.truncateFromStart(first);
      }
      this.onCheckpointNeeded(this);
    }
    return deleted;
  }

  /**
   * Starts a new active segment at the log end (no-op when the active one is
   * empty). The rolled segment is synced later by `flushRolledSegments` (the
   * flusher task), so a roll never stalls appends behind an fdatasync.
   */
  roll(): void {
    this.checkUsable();
    if (this.activeSegment.isEmpty) return;
    try {
      this.activeSegment.seal();
      this.segments.push(LogSegment.create(this.fs, this.dir, this.logEnd, this.config, this.clock.nowMs()));
    } catch (error) {
      throw this.storageError('roll', error);
    }
    this.rollListener?.(this.logEnd);
  }

  /**
   * Tells `listener` the base offset of each new active segment, before the
   * append that rolled it is written: the partition leader snapshots its
   * producers there, as Kafka's UnifiedLog.roll does.
   */
  onRoll(listener: ((baseOffset: bigint) => void) | null): void {
    this.rollListener = listener;
  }

  /** fdatasync of all unflushed data; the recovery point becomes the log end. */
  flush(): void {
    this.checkUsable();
    this.syncSegments(this.segments.length);
    this.markFlushed(this.logEnd);
  }

  /** Syncs segments that rolled since the last flush; the recovery point moves to the active segment. */
  flushRolledSegments(): boolean {
    this.checkUsable();
    if (!this.syncSegments(this.segments.length - 1)) return false;
    this.markFlushed(this.activeSegment.baseOffset);
    return true;
  }

  /** The flusher task: rolled segments, then flush.ms for the oldest unflushed append. */
  flushIfDue(): boolean {
    const rolled = this.flushRolledSegments();
    if (this.firstUnflushedMs === null || this.clock.nowMs() - this.firstUnflushedMs < this.config.flushMs) return rolled;
    this.flush();
    return true;
  }

  /** fdatasync of the first `count` segments that need it; true if any did. */
  private syncSegments(count: number): boolean {
    let synced = false;
    try {
      for (let i = 0; i < count; i++) {
        const segment = this.segments[i]!;
        if (!segment.needsFlush) continue;
        segment.flush();
        synced = true;
      }
    } catch (error) {
      throw this.storageError('flush', error);
    }
    return synced;
  }

  /**
   * KIP-534 (Kafka's latestDeleteHorizon): the latest delete horizon the last
   * cleaning round left on a batch with a tombstone or marker, or null. Once
   * it passes, the log is due for cleaning even without new dirty records, so
   * a quiet log still loses its expired tombstones. Kept in memory only.
   */
  latestDeleteHorizonMs: bigint | null = null;

  /** Changes whenever the log is truncated; see replaceSegment. */
  get truncationCount(): number {
    return this.truncations;
  }

  hasSegment(segment: LogSegment): boolean {
    return this.segments.includes(segment);
  }

  /** Segments the cleaner may compact: non-active, older than min.compaction.lag.ms, below `upTo`. */
  cleanableSegments(upTo: bigint = this.logEnd): readonly LogSegment[] {
    const horizonMs = this.clock.nowMs() - this.config.minCompactionLagMs;
    const result: LogSegment[] = [];
    for (let i = 0; i + 1 < this.segments.length; i++) {
      const segment = this.segments[i]!;
      if (this.segments[i + 1]!.baseOffset > upTo || segment.maxTimestamp > horizonMs) break;
      result.push(segment);
    }
    return result;
  }

  /**
   * Swaps in a compacted copy of `segment` written at `<base>.log.cleaned`.
   * Returns false (and deletes the copy) if the segment is no longer a
   * non-active part of the log or the log was truncated since
   * `truncationCount` was read. Crash-safe: the copy becomes `.swap` (the
   * commit point) before it replaces the original.
   */
  replaceSegment(segment: LogSegment, cleanedPath: string, truncationCount: number): boolean {
    this.checkUsable();
    const index = this.segments.indexOf(segment);
    if (index < 0 || index === this.segments.length - 1 || truncationCount !== this.truncations) {
      this.fs.unlink(cleanedPath);
      return false;
    }
    try {
      const swapPath = segment.path(LOG_SUFFIX + SWAP_SUFFIX);
      this.fs.rename(cleanedPath, swapPath);
      segment.closeHandle();
      this.fs.unlink(segment.path(INDEX_SUFFIX));
      this.fs.unlink(segment.path(TIME_INDEX_SUFFIX));
      this.fs.rename(swapPath, segment.path(LOG_SUFFIX));
      const { segment: replacement } = LogSegment.open(this.fs, this.dir, segment.baseOffset, this.config, this.clock.nowMs(), true);
      replacement.seal();
      this.segments[index] = replacement;
    } catch (error) {
      throw this.storageError('segment swap', error);
    }
    return true;
  }

  /**
   * Hands over the paths of deleted segments' files (renamed `*.deleted`) for
   * unlinking one housekeeping round later (Kafka's file.delete.delay.ms;
   * the partition actor does it).
   */
  takeDeletedFiles(): string[] {
    const files = this.deletedFiles;
    this.deletedFiles = [];
    return files;
  }

  private retire(segment: LogSegment): void {
    this.deletedFiles.push(...segment.markDeleted());
  }

  /** Clean shutdown: flush, write the indexes, leave the marker that skips recovery next time. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.failure !== null) {
      for (const segment of this.segments) segment.closeHandle();
      return;
    }
    this.markFlushed(this.logEnd);
    for (const segment of this.segments) segment.close();
    for (const path of this.takeDeletedFiles()) this.fs.unlink(path);
    const marker = this.fs.open(joinPath(this.dir, CLEAN_SHUTDOWN_FILE), { create: true });
    marker.sync();
    marker.close();
  }

  /** Removes the partition's directory (topic deletion). */
  delete(): void {
    this.closed = true;
    for (const segment of this.segments) segment.closeHandle();
    this.fs.removeDirectory(this.dir);
  }

  private validate(records: Buffer, asLeader: boolean, crcVerified: boolean): ValidatedBatch[] {
    const batches: ValidatedBatch[] = [];
    try {
      for (const view of batchViews(records)) {
        if (!crcVerified && !view.isCrcValid()) throw new LogError('CORRUPT_MESSAGE', `batch at byte ${view.position} fails its CRC`);
        const size = view.sizeInBytes;
        const recordsCount = view.recordsCount;
        const lastOffsetDelta = view.lastOffsetDelta;
        if (asLeader) {
          if (size > this.config.maxMessageBytes) throw new LogError('MESSAGE_TOO_LARGE', `batch of ${size} bytes exceeds max.message.bytes ${this.config.maxMessageBytes}`);
          if (recordsCount <= 0 || lastOffsetDelta + 1 !== recordsCount) throw new LogError('INVALID_RECORD', `batch has ${recordsCount} records but lastOffsetDelta ${lastOffsetDelta}`);
        } else if (lastOffsetDelta < 0) {
          throw new LogError('INVALID_RECORD', `batch has lastOffsetDelta ${lastOffsetDelta}`);
        }
        batches.push({ view, position: view.position, size, lastOffset: 0n, maxTimestamp: Number(view.maxTimestamp), lastOffsetDelta, recordsCount });
      }
    } catch (error) {
      if (error instanceof ProtocolError) throw new LogError('CORRUPT_MESSAGE', error.message, { cause: error });
      throw error;
    }
    if (records.length > this.config.segmentBytes) {
      throw new LogError('RECORD_LIST_TOO_LARGE', `append of ${records.length} bytes exceeds segment.bytes ${this.config.segmentBytes}`);
    }
    return batches;
  }

  /** Kafka's roll rules: segment.bytes, segment.ms, a full index, or offsets beyond the 32-bit relative range. */
  private maybeRoll(bytes: number, firstOffset: bigint, lastOffset: bigint): void {
    const active = this.activeSegment;
    if (active.isEmpty) {
      if (active.canHoldOffset(lastOffset) && active.baseOffset <= firstOffset) return;
      this.replaceEmptyActive(firstOffset);
      return;
    }
    const full = active.size + bytes > this.config.segmentBytes;
    const old = this.clock.nowMs() - active.rollingBaseMs > this.config.segmentMs;
    if (full || old || active.isIndexFull || !active.canHoldOffset(lastOffset)) {
      this.roll();
      if (this.activeSegment.baseOffset !== firstOffset) this.replaceEmptyActive(firstOffset);
    }
  }

  /** An empty active segment whose base cannot take the next batch is recreated at its offset. */
  private replaceEmptyActive(baseOffset: bigint): void {
    try {
      this.retire(this.segments.pop()!);
      this.segments.push(LogSegment.create(this.fs, this.dir, baseOffset, this.config, this.clock.nowMs()));
    } catch (error) {
      throw this.storageError('roll', error);
    }
  }

  private writeToActive(records: Buffer, batches: readonly BatchPlacement[]): void {
    try {
      this.activeSegment.append(records, batches);
    } catch (error) {
      throw this.storageError('append', error);
    }
  }

  private afterAppend(batches: ValidatedBatch[], firstOffset: bigint, bytes: number, logAppendTimeMs: bigint): AppendInfo {
    let recordCount = 0;
    let maxTimestamp = -1n;
    for (const batch of batches) {
      recordCount += batch.recordsCount;
      const ts = batch.view.maxTimestamp;
      if (ts > maxTimestamp) maxTimestamp = ts;
    }
    if (batches.length > 0) {
      this.unflushedMessages += recordCount;
      this.firstUnflushedMs ??= this.clock.nowMs();
      if (this.unflushedMessages >= this.config.flushMessages) this.flush();
    }
    return {
      firstOffset,
      lastOffset: this.logEnd - 1n,
      maxTimestamp,
      logAppendTimeMs,
      batchCount: batches.length,
      recordCount,
      validBytes: bytes,
      logStartOffset: this.logStart,
    };
  }

  private markFlushed(offset: bigint): void {
    this.leaderEpochs.persistIfDirty();
    if (offset > this.recoveredTo) this.recoveredTo = offset;
    if (offset >= this.logEnd) {
      this.unflushedMessages = 0;
      this.firstUnflushedMs = null;
    }
    this.onCheckpointNeeded(this);
  }

  private deleteSegmentsWhile(predicate: (segment: LogSegment, next: LogSegment | undefined) => boolean): number {
    let deleted = 0;
    while (this.segments.length > 1 && predicate(this.segments[0]!, this.segments[1])) {
      try {
        this.retire(this.segments.shift()!);
      } catch (error) {
        throw this.storageError('segment delete', error);
      }
      deleted++;
    }
    return deleted;
  }

  /** Index of the last segment whose baseOffset <= offset (0 when offset precedes them all). */
  private segmentIndexFor(offset: bigint): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private checkUsable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new LogError('KAFKA_STORAGE_ERROR', `log of ${this.topic}-${this.partition} is closed`);
  }

  /** A failed disk operation leaves the log unusable until it is reopened (and recovered). */
  private storageError(operation: string, cause: unknown): LogError {
    if (cause instanceof LogError) return cause;
    this.failure = new LogError('KAFKA_STORAGE_ERROR', `${operation} failed for ${this.topic}-${this.partition}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    return this.failure;
  }
}

/**
 * Finishes or discards interrupted work before the segments are opened:
 * temporary, `.deleted` and `.cleaned` files go, a `.swap` replaces its segment (its
 * indexes are rebuilt), index files without a log go. Returns the segments'
 * base offsets in order.
 */
function prepareDirectory(fs: LogFileSystem, dir: string): bigint[] {
  for (const name of fs.list(dir)) {
    if (name.endsWith(CLEANED_SUFFIX) || name.endsWith(DELETED_SUFFIX) || name.endsWith('.tmp')) fs.unlink(joinPath(dir, name));
    const swapped = parseSegmentFileName(name, LOG_SUFFIX + SWAP_SUFFIX);
    if (swapped !== null) {
      fs.unlink(joinPath(dir, segmentFileName(swapped, INDEX_SUFFIX)));
      fs.unlink(joinPath(dir, segmentFileName(swapped, TIME_INDEX_SUFFIX)));
      fs.rename(joinPath(dir, name), joinPath(dir, segmentFileName(swapped, LOG_SUFFIX)));
    }
  }
  const names = fs.list(dir);
  const logs = new Set<bigint>();
  for (const name of names) {
    const base = parseSegmentFileName(name, LOG_SUFFIX);
    if (base !== null) logs.add(base);
  }
  for (const name of names) {
    const base = parseSegmentFileName(name, INDEX_SUFFIX) ?? parseSegmentFileName(name, TIME_INDEX_SUFFIX);
    if (base !== null && !logs.has(base)) fs.unlink(joinPath(dir, name));
  }
  return [...logs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** LogAppendTime: the broker's clock becomes the batch's maxTimestamp; both fields are CRC-covered, so the CRC is redone. */
function setLogAppendTime(view: RecordBatchView, appendTimeMs: number): void {
  const { buf, position } = view;
  buf.writeInt16BE(view.attributes | BatchAttribute.logAppendTime, position + BatchField.attributes);
  buf.writeBigInt64BE(BigInt(appendTimeMs), position + BatchField.maxTimestamp);
  buf.writeUInt32BE(crc32c(buf.subarray(position + BatchField.attributes, position + view.sizeInBytes)) >>> 0, position + BatchField.crc);
}

function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
