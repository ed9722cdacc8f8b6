import type { Entry, Snapshot, UnstableLog } from './raft-log.js';
import type { RaftMessage } from './raft-messages.js';

/** The persisted `quorum-state`: who leads which epoch, and whom this node voted for in it. */
export interface QuorumState {
  readonly epoch: number;
  readonly leaderId: number;
  readonly votedId: number;
}

/**
 * What a RaftNode asks its driver to do, handled in this order (etcd raft's contract):
 * 1. make `quorumState` (when set) and `log` durable — fsync before anything below;
 * 2. only then send `messages` (a granted vote or a fetch offset must never outrun the disk);
 * 3. apply `snapshotToApply` (when set), then `committedEntries`, in order, to the state machine;
 * 4. call `advance(ready)` before the next step, tick or propose.
 * A crash between 1 and 2 is safe; sending before persisting is not.
 */
export interface Ready {
  readonly quorumState: QuorumState | undefined;
  readonly log: UnstableLog;
  readonly messages: readonly RaftMessage[];
  readonly snapshotToApply: Snapshot | undefined;
  readonly committedEntries: readonly Entry[];
  readonly highWatermark: number;
}
