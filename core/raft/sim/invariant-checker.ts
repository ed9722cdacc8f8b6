import { MetadataImage } from '../metadata/metadata-image.js';
import { decodeMetadataRecords } from '../metadata/metadata-record.js';
import { EntryKind, type Entry } from '../raft-log.js';
import { RaftRole, type RaftNode } from '../raft-node.js';

export interface NodeView {
  readonly id: number;
  readonly raft: RaftNode | undefined;
  readonly image: MetadataImage;
  readonly appliedOffset: number;
}

/**
 * The safety properties, checked against a history the checker builds itself: one leader per
 * epoch; the committed log, once seen, never changes; every node's log matches it below the node's
 * high watermark; a high watermark never goes back (within one run of a node); a new leader holds
 * every committed entry; each node's metadata image equals the replay of the committed log.
 */
export class InvariantChecker {
  private readonly leaderOfEpoch = new Map<number, number>();
  private readonly committed: string[] = [];
  /** referenceSnapshots[n] = the image after replaying committed offsets below n. */
  private readonly referenceSnapshots: Buffer[] = [new MetadataImage().toSnapshot()];
  private readonly referenceImage = new MetadataImage();
  private readonly highWatermarks = new Map<number, number>();
  private readonly checkedApplied = new Map<number, number>();
  private readonly keys = new WeakMap<Entry, string>();
  maxEpoch = 0;

  get committedOffset(): number {
    return this.committed.length;
  }

  /** A restarted node starts its high watermark over from what it can prove. */
  restarted(id: number): void {
    this.highWatermarks.delete(id);
    this.checkedApplied.delete(id);
  }

  checkNode(view: NodeView): void {
    const raft = view.raft;
    if (raft === undefined) return;
    const s = raft.status();
    this.maxEpoch = Math.max(this.maxEpoch, s.epoch);
    let newLeader = false;
    if (s.role === RaftRole.leader) {
      const known = this.leaderOfEpoch.get(s.epoch);
      if (known !== undefined && known !== s.nodeId) fail(`two leaders in epoch ${s.epoch}: ${known} and ${s.nodeId}`);
      newLeader = known === undefined;
      this.leaderOfEpoch.set(s.epoch, s.nodeId);
    }
    const previous = this.highWatermarks.get(s.nodeId) ?? 0;
    if (s.highWatermark < previous) fail(`high watermark of ${s.nodeId} went back from ${previous} to ${s.highWatermark}`);
    this.highWatermarks.set(s.nodeId, s.highWatermark);
    this.extendCommitted(raft, s.highWatermark);
    this.checkLogBelowHighWatermark(raft, Math.max(s.logStartOffset, previous), s.highWatermark);
    if (newLeader) this.checkLeaderCompleteness(raft);
    this.checkImage(view);
  }

  /** The full checks, once per step. */
  checkAll(views: readonly NodeView[]): void {
    for (const view of views) {
      if (view.raft === undefined) continue;
      const s = view.raft.status();
      this.checkNode(view);
      this.checkLogBelowHighWatermark(view.raft, s.logStartOffset, s.highWatermark);
      // A deposed leader that has not noticed yet may lack what its successors committed.
      if (s.role === RaftRole.leader && s.epoch === this.latestLeaderEpoch()) this.checkLeaderCompleteness(view.raft);
    }
  }

  private latestLeaderEpoch(): number {
    return Math.max(...this.leaderOfEpoch.keys());
  }

  private key(entry: Entry): string {
    let key = this.keys.get(entry);
    if (key === undefined) {
      key = `${entry.epoch}/${entry.kind}/${Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength).toString('base64')}`;
      this.keys.set(entry, key);
    }
    return key;
  }

  private extendCommitted(raft: RaftNode, highWatermark: number): void {
    while (this.committed.length < highWatermark) {
      const offset = this.committed.length;
      const entry = raft.entries(offset, offset + 1)[0];
      if (entry === undefined) return; // compacted here; another node shows it
      this.committed.push(this.key(entry));
      if (entry.kind === EntryKind.data) for (const record of decodeMetadataRecords(entry.data)) this.referenceImage.replay(record);
      this.referenceSnapshots.push(this.referenceImage.toSnapshot());
    }
  }

  private checkLogBelowHighWatermark(raft: RaftNode, fromOffset: number, highWatermark: number): void {
    const end = Math.min(highWatermark, this.committed.length);
    for (const entry of raft.entries(fromOffset, end)) {
      if (this.key(entry) !== this.committed[entry.offset]) fail(`node ${raft.nodeId} holds a different entry at committed offset ${entry.offset}`);
    }
  }

  private checkLeaderCompleteness(raft: RaftNode): void {
    const s = raft.status();
    if (s.logEndOffset < this.committed.length) fail(`leader ${s.nodeId} of epoch ${s.epoch} lacks committed entries: log end ${s.logEndOffset} < ${this.committed.length}`);
    for (const entry of raft.entries(s.logStartOffset, this.committed.length)) {
      if (this.key(entry) !== this.committed[entry.offset]) fail(`leader ${s.nodeId} of epoch ${s.epoch} holds a different entry at committed offset ${entry.offset}`);
    }
  }

  private checkImage(view: NodeView): void {
    if (this.checkedApplied.get(view.id) === view.appliedOffset) return;
    const reference = this.referenceSnapshots[view.appliedOffset];
    if (reference === undefined) fail(`node ${view.id} applied up to ${view.appliedOffset}, beyond the committed log ${this.committed.length}`);
    if (!view.image.toSnapshot().equals(reference)) fail(`node ${view.id}'s metadata image differs from the replay of the committed log up to ${view.appliedOffset}`);
    this.checkedApplied.set(view.id, view.appliedOffset);
  }
}

function fail(message: string): never {
  throw new Error(`invariant violated: ${message}`);
}
