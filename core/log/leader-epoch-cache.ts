import { decodeCheckpoint, encodeCheckpoint, parseOffset } from './checkpoint-file.js';
import { joinPath, readWholeFile, writeFileAtomically, type LogFileSystem } from './log-file-system.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

export interface EpochEntry {
  epoch: number;
  startOffset: bigint;
}

/**
 * The partition's leader epochs and the offset each began at, kept in
 * `leader-epoch-checkpoint` (Kafka's format: `0`, count, `epoch startOffset`
 * lines). Followers use it to find where their log diverged from the leader's
 * (OffsetsForLeaderEpoch). The file is rewritten on every change; changes are
 * rare (a new leader, a truncation).
 */
export class LeaderEpochCache {
  private entries: EpochEntry[];
  private dirty = false;

  private constructor(
    private readonly fs: LogFileSystem,
    private readonly dir: string,
    entries: EpochEntry[],
  ) {
    this.entries = entries;
  }

  /** Loads the checkpoint; a missing or unreadable file gives an empty cache (the data is derivable from batches). */
  static load(fs: LogFileSystem, dir: string): LeaderEpochCache {
    const path = joinPath(dir, LEADER_EPOCH_CHECKPOINT);
    let entries: EpochEntry[] = [];
    if (fs.exists(path)) {
      try {
        entries = decodeCheckpoint(readWholeFile(fs, path).toString('utf8'), 2).map(([epoch, offset]) => ({ epoch: Number(epoch), startOffset: parseOffset(offset!) }));
      } catch {
        entries = [];
      }
    }
    return new LeaderEpochCache(fs, dir, entries);
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }
  get latestEpoch(): number {
    return this.entries[this.entries.length - 1]?.epoch ?? -1;
  }

  /** Records that `epoch` starts at `startOffset`; older or equal epochs are ignored, as Kafka does. */
  assign(epoch: number, startOffset: bigint): void {
    if (epoch < 0 || epoch <= this.latestEpoch) return;
    this.entries.push({ epoch, startOffset });
    this.persist();
  }

  /**
   * Kafka's OffsetsForLeaderEpoch answer (LeaderEpochFileCache.endOffsetFor):
   * the largest epoch <= `epoch` and the offset where the next epoch starts
   * (the log end for the latest epoch). An epoch older than every known one
   * is answered with itself ending where the first known epoch starts, so a
   * follower holding only that epoch's batches truncates them all (KIP-279).
   * `{-1, -1}` for no epoch or an empty cache.
   */
  endOffsetFor(epoch: number, logEndOffset: bigint): { leaderEpoch: number; endOffset: bigint } {
    if (epoch < 0 || this.entries.length === 0) return { leaderEpoch: -1, endOffset: -1n };
    if (epoch === this.latestEpoch) return { leaderEpoch: epoch, endOffset: logEndOffset };
    let found = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i]!.epoch <= epoch) found = i;
    if (found < 0) return { leaderEpoch: epoch, endOffset: this.entries[0]!.startOffset };
    const next = this.entries[found + 1];
    return { leaderEpoch: this.entries[found]!.epoch, endOffset: next === undefined ? logEndOffset : next.startOffset };
  }

  /** After truncating the log to `offset`: epochs starting at or after it are gone. */
  truncateFromEnd(offset: bigint): void {
    const kept = this.entries.filter((e) => e.startOffset < offset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.persist();
  }

  /**
   * After the log start moved to `offset`: the epoch covering it now starts
   * there. The file is rewritten later (`persistIfDirty`, or with the next
   * change): retention moves the log start often, and a stale start is
   * harmless because it is re-applied when the log opens (Kafka flushes this
   * asynchronously too).
   */
  truncateFromStart(offset: bigint): void {
    let firstKept = 0;
    while (firstKept + 1 < this.entries.length && this.entries[firstKept + 1]!.startOffset <= offset) firstKept++;
    const head = this.entries[firstKept];
    if (head === undefined || (firstKept === 0 && head.startOffset >= offset)) return;
    this.entries = [{ epoch: head.epoch, startOffset: offset }, ...this.entries.slice(firstKept + 1)];
    this.dirty = true;
  }

  persistIfDirty(): void {
    if (this.dirty) this.persist();
  }

  clear(): void {
    this.entries = [];
    this.persist();
  }

  private persist(): void {
    this.dirty = false;
    writeFileAtomically(this.fs, this.dir, LEADER_EPOCH_CHECKPOINT, encodeCheckpoint(this.entries.map((e) => [e.epoch, e.startOffset])));
  }
}
