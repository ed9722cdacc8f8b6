import type { IsrChangeOutcome, IsrProposal } from '../../core/partition/replica-tracker.js';
import type { PartitionState } from './partition-messages.js';

/**
 * The partition actor's replication messages (leader and follower side) and
 * their replies. Offsets cross threads as numbers (exact below 2^53);
 * fetched and appended batches travel as payloads, never in the body.
 */
export type ReplicationRequest =
  /** Leader: a follower's fetch of this partition; the batches come back as the reply's payload. */
  | { readonly op: 'replicaFetch'; readonly replicaId: number; readonly fetchOffset: number; readonly lastFetchedEpoch: number; readonly maxBytes: number }
  /** Leader: the ISR shrink check (Kafka's isr-expiration task). */
  | { readonly op: 'maybeShrinkIsr'; readonly replicaLagTimeMaxMs: number }
  /** Leader: the controller's answer to the AlterPartition in flight. */
  | { readonly op: 'isrChangeOutcome'; readonly outcome: IsrChangeOutcome }
  /** Leader: OffsetsForLeaderEpoch for one partition. */
  | { readonly op: 'epochEndOffset'; readonly leaderEpoch: number }
  /** Follower: where to fetch from (truncating first when the log has data but no epochs). */
  | { readonly op: 'fetchPosition' }
  /** Follower: batches fetched from the leader, as the payload; `leaderHighWatermark` bounds this replica's. */
  | { readonly op: 'followerAppend'; readonly leaderHighWatermark: number }
  /** Follower: the leader said the logs diverge after `epoch` ends at `endOffset` (KIP-320). */
  | { readonly op: 'truncateToEpoch'; readonly epoch: number; readonly endOffset: number }
  /** Follower: the leader's log starts past this log's end (OFFSET_OUT_OF_RANGE below its start): start over there. */
  | { readonly op: 'truncateFullyAndStartAt'; readonly offset: number };

/** The follower side's messages; each is answered with a FollowerReply. */
export type FollowerRequest = Extract<ReplicationRequest, { readonly op: 'fetchPosition' | 'followerAppend' | 'truncateToEpoch' | 'truncateFullyAndStartAt' }>;

/** Where a follower fetches next. */
export interface FetchPosition {
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
}

export interface ReplicaFetchReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** Set when the follower's log diverged (then there are no batches). */
  readonly divergingEpoch: { readonly epoch: number; readonly endOffset: number } | null;
  /** An ISR expansion the leader wants to send. */
  readonly proposal: IsrProposal | null;
  /** The follower's log end offset as the leader's replica tracking now holds it (-1 while unknown in this leader epoch). */
  readonly followerLogEndOffset: number;
}

export interface FollowerReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly position: FetchPosition;
  readonly recordCount: number;
}

export interface EpochEndOffsetReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

export interface IsrCheckReply {
  readonly state: PartitionState;
  readonly proposal: IsrProposal | null;
}
