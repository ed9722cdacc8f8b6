import { ErrorCode } from '../protocol/generated/error-codes.js';

/** What the metadata image says of a partition the local broker leads. */
export interface IsrLeadership {
  readonly leaderEpoch: number;
  /** Bumped by the controller with every change of the partition (KIP-497's fencing of AlterPartition). */
  readonly partitionEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/**
 * The ISR as the leader uses it (Kafka's PartitionState, KIP-841): committed
 * as the image says, or with an AlterPartition in flight. While a change is
 * pending the high watermark and the acks=all check use the maximal ISR (the
 * committed one plus a joining replica; the committed one while shrinking),
 * so neither can count on a replica the controller has not yet agreed to.
 */
export type IsrState =
  | { readonly kind: 'committed'; readonly isr: readonly number[] }
  | { readonly kind: 'pendingExpand'; readonly isr: readonly number[]; readonly proposedIsr: readonly number[] }
  | { readonly kind: 'pendingShrink'; readonly isr: readonly number[]; readonly proposedIsr: readonly number[] };

/** An ISR change the leader wants the controller to make (the body of one AlterPartition partition). */
export interface IsrProposal {
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly newIsr: readonly number[];
}

/** Kafka's Replica: what the leader knows of one follower from its fetches. */
export interface FollowerReplicaState {
  /** -1 until the follower fetches in this leader epoch. */
  readonly logEndOffset: bigint;
  readonly lastFetchTimeMs: number;
  readonly lastCaughtUpTimeMs: number;
  /** The leader's log end offset at the follower's previous fetch. */
  readonly lastFetchLeaderLogEndOffset: bigint;
}

/** The AlterPartition answer for this partition, or a failure to get one. */
export type IsrChangeOutcome =
  | { readonly kind: 'accepted'; readonly leaderEpoch: number; readonly partitionEpoch: number; readonly isr: readonly number[] }
  /** The controller refused it (stale epochs, ineligible replica…): back to the committed ISR; the next check may propose again. */
  | { readonly kind: 'refused'; readonly errorCode: number }
  /** No answer (controller unavailable, timeout): the same proposal is sent again. */
  | { readonly kind: 'unanswered' };

/** What an acks=all produce waiting for `requiredOffset` learns: keep waiting, or its answer. */
export type AcksAllCheck = { readonly done: false } | { readonly done: true; readonly errorCode: number };

const UNKNOWN_OFFSET = -1n;

/**
 * The leader's view of its followers, as Kafka's Partition and Replica keep
 * it: each follower's log end offset and when it last caught up, the high
 * watermark (the smallest log end offset over the maximal ISR, never moving
 * back within a leader epoch), the ISR shrink and expand decisions, and the
 * AlterPartition in flight. Pure: the leader's log end offset and the time
 * come in as arguments; proposals go out as values.
 */
export class ReplicaTracker {
  private readonly followers = new Map<number, FollowerReplicaState>();
  private leadership: IsrLeadership;
  private state: IsrState;
  private hw: bigint;
  /** The log end offset when this leader epoch began: a follower joins the ISR only past it. */
  private leaderEpochStartOffset: bigint;

  constructor(
    readonly localBrokerId: number,
    leadership: IsrLeadership,
    options: { leaderLogEndOffset: bigint; highWatermark: bigint; nowMs: number },
  ) {
    this.leadership = leadership;
    this.state = { kind: 'committed', isr: [...leadership.isr] };
    this.hw = options.highWatermark;
    this.leaderEpochStartOffset = options.leaderLogEndOffset;
    this.resetFollowers(options.nowMs, options.leaderLogEndOffset);
  }

  get highWatermark(): bigint {
    return this.hw;
  }
  get isrState(): IsrState {
    return this.state;
  }
  get leaderEpoch(): number {
    return this.leadership.leaderEpoch;
  }
  get partitionEpoch(): number {
    return this.leadership.partitionEpoch;
  }
  /** The committed ISR. */
  get isr(): readonly number[] {
    return this.state.isr;
  }
  /** The ISR the high watermark and acks=all count on (KIP-841). */
  get maximalIsr(): readonly number[] {
    return this.state.kind === 'pendingExpand' ? this.state.proposedIsr : this.state.isr;
  }
  follower(replicaId: number): FollowerReplicaState | undefined {
    return this.followers.get(replicaId);
  }

  /**
   * A new image of the partition. A new leader epoch (this broker just became
   * leader, or was re-elected) starts over: followers are unknown until they
   * fetch, those in the ISR count as caught up now (Kafka's makeLeader). A
   * newer partition epoch of the same leader epoch commits the image's ISR
   * and ends any change in flight; an older one is a stale image and ignored.
   */
  updateLeadership(leadership: IsrLeadership, leaderLogEndOffset: bigint, nowMs: number): void {
    const newEpoch = leadership.leaderEpoch !== this.leadership.leaderEpoch;
    if (!newEpoch && leadership.partitionEpoch < this.leadership.partitionEpoch) return;
    this.leadership = leadership;
    this.state = { kind: 'committed', isr: [...leadership.isr] };
    if (newEpoch) {
      this.leaderEpochStartOffset = leaderLogEndOffset;
      this.resetFollowers(nowMs, leaderLogEndOffset);
    } else {
      for (const id of this.followers.keys()) if (!leadership.replicas.includes(id)) this.followers.delete(id);
      for (const id of leadership.replicas) if (id !== this.localBrokerId && !this.followers.has(id)) this.followers.set(id, unknownFollower(0));
    }
  }

  /**
   * Resets the high watermark (a follower taking its leader's, a truncation).
   * Only the leader's own rule keeps it from going back.
   */
  resetHighWatermark(offset: bigint): void {
    this.hw = offset;
  }

  /**
   * A follower fetched from `fetchOffset` (so it holds everything below it)
   * at `nowMs` while the leader's log ended at `leaderLogEndOffset` (Kafka's
   * Replica.updateFetchState: caught up now if it reached the leader's end,
   * or as of its previous fetch if it reached what the leader had then).
   * Returns an ISR expansion to propose when the follower has caught up.
   */
  onFollowerFetch(replicaId: number, fetchOffset: bigint, leaderLogEndOffset: bigint, nowMs: number): IsrProposal | null {
    const previous = this.followers.get(replicaId);
    if (previous === undefined) return null;
    let lastCaughtUpTimeMs = previous.lastCaughtUpTimeMs;
    if (fetchOffset >= leaderLogEndOffset) lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, nowMs);
    else if (fetchOffset >= previous.lastFetchLeaderLogEndOffset) lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, previous.lastFetchTimeMs);
    this.followers.set(replicaId, { logEndOffset: fetchOffset, lastFetchTimeMs: nowMs, lastCaughtUpTimeMs, lastFetchLeaderLogEndOffset: leaderLogEndOffset });
    return this.maybeExpandIsr(replicaId);
  }

  /**
   * Moves the high watermark to the smallest log end offset over the maximal
   * ISR (the leader's own being `leaderLogEndOffset`) when that is higher.
   * Returns whether it moved.
   */
  maybeAdvanceHighWatermark(leaderLogEndOffset: bigint, logStartOffset: bigint): boolean {
    let candidate = leaderLogEndOffset;
    for (const id of this.maximalIsr) {
      if (id === this.localBrokerId) continue;
      const end = this.followers.get(id)?.logEndOffset ?? UNKNOWN_OFFSET;
      // A member that has not fetched in this epoch holds the high watermark where it is.
      if (end === UNKNOWN_OFFSET) return this.clampToLogStart(logStartOffset);
      if (end < candidate) candidate = end;
    }
    const moved = candidate > this.hw;
    if (moved) this.hw = candidate;
    return this.clampToLogStart(logStartOffset) || moved;
  }

  private clampToLogStart(logStartOffset: bigint): boolean {
    if (this.hw >= logStartOffset) return false;
    this.hw = logStartOffset;
    return true;
  }

  /**
   * Kafka's maybeShrinkIsr: the ISR members that have not caught up with the
   * leader's log end for longer than `replicaLagTimeMaxMs` leave it. Nothing
   * is proposed while another change is in flight.
   */
  maybeShrinkIsr(leaderLogEndOffset: bigint, nowMs: number, replicaLagTimeMaxMs: number): IsrProposal | null {
    if (this.state.kind !== 'committed') return null;
    const outOfSync = this.state.isr.filter((id) => {
      if (id === this.localBrokerId) return false;
      const follower = this.followers.get(id);
      if (follower === undefined) return true;
      return follower.logEndOffset !== leaderLogEndOffset && nowMs - follower.lastCaughtUpTimeMs > replicaLagTimeMaxMs;
    });
    if (outOfSync.length === 0) return null;
    const proposedIsr = this.state.isr.filter((id) => !outOfSync.includes(id));
    this.state = { kind: 'pendingShrink', isr: this.state.isr, proposedIsr };
    return this.proposal(proposedIsr);
  }

  /** Kafka's maybeExpandIsr: a replica outside the ISR that reached the high watermark and this epoch's start joins it. */
  private maybeExpandIsr(replicaId: number): IsrProposal | null {
    if (this.state.kind !== 'committed' || this.state.isr.includes(replicaId) || !this.leadership.replicas.includes(replicaId)) return null;
    const end = this.followers.get(replicaId)!.logEndOffset;
    if (end < this.hw || end < this.leaderEpochStartOffset) return null;
    const proposedIsr = [...this.state.isr, replicaId];
    this.state = { kind: 'pendingExpand', isr: this.state.isr, proposedIsr };
    return this.proposal(proposedIsr);
  }

  /** The change in flight, to send again after `unanswered`. */
  pendingProposal(): IsrProposal | null {
    return this.state.kind === 'committed' ? null : this.proposal(this.state.proposedIsr);
  }

  /** The controller's answer to the change in flight (Kafka's handleAlterPartitionUpdate / handleAlterPartitionError). */
  onIsrChangeOutcome(outcome: IsrChangeOutcome): void {
    if (this.state.kind === 'committed') return;
    switch (outcome.kind) {
      case 'accepted':
        if (outcome.leaderEpoch !== this.leadership.leaderEpoch || outcome.partitionEpoch <= this.leadership.partitionEpoch) return;
        this.leadership = { ...this.leadership, partitionEpoch: outcome.partitionEpoch, isr: [...outcome.isr] };
        this.state = { kind: 'committed', isr: [...outcome.isr] };
        return;
      case 'refused':
        this.state = { kind: 'committed', isr: this.state.isr };
        return;
      case 'unanswered':
        return;
      default: {
        const unexpected: never = outcome;
        return unexpected;
      }
    }
  }

  /** min.insync.replicas before an acks=all append: the committed ISR must be large enough (Kafka's appendRecordsToLeader). */
  hasEnoughReplicasForAcksAll(minInsyncReplicas: number): boolean {
    return this.state.isr.length >= minInsyncReplicas;
  }

  /**
   * Kafka's checkEnoughReplicasReachOffset: an acks=all produce is done once
   * the high watermark passes it; if by then the maximal ISR shrank below
   * min.insync.replicas it is answered NOT_ENOUGH_REPLICAS_AFTER_APPEND.
   */
  checkEnoughReplicasReachOffset(requiredOffset: bigint, minInsyncReplicas: number): AcksAllCheck {
    if (this.hw < requiredOffset) return { done: false };
    const errorCode = this.maximalIsr.length >= minInsyncReplicas ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    return { done: true, errorCode };
  }

  private proposal(newIsr: readonly number[]): IsrProposal {
    return { leaderEpoch: this.leadership.leaderEpoch, partitionEpoch: this.leadership.partitionEpoch, newIsr };
  }

  private resetFollowers(nowMs: number, leaderLogEndOffset: bigint): void {
    this.followers.clear();
    for (const id of this.leadership.replicas) {
      if (id === this.localBrokerId) continue;
      // Kafka's resetReplicaState: an ISR member gets a full replica.lag.time.max.ms to fetch from the new leader.
      const follower = unknownFollower(this.state.isr.includes(id) ? nowMs : 0);
      this.followers.set(id, { ...follower, lastFetchLeaderLogEndOffset: leaderLogEndOffset });
    }
  }
}

function unknownFollower(lastCaughtUpTimeMs: number): FollowerReplicaState {
  return { logEndOffset: UNKNOWN_OFFSET, lastFetchTimeMs: 0, lastCaughtUpTimeMs, lastFetchLeaderLogEndOffset: UNKNOWN_OFFSET };
}
