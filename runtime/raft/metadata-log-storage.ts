import { defaultLogConfig } from '../../core/log/log-config.js';
import { joinPath, readWholeFile, writeFileAtomically, type LogFileSystem } from '../../core/log/log-file-system.js';
import { PartitionLog } from '../../core/log/partition-log.js';
import type { Entry, Snapshot, SnapshotId } from '../../core/raft/raft-log.js';
import type { RaftPersistentState } from '../../core/raft/raft-node.js';
import type { QuorumState, Ready } from '../../core/raft/raft-ready.js';
import { decodeQuorumStateFile, encodeQuorumStateFile } from '../../core/raft/quorum-state-file.js';
import { batchesToEntries, entriesToBatches } from './raft-entry-batches.js';

export const METADATA_TOPIC = '__cluster_metadata';
const QUORUM_STATE_FILE = 'quorum-state';
const CHECKPOINT_SUFFIX = '.checkpoint';
/** Read window when loading the log at start-up. */
const LOAD_CHUNK_BYTES = 8 * 1024 * 1024;

/** `<endOffset 20 digits>-<epoch 10 digits>.checkpoint`, as KRaft names snapshot files. */
export function snapshotFileName(id: SnapshotId): string {
  return `${String(id.endOffset).padStart(20, '0')}-${String(id.epoch).padStart(10, '0')}${CHECKPOINT_SUFFIX}`;
}

function parseSnapshotFileName(name: string): SnapshotId | undefined {
  const match = /^(\d{20})-(\d{10})\.checkpoint$/.exec(name);
  return match === null ? undefined : { endOffset: Number(match[1]), epoch: Number(match[2]) };
}

/**
 * The durable side of one Raft node: `__cluster_metadata-0` (a PartitionLog of one-entry batches),
 * the `quorum-state` file and snapshot checkpoints, all in the metadata log dir. `persist(ready)`
 * makes a Ready durable (fsync) before the driver may send its messages.
 */
export class MetadataLogStorage {
  private constructor(
    private readonly fs: LogFileSystem,
    readonly partitionDir: string,
    private readonly log: PartitionLog,
    private readonly voters: readonly number[],
    readonly persisted: RaftPersistentState,
    readonly latestSnapshot: Snapshot | undefined,
    private readonly nowMs: () => number,
  ) {}

  static open(options: { fs: LogFileSystem; metadataLogDir: string; voters: readonly number[]; nowMs: () => number }): MetadataLogStorage {
    const { fs, metadataLogDir, voters, nowMs } = options;
    const log = PartitionLog.open({
      dir: metadataLogDir,
      topic: METADATA_TOPIC,
      partition: 0,
      config: { ...defaultLogConfig, retentionMs: Infinity, retentionBytes: -1 },
      fs,
      clock: { nowMs },
    });
    const partitionDir = log.dir;
    const quorumPath = joinPath(partitionDir, QUORUM_STATE_FILE);
    const quorumState: QuorumState | undefined = fs.exists(quorumPath) ? decodeQuorumStateFile(readWholeFile(fs, quorumPath).toString('utf8')) : undefined;
    const snapshotIds = fs
      .list(partitionDir)
      .map(parseSnapshotFileName)
      .filter((id): id is SnapshotId => id !== undefined)
      .sort((a, b) => a.endOffset - b.endOffset);
    const snapshotId = snapshotIds.at(-1);
    let snapshot: Snapshot | undefined;
    if (snapshotId !== undefined) {
      snapshot = { id: snapshotId, data: readWholeFile(fs, joinPath(partitionDir, snapshotFileName(snapshotId))) };
      // Entries the snapshot covers are not needed; a log that ends before it restarts at its end.
      if (log.logEndOffset < BigInt(snapshotId.endOffset) || log.logStartOffset > BigInt(snapshotId.endOffset)) log.truncateFullyAndStartAt(BigInt(snapshotId.endOffset));
    }
    const entries: Entry[] = [];
    let offset = BigInt(snapshotId?.endOffset ?? 0);
    if (offset < log.logStartOffset) {
      // No snapshot covers the start of the log: the log is unusable as a Raft log, start over.
      log.truncateFullyAndStartAt(0n);
      offset = 0n;
    }
    while (offset < log.logEndOffset) {
      const { records } = log.read(offset, LOAD_CHUNK_BYTES);
      const chunk = batchesToEntries(records);
      if (chunk.length === 0) break;
      entries.push(...chunk);
      offset = BigInt(chunk.at(-1)!.offset + 1);
    }
    return new MetadataLogStorage(fs, partitionDir, log, voters, { quorumState, snapshotId, entries }, snapshot, nowMs);
  }

  /** Step 1 of the Ready contract: quorum-state and log changes, synced to disk. */
  persist(ready: Ready): void {
    if (ready.quorumState !== undefined) this.writeQuorumState(ready.quorumState);
    const { snapshot, truncateToOffset, entries } = ready.log;
    if (snapshot !== undefined) {
      this.writeSnapshot(snapshot);
      this.log.truncateFullyAndStartAt(BigInt(snapshot.id.endOffset));
    } else if (truncateToOffset !== undefined) {
      this.log.truncateTo(BigInt(truncateToOffset));
    }
    if (entries.length > 0) {
      // An entry below the log end replaces what is there (the Raft log truncated in memory first).
      const first = entries[0]!.offset;
      if (BigInt(first) < this.log.logEndOffset) this.log.truncateTo(BigInt(first));
      this.log.appendAsFollower(entriesToBatches(entries, this.voters, this.nowMs()));
    }
    if (entries.length > 0 || snapshot !== undefined || truncateToOffset !== undefined) this.log.flush();
    this.removeDeletedSegments();
  }

  /** Segments dropped by truncation or a checkpoint are renamed *.deleted; nothing reads them any more. */
  private removeDeletedSegments(): void {
    for (const path of this.log.takeDeletedFiles()) this.fs.unlink(path);
  }

  /** Written before any vote is answered: tmp file, fsync, rename, fsync of the dir. */
  writeQuorumState(state: QuorumState): void {
    writeFileAtomically(this.fs, this.partitionDir, QUORUM_STATE_FILE, Buffer.from(encodeQuorumStateFile(state, this.voters)));
    this.fs.syncDirectory(this.partitionDir);
  }

  /**
   * Writes a checkpoint (its data are the file's bytes, record batches, as FetchSnapshot ships
   * them) and drops older checkpoints and the log prefix it covers.
   */
  writeSnapshot(snapshot: Snapshot): void {
    const name = snapshotFileName(snapshot.id);
    const { buffer, byteOffset, byteLength } = snapshot.data;
    writeFileAtomically(this.fs, this.partitionDir, name, Buffer.from(buffer, byteOffset, byteLength));
    for (const other of this.fs.list(this.partitionDir)) {
      const id = parseSnapshotFileName(other);
      if (id !== undefined && other !== name && id.endOffset < snapshot.id.endOffset) this.fs.unlink(joinPath(this.partitionDir, other));
    }
    this.fs.syncDirectory(this.partitionDir);
    const end = BigInt(snapshot.id.endOffset);
    if (end > this.log.logStartOffset && end <= this.log.logEndOffset) this.log.deleteRecordsBefore(end);
    this.removeDeletedSegments();
  }

  close(): void {
    this.log.close();
  }
}
