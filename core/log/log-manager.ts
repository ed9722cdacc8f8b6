import { OffsetCheckpointFile } from './checkpoint-file.js';
import { LogCleaner, dirtySection, type CleanerStats } from './log-cleaner.js';
import { defaultLogConfig, type Clock, type LogConfig } from './log-config.js';
import { joinPath, type LogFileSystem } from './log-file-system.js';
import { PartitionLog, type RecoveryReport } from './partition-log.js';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

/** One partition to open, with what the checkpoints know about it. */
export interface RecoveryTask {
  logDir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  recoveryPoint?: bigint;
  logStartOffset?: bigint;
}

/**
 * Recovers many partitions at once (num.recovery.threads.per.data.dir) and
 * leaves each cleanly closed, so the manager's own open is then fast. The
 * default recovers one partition at a time on the calling thread;
 * `workerRecoveryExecutor` uses worker threads on a real disk.
 */
export type RecoveryExecutor = (tasks: RecoveryTask[]) => Promise<RecoveryReport[]>;

export interface LogManagerOptions {
  /** One entry of log.dirs. */
  logDir: string;
  fs: LogFileSystem;
  clock: Clock;
  /** The topic's effective log config (broker defaults overlaid with topic configs). */
  configFor?: (topic: string) => LogConfig;
  recoveryExecutor?: RecoveryExecutor;
  /** log.retention.check.interval.ms */
  retentionCheckIntervalMs?: number;
  /** log.cleaner.backoff.ms */
  cleanerBackoffMs?: number;
  /** log.cleaner.dedupe.buffer.size */
  cleanerDedupeBufferBytes?: number;
  /** log.flush.offset.checkpoint.interval.ms (also used for log start offsets) */
  checkpointIntervalMs?: number;
  /** file.delete.delay.ms: how long deleted segments' files wait before the unlink. */
  fileDeleteDelayMs?: number;
  /** How often logs are checked against their flush.ms. */
  flushCheckIntervalMs?: number;
  /** The high watermark of a partition: retention and compaction stay below it (defaults to the log end). */
  highWatermarkOf?: (log: PartitionLog) => bigint;
  /** Between compaction steps (see LogCleaner). */
  yieldToAppends?: () => Promise<void>;
}

/** Background work for the runtime's scheduler (background.threads), with Kafka's intervals. */
export interface ScheduledLogTask {
  name: string;
  intervalMs: number;
  run: () => void | Promise<unknown>;
}

/**
 * The logs of one log dir: opens every `<topic>-<partition>` directory at
 * start-up with recovery, creates and deletes partitions, keeps the
 * recovery-point, log-start-offset and cleaner-offset checkpoints, and offers
 * the periodic retention, flush, checkpoint and compaction work as scheduled tasks.
 * The cleaner checkpoint holds each compacted partition's first dirty offset,
 * so a restart does not clean the clean section again.
 */
export class LogManager {
  private readonly logs = new Map<string, PartitionLog>();
  private readonly recoveryPoints: OffsetCheckpointFile;
  private readonly logStartOffsets: OffsetCheckpointFile;
  private readonly cleanerOffsets: OffsetCheckpointFile;
  /** topic-partition → first dirty offset, as in cleaner-offset-checkpoint. */
  private readonly firstDirtyOffsets = new Map<string, bigint>();
  /** Each log's truncation count when last seen, to notice a truncation below its first dirty offset. */
  private readonly truncationsSeen = new Map<string, number>();
  private readonly cleaner: LogCleaner;
  private checkpointDirty = false;
  private cleaning: Promise<CleanerStats> | null = null;
  private closed = false;
  /** What recovery did per partition at start-up, for the start-up log line. */
  readonly recoveryReports = new Map<string, RecoveryReport>();

  private constructor(private readonly options: LogManagerOptions) {
    this.recoveryPoints = new OffsetCheckpointFile(options.fs, options.logDir, RECOVERY_POINT_CHECKPOINT);
    this.logStartOffsets = new OffsetCheckpointFile(options.fs, options.logDir, LOG_START_OFFSET_CHECKPOINT);
    this.cleanerOffsets = new OffsetCheckpointFile(options.fs, options.logDir, CLEANER_OFFSET_CHECKPOINT);
    this.cleaner = new LogCleaner({
      fs: options.fs,
      clock: options.clock,
      ...(options.yieldToAppends ? { yieldToAppends: options.yieldToAppends } : {}),
      ...(options.cleanerDedupeBufferBytes !== undefined ? { dedupeBufferBytes: options.cleanerDedupeBufferBytes } : {}),
    });
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    const manager = new LogManager(options);
    await manager.loadLogs();
    return manager;
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(key(topic, partition));
  }

  all(): PartitionLog[] {
    return [...this.logs.values()];
  }

  /** The partition's log, created empty (at `startOffset`) if this log dir has none. */
  getOrCreate(topic: string, partition: number, startOffset = 0n): PartitionLog {
    const existing = this.get(topic, partition);
    if (existing !== undefined) return existing;
    if (!isValidTopic(topic) || !Number.isInteger(partition) || partition < 0) throw new RangeError(`invalid partition ${topic}-${partition}`);
    const log = this.openLog({ logDir: this.options.logDir, topic, partition, config: this.configFor(topic), logStartOffset: startOffset });
    this.checkpointDirty = true;
    return log;
  }

  /** Topic deletion: the partition's directory goes; the checkpoints forget it. */
  delete(topic: string, partition: number): boolean {
    const log = this.get(topic, partition);
    if (log === undefined) return false;
    this.logs.delete(key(topic, partition));
    this.truncationsSeen.delete(key(topic, partition));
    log.delete();
    this.writeCheckpoints();
    if (this.firstDirtyOffsets.delete(key(topic, partition))) this.writeCleanerCheckpoint();
    return true;
  }

  /** Applies a changed topic config to its open logs. */
  updateConfig(topic: string): void {
    const config = this.configFor(topic);
    for (const log of this.logs.values()) if (log.topic === topic) log.updateConfig(config);
  }

  /** Retention over every log; returns the number of segments deleted. */
  runRetention(): number {
    let deleted = 0;
    for (const log of this.logs.values()) deleted += log.deleteOldSegments(this.highWatermark(log));
    if (deleted > 0) this.writeCheckpoints();
    return deleted;
  }

  /** Compaction of every compacted log; one run at a time. */
  runCleaner(): Promise<CleanerStats> {
    this.cleaning ??= this.cleanAll().finally(() => {
      this.cleaning = null;
    });
    return this.cleaning;
  }

  /** flush.ms: flushes the logs whose oldest unflushed append is old enough, then checkpoints. */
  flushDueLogs(): number {
    let flushed = 0;
    for (const log of this.logs.values()) if (log.flushIfDue()) flushed++;
    if (flushed > 0) this.writeCheckpoints();
    return flushed;
  }

  /** Unlinks the files of segments deleted since the last run; returns how many. */
  unlinkDeletedFiles(): number {
    let count = 0;
    for (const log of this.logs.values()) {
      for (const path of log.takeDeletedFiles()) {
        this.options.fs.unlink(path);
        count++;
      }
    }
    return count;
  }

  flushAll(): void {
    for (const log of this.logs.values()) log.flush();
    this.writeCheckpoints();
  }

  /** Writes both checkpoint files if a recovery point or log start offset moved since the last write. */
  checkpointIfDirty(): void {
    if (this.checkpointDirty) this.writeCheckpoints();
  }

  writeCheckpoints(): void {
    this.checkpointDirty = false;
    const recovery = new Map<string, { topic: string; partition: number; offset: bigint }>();
    const starts = new Map<string, { topic: string; partition: number; offset: bigint }>();
    for (const [name, log] of this.logs) {
      recovery.set(name, { topic: log.topic, partition: log.partition, offset: log.recoveryPoint });
      starts.set(name, { topic: log.topic, partition: log.partition, offset: log.logStartOffset });
    }
    this.recoveryPoints.write(recovery);
    this.logStartOffsets.write(starts);
  }

  /** Written when a cleaning round, a truncation or a deletion changes it, as Kafka's LogCleanerManager does. */
  private writeCleanerCheckpoint(): void {
    const offsets = new Map<string, { topic: string; partition: number; offset: bigint }>();
    for (const [name, offset] of this.firstDirtyOffsets) {
      const log = this.logs.get(name);
      if (log !== undefined) offsets.set(name, { topic: log.topic, partition: log.partition, offset });
    }
    this.cleanerOffsets.write(offsets);
  }

  scheduledTasks(): ScheduledLogTask[] {
    const o = this.options;
    return [
      { name: 'log-retention', intervalMs: o.retentionCheckIntervalMs ?? 300_000, run: () => this.runRetention() },
      { name: 'log-cleaner', intervalMs: o.cleanerBackoffMs ?? 15_000, run: () => this.runCleaner() },
      { name: 'log-flusher', intervalMs: o.flushCheckIntervalMs ?? 1_000, run: () => this.flushDueLogs() },
      { name: 'log-checkpoint', intervalMs: o.checkpointIntervalMs ?? 60_000, run: () => this.checkpointIfDirty() },
      { name: 'log-file-delete', intervalMs: o.fileDeleteDelayMs ?? 60_000, run: () => this.unlinkDeletedFiles() },
    ];
  }

  /** Clean shutdown: every log flushed and closed (with its marker), checkpoints written last. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const log of this.logs.values()) log.close();
    this.writeCheckpoints();
  }

  private async loadLogs(): Promise<void> {
    const { fs, logDir } = this.options;
    fs.mkdir(logDir);
    const recoveryPoints = readCheckpointSafely(this.recoveryPoints);
    const logStartOffsets = readCheckpointSafely(this.logStartOffsets);
    for (const [name, offset] of readCheckpointSafely(this.cleanerOffsets)) this.firstDirtyOffsets.set(name, offset);
    const tasks: RecoveryTask[] = [];
    for (const name of fs.list(logDir)) {
      const path = joinPath(logDir, name);
      if (!fs.isDirectory(path)) continue;
      // Kafka renames a deleted partition to `<tp>.<uuid>-delete` before removing it.
      if (name.endsWith('-delete')) {
        fs.removeDirectory(path);
        continue;
      }
      const parsed = parsePartitionDir(name);
      if (parsed === null) continue;
      const task: RecoveryTask = { logDir, topic: parsed.topic, partition: parsed.partition, config: this.configFor(parsed.topic) };
      const recoveryPoint = recoveryPoints.get(name);
      const logStartOffset = logStartOffsets.get(name);
      if (recoveryPoint !== undefined) task.recoveryPoint = recoveryPoint;
      if (logStartOffset !== undefined) task.logStartOffset = logStartOffset;
      tasks.push(task);
    }
    if (this.options.recoveryExecutor !== undefined && tasks.length > 0) {
      const reports = await this.options.recoveryExecutor(tasks);
      reports.forEach((report, i) => this.recoveryReports.set(key(tasks[i]!.topic, tasks[i]!.partition), report));
    }
    for (const task of tasks) {
      const log = this.openLog(task);
      if (!this.recoveryReports.has(key(task.topic, task.partition))) this.recoveryReports.set(key(task.topic, task.partition), log.recoveryReport);
    }
    // An entry without a partition dir must not apply to a partition created later under that name.
    for (const name of this.firstDirtyOffsets.keys()) if (!this.logs.has(name)) this.firstDirtyOffsets.delete(name);
    this.writeCheckpoints();
  }

  private openLog(task: RecoveryTask): PartitionLog {
    const log = PartitionLog.open({
      dir: task.logDir,
      topic: task.topic,
      partition: task.partition,
      config: task.config,
      fs: this.options.fs,
      clock: this.options.clock,
      ...(task.recoveryPoint !== undefined ? { recoveryPoint: task.recoveryPoint } : {}),
      ...(task.logStartOffset !== undefined ? { logStartOffset: task.logStartOffset } : {}),
      onCheckpointNeeded: (changed) => {
        this.checkpointDirty = true;
        this.maybeTruncateCleanerCheckpoint(changed);
      },
    });
    this.logs.set(key(task.topic, task.partition), log);
    this.truncationsSeen.set(key(task.topic, task.partition), log.truncationCount);
    return log;
  }

  /**
   * Called right after any change that needs a checkpoint: if it was a
   * truncation, the log now ends where it was cut, and a first dirty offset
   * past it moves back there (Kafka's maybeTruncateCheckpoint), since the
   * offsets beyond will hold new, uncleaned records.
   */
  private maybeTruncateCleanerCheckpoint(log: PartitionLog): void {
    const name = key(log.topic, log.partition);
    if (this.truncationsSeen.get(name) === log.truncationCount) return;
    this.truncationsSeen.set(name, log.truncationCount);
    const firstDirty = this.firstDirtyOffsets.get(name);
    if (firstDirty === undefined || firstDirty <= log.logEndOffset) return;
    this.firstDirtyOffsets.set(name, log.logEndOffset);
    this.writeCleanerCheckpoint();
  }

  /**
   * Cleans every compacted log whose dirty section is due (Kafka cleans the
   * filthiest first, one at a time per cleaner thread; with one thread per
   * round here, all due logs go in turn), then records where each one's dirty
   * section now starts.
   */
  private async cleanAll(): Promise<CleanerStats> {
    const total: CleanerStats = { segmentsCleaned: 0, bytesRead: 0, bytesWritten: 0, recordsRemoved: 0 };
    for (const log of [...this.logs.values()]) {
      const name = key(log.topic, log.partition);
      if (!log.logConfig.cleanupPolicy.compact || this.logs.get(name) !== log) continue;
      const upTo = this.highWatermark(log);
      const section = dirtySection(log, this.firstDirtyOffsets.get(name), upTo, this.options.clock.nowMs());
      if (!section.due) continue;
      const truncations = log.truncationCount;
      const stats = await this.cleaner.clean(log, upTo, section.firstDirtyOffset);
      if (stats.endOffset !== null && log.truncationCount === truncations && this.logs.get(name) === log) {
        this.firstDirtyOffsets.set(name, stats.endOffset);
        this.writeCleanerCheckpoint();
      }
      total.segmentsCleaned += stats.segmentsCleaned;
      total.bytesRead += stats.bytesRead;
      total.bytesWritten += stats.bytesWritten;
      total.recordsRemoved += stats.recordsRemoved;
    }
    return total;
  }

  private configFor(topic: string): LogConfig {
    return this.options.configFor?.(topic) ?? defaultLogConfig;
  }

  private highWatermark(log: PartitionLog): bigint {
    return this.options.highWatermarkOf?.(log) ?? log.logEndOffset;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Kafka's legal topic names: [a-zA-Z0-9._-], 1 to 249 characters. */
function isValidTopic(topic: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(topic) && topic !== '.' && topic !== '..';
}

/** `<topic>-<partition>`, split at the last dash since topics may contain dashes. */
export function parsePartitionDir(name: string): { topic: string; partition: number } | null {
  const match = /^(.+)-(\d+)$/.exec(name);
  if (match === null || !isValidTopic(match[1]!)) return null;
  return { topic: match[1]!, partition: Number(match[2]) };
}

/** A broken checkpoint only costs a longer recovery, so it reads as empty. */
function readCheckpointSafely(file: OffsetCheckpointFile): Map<string, bigint> {
  try {
    return file.read();
  } catch {
    return new Map();
  }
}
