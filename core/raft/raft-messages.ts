import type { Entry, SnapshotId } from './raft-log.js';

/**
 * The messages between quorum members, one per KRaft API (Vote, BeginQuorumEpoch,
 * EndQuorumEpoch, Fetch, FetchSnapshot), with the fields of the single
 * `__cluster_metadata-0` partition entry of each schema, named as the schemas name them.
 * A wire adapter wraps them in Topics/Partitions and the request header; `correlationId`
 * is that header's field, echoed by the response.
 */
export const RaftErrorCode = {
  none: 0,
  notLeaderOrFollower: 6,
  fencedLeaderEpoch: 74,
  unknownLeaderEpoch: 75,
  inconsistentVoterSet: 94,
  snapshotNotFound: 98,
  positionOutOfRange: 99,
} as const;
export type RaftErrorCode = (typeof RaftErrorCode)[keyof typeof RaftErrorCode];

export interface LeaderIdAndEpoch {
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

/** `preVote` is the KIP-996 flag (VoteRequest v2); a pre-vote changes no state on the voter. */
export interface VoteRequest {
  readonly type: 'VoteRequest';
  readonly candidateEpoch: number;
  readonly candidateId: number;
  readonly lastOffsetEpoch: number;
  readonly lastOffset: number;
  readonly preVote: boolean;
}

export interface VoteResponse extends LeaderIdAndEpoch {
  readonly type: 'VoteResponse';
  readonly errorCode: RaftErrorCode;
  readonly voteGranted: boolean;
  /** Not on the wire: the adapter copies it from the request this answers. */
  readonly preVote: boolean;
}

export interface BeginQuorumEpochRequest extends LeaderIdAndEpoch {
  readonly type: 'BeginQuorumEpochRequest';
}

export interface BeginQuorumEpochResponse extends LeaderIdAndEpoch {
  readonly type: 'BeginQuorumEpochResponse';
  readonly errorCode: RaftErrorCode;
}

export interface EndQuorumEpochRequest extends LeaderIdAndEpoch {
  readonly type: 'EndQuorumEpochRequest';
  /** Voters ordered by how far their log reaches; earlier ones should campaign sooner. */
  readonly preferredCandidates: readonly number[];
}

export interface EndQuorumEpochResponse extends LeaderIdAndEpoch {
  readonly type: 'EndQuorumEpochResponse';
  readonly errorCode: RaftErrorCode;
}

export interface FetchRequest {
  readonly type: 'FetchRequest';
  readonly replicaId: number;
  readonly currentLeaderEpoch: number;
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
  /** Stands for MaxBytes until entries are record batches. */
  readonly maxEntries: number;
}

export interface FetchResponse {
  readonly type: 'FetchResponse';
  readonly errorCode: RaftErrorCode;
  readonly highWatermark: number;
  readonly currentLeader: LeaderIdAndEpoch;
  /** Set when the follower's log diverges: truncate to at most endOffset, then fetch again. */
  readonly divergingEpoch: { readonly epoch: number; readonly endOffset: number } | undefined;
  /** Set when the follower is too far behind: fetch this snapshot first. */
  readonly snapshotId: SnapshotId | undefined;
  readonly records: readonly Entry[];
}

export interface FetchSnapshotRequest {
  readonly type: 'FetchSnapshotRequest';
  readonly replicaId: number;
  readonly currentLeaderEpoch: number;
  readonly snapshotId: SnapshotId;
  /** Where in the snapshot's bytes this piece starts. */
  readonly position: number;
  /** At most this many bytes come back: a bigger snapshot is fetched piece by piece. */
  readonly maxBytes: number;
}

/** One piece of a snapshot: unalignedRecords are its bytes from position on; size is the whole snapshot's. */
export interface FetchSnapshotResponse {
  readonly type: 'FetchSnapshotResponse';
  readonly errorCode: RaftErrorCode;
  readonly currentLeader: LeaderIdAndEpoch;
  readonly snapshotId: SnapshotId;
  readonly size: number;
  readonly position: number;
  readonly unalignedRecords: Uint8Array;
}

export type RaftMessageBody =
  | VoteRequest
  | VoteResponse
  | BeginQuorumEpochRequest
  | BeginQuorumEpochResponse
  | EndQuorumEpochRequest
  | EndQuorumEpochResponse
  | FetchRequest
  | FetchResponse
  | FetchSnapshotRequest
  | FetchSnapshotResponse;

export interface RaftMessage {
  readonly from: number;
  readonly to: number;
  readonly correlationId: number;
  readonly body: RaftMessageBody;
}
