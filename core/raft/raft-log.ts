/** What an entry carries: application data, or the control record a new leader writes to open its epoch. */
export const EntryKind = { data: 0, leaderChange: 1 } as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

export interface Entry {
  readonly offset: number;
  readonly epoch: number;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** Names a snapshot as KRaft does: it covers offsets below endOffset; epoch is that of entry endOffset - 1. */
export interface SnapshotId {
  readonly endOffset: number;
  readonly epoch: number;
}

export interface Snapshot {
  readonly id: SnapshotId;
  readonly data: Uint8Array;
}

export interface OffsetAndEpoch {
  readonly epoch: number;
  readonly endOffset: number;
}

/** Log changes not yet made durable, in the order storage must apply them. */
export interface UnstableLog {
  /** Replace the whole log with this snapshot (log start = log end = snapshot end offset). */
  readonly snapshot: Snapshot | undefined;
  /** Otherwise drop every persisted entry at or above this offset. */
  readonly truncateToOffset: number | undefined;
  /** Then append these. */
  readonly entries: readonly Entry[];
}

const emptySnapshotId: SnapshotId = { endOffset: 0, epoch: 0 };

/**
 * The in-memory view of the Raft log: a snapshot prefix, then entries with non-decreasing epochs.
 * Epoch 0 names the empty prefix, so a fresh log answers endOffsetForEpoch(0) with offset 0.
 * It also remembers which suffix is not yet durable, like etcd's `unstable`.
 */
export class RaftLog {
  private entries: Entry[] = [];
  private snapshotIdValue: SnapshotId = emptySnapshotId;
  private unstableFrom = 0;
  private pendingSnapshot: Snapshot | undefined;
  private pendingTruncate: number | undefined;

  /** Rebuilds the log from durable storage: all of it is stable. */
  static restore(snapshotId: SnapshotId | undefined, entries: readonly Entry[]): RaftLog {
    const log = new RaftLog();
    log.snapshotIdValue = snapshotId ?? emptySnapshotId;
    log.entries = [];
    for (const entry of entries) log.append(entry);
    log.unstableFrom = log.endOffset;
    return log;
  }

  get snapshotId(): SnapshotId {
    return this.snapshotIdValue;
  }

  get logStartOffset(): number {
    return this.snapshotIdValue.endOffset;
  }

  get endOffset(): number {
    return this.snapshotIdValue.endOffset + this.entries.length;
  }

  /** The end offset already durable (as of the last advance). */
  get stableEndOffset(): number {
    return this.unstableFrom;
  }

  get lastEpoch(): number {
    return this.entries.at(-1)?.epoch ?? this.snapshotIdValue.epoch;
  }

  entryAt(offset: number): Entry | undefined {
    return this.entries[offset - this.logStartOffset];
  }

  /** Entries in [fromOffset, min(toOffset, endOffset)), at most maxEntries of them. */
  slice(fromOffset: number, toOffset: number, maxEntries: number): Entry[] {
    const start = Math.max(fromOffset, this.logStartOffset) - this.logStartOffset;
    const end = Math.min(toOffset, this.endOffset, fromOffset + maxEntries) - this.logStartOffset;
    return this.entries.slice(start, Math.max(start, end));
  }

  /**
   * The largest epoch <= epoch that this log holds, and the offset where it ends (KRaft's
   * endOffsetForEpoch). Undefined when every epoch here, snapshot included, is larger.
   */
  endOffsetForEpoch(epoch: number): OffsetAndEpoch | undefined {
    // Epochs never decrease along the log, so binary-search the last entry with epoch <= epoch.
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.entries[mid]!.epoch <= epoch) low = mid + 1;
      else high = mid;
    }
    if (low > 0) {
      const entry = this.entries[low - 1]!;
      return { epoch: entry.epoch, endOffset: entry.offset + 1 };
    }
    if (this.snapshotIdValue.epoch <= epoch) return { epoch: this.snapshotIdValue.epoch, endOffset: this.logStartOffset };
    return undefined;
  }

  append(entry: Entry): void {
    if (entry.offset !== this.endOffset) throw new Error(`append at offset ${entry.offset}, log end offset is ${this.endOffset}`);
    if (entry.epoch < this.lastEpoch) throw new Error(`append of epoch ${entry.epoch} after epoch ${this.lastEpoch}`);
    this.entries.push(entry);
  }

  truncateTo(endOffset: number): void {
    if (endOffset < this.logStartOffset) throw new Error(`truncation to ${endOffset} is below the log start offset ${this.logStartOffset}`);
    if (endOffset >= this.endOffset) return;
    this.entries.length = endOffset - this.logStartOffset;
    if (endOffset < this.unstableFrom) {
      this.pendingTruncate = Math.min(this.pendingTruncate ?? endOffset, endOffset);
      this.unstableFrom = endOffset;
    }
  }

  /** A snapshot fetched from the leader replaces the whole log. */
  installSnapshot(snapshot: Snapshot): void {
    this.entries = [];
    this.snapshotIdValue = snapshot.id;
    this.pendingSnapshot = snapshot;
    this.pendingTruncate = undefined;
    this.unstableFrom = snapshot.id.endOffset;
  }

  /** A snapshot taken locally (already durable) makes the prefix it covers unnecessary. */
  compactTo(snapshotId: SnapshotId): void {
    const epoch = snapshotId.endOffset === this.logStartOffset ? this.snapshotIdValue.epoch : this.entryAt(snapshotId.endOffset - 1)?.epoch;
    if (epoch !== snapshotId.epoch || snapshotId.endOffset > this.unstableFrom) {
      throw new Error(`snapshot ${snapshotId.endOffset}@${snapshotId.epoch} does not match the durable log`);
    }
    this.entries = this.entries.slice(snapshotId.endOffset - this.logStartOffset);
    this.snapshotIdValue = snapshotId;
  }

  unstable(): UnstableLog {
    return {
      snapshot: this.pendingSnapshot,
      truncateToOffset: this.pendingTruncate,
      entries: this.slice(this.unstableFrom, this.endOffset, Number.MAX_SAFE_INTEGER),
    };
  }

  hasUnstable(): boolean {
    return this.pendingSnapshot !== undefined || this.pendingTruncate !== undefined || this.unstableFrom < this.endOffset;
  }

  markStable(): void {
    this.pendingSnapshot = undefined;
    this.pendingTruncate = undefined;
    this.unstableFrom = this.endOffset;
  }
}
