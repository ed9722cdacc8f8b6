/** What a log knows of its leader epochs (the leader-epoch-checkpoint), as truncation needs it. */
export interface EpochSource {
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  readonly latestEpoch: number;
  /** Kafka's endOffsetForEpoch: the largest epoch <= `epoch` and where it ends; `{-1, -1}` when there is none. */
  endOffsetFor(epoch: number): { leaderEpoch: number; endOffset: bigint };
}

/** The epoch and end offset where the leader's log and the follower's part (Fetch's DivergingEpoch, an OffsetsForLeaderEpoch answer). */
export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: bigint;
}

/**
 * A follower partition's fetch state (Kafka's PartitionFetchState): fetching
 * from its log end, naming the epoch of its last batch so the leader can tell
 * it where the logs diverge (KIP-320); or truncating first, when it holds
 * data but no epochs to name (its leader-epoch-checkpoint was lost): as
 * Kafka without epochs, it keeps only what is below its high watermark.
 */
export type FollowerFetchState =
  | { readonly kind: 'fetching'; readonly fetchOffset: bigint; readonly lastFetchedEpoch: number }
  | { readonly kind: 'truncating'; readonly truncateTo: bigint };

/** Where a follower starts: from its log end with its latest epoch; an empty log needs no epoch; data without epochs is cut to the high watermark first. */
export function initialFetchState(log: EpochSource, highWatermark: bigint): FollowerFetchState {
  if (log.latestEpoch >= 0 || log.logEndOffset === log.logStartOffset) return fetchingFrom(log);
  return { kind: 'truncating', truncateTo: highWatermark };
}

export function fetchingFrom(log: EpochSource): Extract<FollowerFetchState, { kind: 'fetching' }> {
  return { kind: 'fetching', fetchOffset: log.logEndOffset, lastFetchedEpoch: log.latestEpoch };
}

/**
 * Leader side of KIP-320 (Kafka's Partition.fetchRecords): a follower that
 * fetches at `fetchOffset` after a batch of `lastFetchedEpoch` has diverged
 * when the leader's log has that epoch ending earlier, or only an older epoch
 * there. The answer is that epoch and where it ends on the leader; null when
 * the logs agree (or the follower named no epoch).
 */
export function divergingEpoch(leader: EpochSource, lastFetchedEpoch: number, fetchOffset: bigint): EpochEndOffset | null {
  if (lastFetchedEpoch < 0) return null;
  const { leaderEpoch, endOffset } = leader.endOffsetFor(lastFetchedEpoch);
  if (leaderEpoch < 0 || endOffset < 0n) return null;
  if (leaderEpoch < lastFetchedEpoch || endOffset < fetchOffset) return { epoch: leaderEpoch, endOffset };
  return null;
}

/**
 * Follower side (Kafka's AbstractFetcherThread.getOffsetTruncationState):
 * where to cut the follower's log given the leader's end of an epoch. When
 * the follower has that epoch, the logs agree up to the smaller of the two
 * ends; when it only has an older one, up to that one's end (and the next
 * fetch, naming the older epoch, asks again); when the leader knows no such
 * epoch, up to its end offset. Never past the follower's own log end.
 */
export function truncationOffset(follower: EpochSource, leader: EpochEndOffset): bigint {
  const end = follower.logEndOffset;
  if (leader.endOffset < 0n) return follower.logStartOffset;
  if (leader.epoch < 0) return min(leader.endOffset, end);
  const local = follower.endOffsetFor(leader.epoch);
  if (local.leaderEpoch < 0) return min(leader.endOffset, end);
  if (local.leaderEpoch !== leader.epoch) return min(local.endOffset, end);
  return min(min(leader.endOffset, local.endOffset), end);
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
