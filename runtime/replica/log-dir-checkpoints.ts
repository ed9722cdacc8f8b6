import { CLEANER_OFFSET_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, parsePartitionDir } from '../../core/log/log-dir-layout.js';
import { OffsetCheckpointFile } from '../../core/log/checkpoint-file.js';
import { joinPath, type LogFileSystem } from '../../core/log/log-file-system.js';
import type { Logger } from '../logger.js';
import { partitionKey, type LocalPartition } from './local-partition.js';
import type { PartitionState } from './partition-messages.js';

/** A log dir's checkpoint files (Kafka's names and format). */
interface CheckpointFiles {
  readonly recoveryPoints: OffsetCheckpointFile;
  readonly logStartOffsets: OffsetCheckpointFile;
  readonly cleanerOffsets: OffsetCheckpointFile;
}

/** What the checkpoints (then the actors' reports) say of a partition's log, kept across its actor's restarts. */
export interface KnownOffsets {
  logDir: string;
  recoveryPoint?: bigint;
  logStartOffset?: bigint;
  cleanerOffset?: bigint;
}

type CheckpointEntries = Map<string, { topic: string; partition: number; offset: bigint }>;

/**
 * The log dirs' recovery-point, log-start-offset and cleaner-offset
 * checkpoints: read at start-up (entries of partitions without a dir are
 * dropped), handed to each partition's actor at open, kept current from the
 * actors' replies, and written from them.
 */
export class LogDirCheckpoints {
  private readonly files: Map<string, CheckpointFiles>;
  private readonly known = new Map<string, KnownOffsets>();

  constructor(
    logDirs: readonly string[],
    private readonly fs: LogFileSystem,
    private readonly log: Logger,
  ) {
    this.files = new Map(
      logDirs.map((dir) => [
        dir,
        {
          recoveryPoints: new OffsetCheckpointFile(this.fs, dir, RECOVERY_POINT_CHECKPOINT),
          logStartOffsets: new OffsetCheckpointFile(this.fs, dir, LOG_START_OFFSET_CHECKPOINT),
          cleanerOffsets: new OffsetCheckpointFile(this.fs, dir, CLEANER_OFFSET_CHECKPOINT),
        },
      ]),
    );
    this.load();
  }

  get(key: string): KnownOffsets | undefined {
    return this.known.get(key);
  }

  /** A partition opening in `logDir`: what its actor reports from now on is kept here. */
  track(key: string, logDir: string): void {
    this.known.set(key, { logDir });
  }

  /** The partition's log is gone (or a new topic of its name starts a new one): its offsets must not reach a later actor. */
  forget(key: string): void {
    this.known.delete(key);
  }

  /** Takes in the offsets an actor's reply carries. */
  remember(key: string, state: PartitionState): void {
    const known = this.known.get(key);
    if (known === undefined) return;
    known.recoveryPoint = BigInt(state.recoveryPoint);
    known.logStartOffset = BigInt(state.logStartOffset);
    if (state.cleanerOffset !== null) known.cleanerOffset = BigInt(state.cleanerOffset);
  }

  /** The log dir holding the fewest partitions, for a new one. */
  chooseLogDir(): string {
    const counts = new Map([...this.files.keys()].map((dir) => [dir, 0]));
    for (const { logDir } of this.known.values()) counts.set(logDir, (counts.get(logDir) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[1] - b[1])[0]![0];
  }

  /** Kafka's recovery-point, log-start-offset and cleaner-offset checkpoints, from the offsets the actors last reported. */
  write(partitions: Iterable<LocalPartition>): void {
    const all = [...partitions];
    for (const [logDir, files] of this.files) {
      const recoveryPoints: CheckpointEntries = new Map();
      const logStartOffsets: CheckpointEntries = new Map();
      const cleanerOffsets: CheckpointEntries = new Map();
      for (const p of all) {
        if (p.logDir !== logDir) continue;
        const key = partitionKey(p.topic, p.partition);
        recoveryPoints.set(key, { topic: p.topic, partition: p.partition, offset: BigInt(p.state.recoveryPoint) });
        logStartOffsets.set(key, { topic: p.topic, partition: p.partition, offset: BigInt(p.state.logStartOffset) });
        if (p.state.cleanerOffset !== null) cleanerOffsets.set(key, { topic: p.topic, partition: p.partition, offset: BigInt(p.state.cleanerOffset) });
      }
      try {
        files.recoveryPoints.write(recoveryPoints);
        files.logStartOffsets.write(logStartOffsets);
        files.cleanerOffsets.write(cleanerOffsets);
      } catch (error) {
        this.log.error(`Could not write the checkpoints of ${logDir}`, error);
      }
    }
  }

  private load(): void {
    for (const [logDir, files] of this.files) {
      const recoveryPoints = safeRead(files.recoveryPoints);
      const logStartOffsets = safeRead(files.logStartOffsets);
      const cleanerOffsets = safeRead(files.cleanerOffsets);
      const names = this.fs.exists(logDir) ? this.fs.list(logDir) : [];
      for (const name of names) {
        if (!this.fs.isDirectory(joinPath(logDir, name))) continue;
        const parsed = parsePartitionDir(name);
        if (parsed === null) continue;
        const key = partitionKey(parsed.topic, parsed.partition);
        const entry: KnownOffsets = { logDir };
        const recoveryPoint = recoveryPoints.get(key);
        const logStartOffset = logStartOffsets.get(key);
        const cleanerOffset = cleanerOffsets.get(key);
        if (recoveryPoint !== undefined) entry.recoveryPoint = recoveryPoint;
        if (logStartOffset !== undefined) entry.logStartOffset = logStartOffset;
        // Entries of partitions without a dir (a deleted topic) are dropped here, so a later topic of that name starts dirty.
        if (cleanerOffset !== undefined) entry.cleanerOffset = cleanerOffset;
        this.known.set(key, entry);
      }
    }
  }
}

function safeRead(file: OffsetCheckpointFile): Map<string, bigint> {
  try {
    return file.read();
  } catch {
    // A damaged checkpoint only costs a longer recovery.
    return new Map();
  }
}
