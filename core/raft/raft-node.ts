import { EntryKind, RaftLog, type Entry, type Snapshot, type SnapshotId } from './raft-log.js';
import {
  RaftErrorCode,
  type BeginQuorumEpochRequest,
  type EndQuorumEpochRequest,
  type FetchRequest,
  type FetchResponse,
  type FetchSnapshotRequest,
  type FetchSnapshotResponse,
  type LeaderIdAndEpoch,
  type RaftMessage,
  type RaftMessageBody,
  type VoteRequest,
  type VoteResponse,
} from './raft-messages.js';
import type { QuorumState, Ready } from './raft-ready.js';

export const RaftRole = {
  unattached: 'unattached',
  prospective: 'prospective',
  candidate: 'candidate',
  leader: 'leader',
  follower: 'follower',
  resigned: 'resigned',
} as const;
export type RaftRole = (typeof RaftRole)[keyof typeof RaftRole];

export interface RaftConfig {
  readonly nodeId: number;
  /** `controller.quorum.voters` ids; a node outside this list is an observer. */
  readonly voters: readonly number[];
  /** `controller.quorum.election.timeout.ms` in ticks; the actual timeout is randomized in [t, 2t). */
  readonly electionTimeoutTicks: number;
  /** `controller.quorum.fetch.timeout.ms` in ticks: a follower that long without its leader campaigns. */
  readonly fetchTimeoutTicks: number;
  /** How long a request may stay unanswered before it is sent again. */
  readonly requestTimeoutTicks: number;
  readonly maxFetchEntries: number;
  /** MaxBytes of one FetchSnapshot request: a follower fetches a bigger snapshot in several pieces. */
  readonly maxSnapshotFetchBytes: number;
  /** Checks a fetched snapshot once all its pieces are in; one that fails is fetched again. Absent: all pass. */
  readonly isValidSnapshot?: (data: Uint8Array) => boolean;
  /** The injected random source, uniform in [0, 1). */
  readonly random: () => number;
}

/** What survived on disk: the quorum-state file, the latest snapshot and the log after it. */
export interface RaftPersistentState {
  readonly quorumState: QuorumState | undefined;
  readonly snapshotId: SnapshotId | undefined;
  readonly entries: readonly Entry[];
}

interface SnapshotFetch {
  readonly id: SnapshotId;
  /** The snapshot's size in bytes, once the first piece told it (-1 before). */
  size: number;
  position: number;
  readonly pieces: Uint8Array[];
}

export interface ReplicaState {
  readonly replicaId: number;
  logEndOffset: number;
  lastFetchTick: number;
  lastCaughtUpTick: number;
}

export interface RaftStatus {
  readonly nodeId: number;
  readonly role: RaftRole;
  readonly isVoter: boolean;
  readonly epoch: number;
  readonly leaderId: number;
  readonly votedId: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly lastEpoch: number;
  readonly highWatermark: number;
  readonly appliedOffset: number;
}

/** DescribeQuorum's partition answer, as the leader knows it. */
export interface QuorumDescription {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly currentVoters: readonly ReplicaState[];
  readonly observers: readonly ReplicaState[];
}

export type ProposeResult = { readonly errorCode: 0; readonly offset: number; readonly epoch: number } | { readonly errorCode: Exclude<RaftErrorCode, 0> };

const noLeader = -1;

function isFetch(body: RaftMessageBody): boolean {
  return body.type === 'FetchRequest' || body.type === 'FetchSnapshotRequest';
}

/**
 * KRaft-style Raft as a pure state machine: `step(message)`, `tick()`, `propose(data)` change it;
 * `ready()` hands out what to persist, send and apply (see Ready for the order), `advance()`
 * acknowledges. Followers pull entries from the leader with Fetch; the high watermark is the
 * commit point. No clock, timer, randomness or I/O inside.
 */
export class RaftNode {
  readonly nodeId: number;
  readonly isVoter: boolean;
  private readonly config: RaftConfig;
  private readonly voters: readonly number[];
  private readonly log: RaftLog;

  private quorum: QuorumState;
  private quorumDirty = false;
  private roleValue: RaftRole = RaftRole.unattached;
  private highWatermarkValue: number;
  private appliedOffset: number;
  private now = 0;
  private nextCorrelationId = 1;
  private outbox: RaftMessage[] = [];
  private snapshotToApply: Snapshot | undefined;
  private latestSnapshot: Snapshot | undefined;
  private readyOutstanding = false;

  /** Election (or resignation, or EndQuorumEpoch) deadline, in ticks. */
  private electionDeadline = 0;
  private votesGranted = new Set<number>();
  private votesRejected = new Set<number>();

  /** When this node last heard from its leader: the evidence for refusing pre-votes. */
  private lastLeaderContactTick = 0;
  /** When a follower gives up on its leader (controller.quorum.fetch.timeout.ms). */
  private fetchDeadline = 0;
  private leaderResigned = false;
  private inflight: { correlationId: number; sentTick: number; to: number } | undefined;
  private nextFetchTick = 0;
  /** The snapshot this follower is fetching, and the pieces of it received so far. */
  private fetchingSnapshot: SnapshotFetch | undefined;

  private epochStartOffset = 0;
  private replicas = new Map<number, ReplicaState>();
  private beginQuorumEpochAcked = new Set<number>();
  private nextBeginQuorumEpochTick = 0;
  /** Fetches with nothing to return wait here (long poll) until entries arrive, the high watermark moves or they expire. */
  private sentHighWatermark = new Map<number, number>();
  private parkedFetches = new Map<number, { message: RaftMessage; request: FetchRequest; expiryTick: number }>();

  constructor(config: RaftConfig, persisted: RaftPersistentState) {
    if (config.electionTimeoutTicks < 1 || config.fetchTimeoutTicks < 1 || config.requestTimeoutTicks < 1 || config.maxFetchEntries < 1 || config.maxSnapshotFetchBytes < 1) {
      throw new RangeError('raft timeouts, maxFetchEntries and maxSnapshotFetchBytes must be positive');
    }
    this.config = config;
    this.nodeId = config.nodeId;
    this.voters = [...config.voters].sort((a, b) => a - b);
    this.isVoter = this.voters.includes(config.nodeId);
    this.log = RaftLog.restore(persisted.snapshotId, persisted.entries);
    this.highWatermarkValue = this.log.logStartOffset;
    this.appliedOffset = this.log.logStartOffset;
    this.quorum = persisted.quorumState ?? { epoch: 0, leaderId: noLeader, votedId: noLeader };
    // A restarted leader cannot trust its old epoch: it resigns, as KRaft does.
    if (this.quorum.leaderId === this.nodeId) this.becomeResigned();
    else if (this.quorum.leaderId !== noLeader) this.becomeFollower(this.quorum.epoch, this.quorum.leaderId);
    else this.becomeUnattached(this.quorum.epoch, this.quorum.votedId);
  }

  get role(): RaftRole {
    return this.roleValue;
  }

  get highWatermark(): number {
    return this.highWatermarkValue;
  }

  status(): RaftStatus {
    return {
      nodeId: this.nodeId,
      role: this.roleValue,
      isVoter: this.isVoter,
      epoch: this.quorum.epoch,
      leaderId: this.quorum.leaderId,
      votedId: this.quorum.votedId,
      logStartOffset: this.log.logStartOffset,
      logEndOffset: this.log.endOffset,
      lastEpoch: this.log.lastEpoch,
      highWatermark: this.highWatermarkValue,
      appliedOffset: this.appliedOffset,
    };
  }

  /** Entries in [fromOffset, toOffset) still in the log (not compacted into a snapshot). */
  entries(fromOffset: number, toOffset: number): Entry[] {
    return this.log.slice(fromOffset, toOffset, Number.MAX_SAFE_INTEGER);
  }

  describeQuorum(): QuorumDescription | undefined {
    if (this.roleValue !== RaftRole.leader) return undefined;
    const all = [...this.replicas.values()].map((r) => ({ ...r }));
    return {
      leaderId: this.nodeId,
      leaderEpoch: this.quorum.epoch,
      highWatermark: this.highWatermarkValue,
      currentVoters: all.filter((r) => this.voters.includes(r.replicaId)),
      observers: all.filter((r) => !this.voters.includes(r.replicaId)),
    };
  }

  // ---- inputs ----

  tick(): void {
    this.assertNoReadyOutstanding();
    this.now++;
    switch (this.roleValue) {
      case RaftRole.leader:
        this.tickLeader();
        return;
      case RaftRole.follower:
        this.tickFollower();
        return;
      case RaftRole.unattached:
        if (!this.isVoter) this.probeForLeader();
        else if (this.now >= this.electionDeadline) this.becomeProspective();
        return;
      case RaftRole.prospective:
      case RaftRole.candidate:
      case RaftRole.resigned:
        if (this.now >= this.electionDeadline) this.becomeProspective();
        return;
    }
  }

  /** Starts an election now (pre-vote first), as an election timeout would. */
  campaign(): void {
    this.assertNoReadyOutstanding();
    if (!this.isVoter || this.roleValue === RaftRole.leader) return;
    this.becomeProspective();
  }

  /** Gives up leadership: EndQuorumEpoch lets the other voters campaign without waiting. */
  resign(): void {
    this.assertNoReadyOutstanding();
    if (this.roleValue === RaftRole.leader) this.becomeResigned();
  }

  propose(data: Uint8Array): ProposeResult {
    this.assertNoReadyOutstanding();
    if (this.roleValue !== RaftRole.leader) return { errorCode: RaftErrorCode.notLeaderOrFollower };
    const entry: Entry = { offset: this.log.endOffset, epoch: this.quorum.epoch, kind: EntryKind.data, data };
    this.log.append(entry);
    if (this.voters.length === 1) this.maybeAdvanceHighWatermark();
    this.answerParkedFetches(false);
    return { errorCode: RaftErrorCode.none, offset: entry.offset, epoch: entry.epoch };
  }

  /**
   * Records that the application wrote a snapshot of its state up to endOffset (which it has
   * applied and which is durable); the log prefix it covers is dropped.
   */
  createSnapshot(endOffset: number, data: Uint8Array): SnapshotId {
    this.assertNoReadyOutstanding();
    if (endOffset > this.appliedOffset || endOffset > this.log.stableEndOffset || endOffset < this.log.logStartOffset) {
      throw new RangeError(`snapshot end offset ${endOffset} is outside [${this.log.logStartOffset}, applied ${this.appliedOffset}]`);
    }
    const epoch = endOffset === this.log.logStartOffset ? this.log.snapshotId.epoch : this.log.entryAt(endOffset - 1)!.epoch;
    const id = { endOffset, epoch };
    this.log.compactTo(id);
    this.latestSnapshot = { id, data };
    return id;
  }

  /** A snapshot loaded from disk at start-up, so the leader can serve it to followers. */
  restoreSnapshot(snapshot: Snapshot): void {
    if (snapshot.id.endOffset !== this.log.snapshotId.endOffset || snapshot.id.epoch !== this.log.snapshotId.epoch) {
      throw new RangeError('restored snapshot does not match the log start');
    }
    this.latestSnapshot = snapshot;
  }

  step(message: RaftMessage): void {
    this.assertNoReadyOutstanding();
    if (message.to !== this.nodeId) return;
    const body = message.body;
    switch (body.type) {
      case 'VoteRequest':
        this.onVoteRequest(message, body);
        return;
      case 'VoteResponse':
        this.onVoteResponse(message.from, body);
        return;
      case 'BeginQuorumEpochRequest':
        this.onBeginQuorumEpoch(message, body);
        return;
      case 'BeginQuorumEpochResponse':
        if (this.observeLeader(body)) return;
        if (this.roleValue === RaftRole.leader && body.leaderEpoch === this.quorum.epoch) this.beginQuorumEpochAcked.add(message.from);
        return;
      case 'EndQuorumEpochRequest':
        this.onEndQuorumEpoch(message, body);
        return;
      case 'EndQuorumEpochResponse':
        this.observeLeader(body);
        return;
      case 'FetchRequest':
        this.onFetchRequest(message, body);
        return;
      case 'FetchResponse':
        this.onFetchResponse(message, body);
        return;
      case 'FetchSnapshotRequest':
        this.onFetchSnapshotRequest(message, body);
        return;
      case 'FetchSnapshotResponse':
        this.onFetchSnapshotResponse(message, body);
        return;
    }
  }

  // ---- outputs ----

  hasReady(): boolean {
    return (
      this.quorumDirty ||
      this.log.hasUnstable() ||
      this.outbox.length > 0 ||
      this.snapshotToApply !== undefined ||
      this.appliedOffset < this.highWatermarkValue
    );
  }

  ready(): Ready {
    this.assertNoReadyOutstanding();
    this.readyOutstanding = true;
    const applyFrom = this.snapshotToApply?.id.endOffset ?? this.appliedOffset;
    return {
      quorumState: this.quorumDirty ? this.quorum : undefined,
      log: this.log.unstable(),
      messages: this.outbox,
      snapshotToApply: this.snapshotToApply,
      committedEntries: this.log.slice(applyFrom, this.highWatermarkValue, Number.MAX_SAFE_INTEGER),
      highWatermark: this.highWatermarkValue,
    };
  }

  advance(ready: Ready): void {
    if (!this.readyOutstanding) throw new Error('advance without an outstanding ready');
    this.readyOutstanding = false;
    this.quorumDirty = false;
    this.log.markStable();
    this.outbox = [];
    if (ready.snapshotToApply !== undefined) {
      this.latestSnapshot = ready.snapshotToApply;
      this.snapshotToApply = undefined;
      this.appliedOffset = Math.max(this.appliedOffset, ready.snapshotToApply.id.endOffset);
    }
    const last = ready.committedEntries.at(-1);
    if (last !== undefined) this.appliedOffset = Math.max(this.appliedOffset, last.offset + 1);
    // The leader's own log counts towards the high watermark only once durable.
    if (this.roleValue === RaftRole.leader) this.maybeAdvanceHighWatermark();
  }

  // ---- transitions ----

  private setQuorum(next: QuorumState): void {
    if (next.epoch < this.quorum.epoch) throw new Error(`epoch went back from ${this.quorum.epoch} to ${next.epoch}`);
    if (next.epoch === this.quorum.epoch && next.leaderId === this.quorum.leaderId && next.votedId === this.quorum.votedId) return;
    this.quorum = next;
    this.quorumDirty = true;
  }

  private resetElectionTimer(): void {
    const timeout = this.config.electionTimeoutTicks;
    this.electionDeadline = this.now + timeout + Math.floor(this.config.random() * timeout);
  }

  private becomeUnattached(epoch: number, votedId: number): void {
    this.parkedFetches.clear();
    this.setQuorum({ epoch, leaderId: noLeader, votedId });
    this.roleValue = RaftRole.unattached;
    this.inflight = undefined;
    this.resetElectionTimer();
    if (!this.isVoter) this.probeForLeader();
  }

  private becomeFollower(epoch: number, leaderId: number): void {
    this.parkedFetches.clear();
    // Going back to a leader already given up on is no news from it: only a new leader counts as contact.
    const newLeader = epoch !== this.quorum.epoch || leaderId !== this.quorum.leaderId;
    const votedId = epoch === this.quorum.epoch ? this.quorum.votedId : noLeader;
    this.setQuorum({ epoch, leaderId, votedId });
    this.roleValue = RaftRole.follower;
    if (newLeader) this.lastLeaderContactTick = this.now;
    this.fetchDeadline = this.now + this.config.fetchTimeoutTicks;
    this.leaderResigned = false;
    this.inflight = undefined;
    this.fetchingSnapshot = undefined;
    this.sendFetch();
  }

  private becomeProspective(): void {
    this.roleValue = RaftRole.prospective;
    this.inflight = undefined;
    this.votesGranted = new Set([this.nodeId]);
    this.votesRejected = new Set();
    this.resetElectionTimer();
    if (this.hasMajority(this.votesGranted)) {
      this.becomeCandidate();
      return;
    }
    this.requestVotes(true);
  }

  private becomeCandidate(): void {
    this.setQuorum({ epoch: this.quorum.epoch + 1, leaderId: noLeader, votedId: this.nodeId });
    this.roleValue = RaftRole.candidate;
    this.votesGranted = new Set([this.nodeId]);
    this.votesRejected = new Set();
    this.resetElectionTimer();
    if (this.hasMajority(this.votesGranted)) {
      this.becomeLeader();
      return;
    }
    this.requestVotes(false);
  }

  private becomeLeader(): void {
    this.setQuorum({ epoch: this.quorum.epoch, leaderId: this.nodeId, votedId: this.quorum.votedId });
    this.roleValue = RaftRole.leader;
    this.epochStartOffset = this.log.endOffset;
    // The leader-change record opens the epoch: only entries of the current epoch commit by counting.
    this.log.append({ offset: this.log.endOffset, epoch: this.quorum.epoch, kind: EntryKind.leaderChange, data: new Uint8Array(0) });
    this.replicas = new Map();
    this.sentHighWatermark = new Map();
    for (const voter of this.voters) {
      this.replicas.set(voter, { replicaId: voter, logEndOffset: voter === this.nodeId ? this.log.stableEndOffset : -1, lastFetchTick: this.now, lastCaughtUpTick: this.now });
    }
    this.beginQuorumEpochAcked = new Set([this.nodeId]);
    this.sendBeginQuorumEpoch();
    if (this.voters.length === 1) this.maybeAdvanceHighWatermark();
  }

  private becomeResigned(): void {
    this.parkedFetches.clear();
    this.roleValue = RaftRole.resigned;
    this.electionDeadline = this.now + this.config.electionTimeoutTicks;
    const others = this.voters.filter((v) => v !== this.nodeId);
    const preferredCandidates = [...others].sort((a, b) => (this.replicas.get(b)?.logEndOffset ?? -1) - (this.replicas.get(a)?.logEndOffset ?? -1));
    for (const voter of others) {
      this.send(voter, { type: 'EndQuorumEpochRequest', leaderId: this.nodeId, leaderEpoch: this.quorum.epoch, preferredCandidates });
    }
  }

  /**
   * Reacts to a leader and epoch learned from any message. Returns true when the message came from
   * an older epoch (the caller then ignores it) and moves to a newer epoch when it sees one.
   */
  private observeLeader(seen: LeaderIdAndEpoch): boolean {
    if (seen.leaderEpoch < this.quorum.epoch) return true;
    if (seen.leaderEpoch > this.quorum.epoch) {
      if (seen.leaderId !== noLeader && seen.leaderId !== this.nodeId) this.becomeFollower(seen.leaderEpoch, seen.leaderId);
      else this.becomeUnattached(seen.leaderEpoch, noLeader);
      return false;
    }
    if (seen.leaderId === noLeader || seen.leaderId === this.nodeId) return false;
    // Another leader in this node's own epoch cannot come from a correct peer: ignore the claim.
    if (this.roleValue === RaftRole.leader) return true;
    if (this.roleValue !== RaftRole.follower) this.becomeFollower(seen.leaderEpoch, seen.leaderId);
    return false;
  }

  // ---- timers ----

  private tickLeader(): void {
    const recent = new Set<number>();
    for (const voter of this.voters) {
      const replica = this.replicas.get(voter)!;
      if (voter === this.nodeId || this.now - replica.lastFetchTick < this.config.fetchTimeoutTicks * 1.5) recent.add(voter);
    }
    // Check quorum: a leader cut off from a majority steps down rather than block the cluster.
    if (!this.hasMajority(recent)) {
      this.becomeResigned();
      return;
    }
    if (this.now >= this.nextBeginQuorumEpochTick) this.sendBeginQuorumEpoch();
    this.answerParkedFetches(true);
  }

  /** Answers parked fetches: all of them when woken by news, only the expired ones on a tick. */
  private answerParkedFetches(onlyExpired: boolean): void {
    for (const [replicaId, parked] of this.parkedFetches) {
      if (onlyExpired && parked.expiryTick > this.now) continue;
      this.parkedFetches.delete(replicaId);
      this.answerFetch(parked.message, parked.request, false);
    }
  }

  private tickFollower(): void {
    const leaderSilent = this.now >= this.fetchDeadline;
    if (this.isVoter && ((this.leaderResigned && this.now >= this.electionDeadline) || leaderSilent)) {
      this.becomeProspective();
      return;
    }
    if (!this.isVoter && leaderSilent) {
      this.becomeUnattached(this.quorum.epoch, noLeader);
      return;
    }
    if (this.leaderResigned) return;
    if (this.inflight !== undefined && this.now - this.inflight.sentTick >= this.config.requestTimeoutTicks) this.inflight = undefined;
    if (this.inflight === undefined && this.now >= this.nextFetchTick) this.sendFetch();
  }

  /** An observer without a leader asks a random voter; any answer names the leader. */
  private probeForLeader(): void {
    if (this.inflight !== undefined && this.now - this.inflight.sentTick < this.config.requestTimeoutTicks) return;
    const voter = this.voters[Math.floor(this.config.random() * this.voters.length)]!;
    this.inflight = { correlationId: this.send(voter, this.fetchRequest()), sentTick: this.now, to: voter };
  }

  // ---- elections ----

  private requestVotes(preVote: boolean): void {
    const request: VoteRequest = {
      type: 'VoteRequest',
      candidateEpoch: preVote ? this.quorum.epoch + 1 : this.quorum.epoch,
      candidateId: this.nodeId,
      lastOffsetEpoch: this.log.lastEpoch,
      lastOffset: this.log.endOffset,
      preVote,
    };
    for (const voter of this.voters) if (voter !== this.nodeId) this.send(voter, request);
  }

  private onVoteRequest(message: RaftMessage, request: VoteRequest): void {
    const reply = (voteGranted: boolean, errorCode: RaftErrorCode = RaftErrorCode.none): void => {
      this.reply(message, { type: 'VoteResponse', errorCode, leaderId: this.quorum.leaderId, leaderEpoch: this.quorum.epoch, voteGranted, preVote: request.preVote });
    };
    if (!this.isVoter || !this.voters.includes(request.candidateId)) {
      reply(false, RaftErrorCode.inconsistentVoterSet);
      return;
    }
    const logUpToDate =
      request.lastOffsetEpoch > this.log.lastEpoch || (request.lastOffsetEpoch === this.log.lastEpoch && request.lastOffset >= this.log.endOffset);
    if (request.preVote) {
      // A pre-vote changes nothing here; it is refused while this node still hears from a leader.
      const candidateCurrentEpoch = request.candidateEpoch - 1;
      const hasLiveLeader =
        this.roleValue === RaftRole.leader ||
        (this.roleValue === RaftRole.follower && !this.leaderResigned && this.now - this.lastLeaderContactTick < this.config.fetchTimeoutTicks);
      reply(candidateCurrentEpoch >= this.quorum.epoch && !hasLiveLeader && logUpToDate);
      return;
    }
    if (request.candidateEpoch < this.quorum.epoch) {
      reply(false, RaftErrorCode.fencedLeaderEpoch);
      return;
    }
    if (request.candidateEpoch > this.quorum.epoch) this.becomeUnattached(request.candidateEpoch, noLeader);
    const canVote =
      this.quorum.leaderId === noLeader && (this.quorum.votedId === noLeader || this.quorum.votedId === request.candidateId);
    if (canVote && logUpToDate) {
      // The vote is persisted (Ready.quorumState) before this response leaves.
      this.setQuorum({ ...this.quorum, votedId: request.candidateId });
      this.roleValue = RaftRole.unattached;
      this.resetElectionTimer();
      reply(true);
      return;
    }
    reply(false);
  }

  private onVoteResponse(from: number, response: VoteResponse): void {
    // A voter still in an older epoch may grant a pre-vote; any other stale answer is ignored.
    // A granted pre-vote naming the leader this node already gave up on is no reason to go back to it.
    const namesAbandonedLeader =
      this.roleValue === RaftRole.prospective && response.voteGranted && response.leaderEpoch === this.quorum.epoch && response.leaderId === this.quorum.leaderId;
    if (response.leaderEpoch >= this.quorum.epoch) {
      if (!namesAbandonedLeader) this.observeLeader(response);
    } else if (!response.preVote) return;
    const counting =
      (this.roleValue === RaftRole.prospective && response.preVote) ||
      (this.roleValue === RaftRole.candidate && !response.preVote && response.leaderEpoch === this.quorum.epoch);
    if (!counting || !this.voters.includes(from)) return;
    if (response.voteGranted) this.votesGranted.add(from);
    else this.votesRejected.add(from);
    if (!this.hasMajority(this.votesGranted)) return;
    if (this.roleValue === RaftRole.prospective) this.becomeCandidate();
    else this.becomeLeader();
  }

  private hasMajority(ids: ReadonlySet<number>): boolean {
    let count = 0;
    for (const voter of this.voters) if (ids.has(voter)) count++;
    return count * 2 > this.voters.length;
  }

  // ---- leadership ----

  private sendBeginQuorumEpoch(): void {
    this.nextBeginQuorumEpochTick = this.now + Math.max(1, Math.floor(this.config.electionTimeoutTicks / 2));
    for (const voter of this.voters) {
      // Resent to voters that never acknowledged, or that stopped fetching and may have lost track.
      const silent = voter !== this.nodeId && this.now - (this.replicas.get(voter)?.lastFetchTick ?? 0) >= this.config.fetchTimeoutTicks;
      if (this.beginQuorumEpochAcked.has(voter) && !silent) continue;
      this.send(voter, { type: 'BeginQuorumEpochRequest', leaderId: this.nodeId, leaderEpoch: this.quorum.epoch });
    }
  }

  private onBeginQuorumEpoch(message: RaftMessage, request: BeginQuorumEpochRequest): void {
    const stale = request.leaderEpoch < this.quorum.epoch;
    if (!stale) {
      this.observeLeader(request);
      if (this.roleValue === RaftRole.follower && this.quorum.leaderId === request.leaderId) this.heardFromLeader();
    }
    this.reply(message, {
      type: 'BeginQuorumEpochResponse',
      errorCode: stale ? RaftErrorCode.fencedLeaderEpoch : RaftErrorCode.none,
      leaderId: this.quorum.leaderId,
      leaderEpoch: this.quorum.epoch,
    });
  }

  private onEndQuorumEpoch(message: RaftMessage, request: EndQuorumEpochRequest): void {
    const stale = request.leaderEpoch < this.quorum.epoch;
    if (!stale) {
      // Only a newer epoch is news here; a node already campaigning does not go back to a resigning leader.
      if (request.leaderEpoch > this.quorum.epoch) this.observeLeader(request);
      if (this.roleValue === RaftRole.follower && this.quorum.leaderId === request.leaderId && this.isVoter) {
        // Preferred successors campaign first; the rest wait a little longer each.
        const rank = request.preferredCandidates.indexOf(this.nodeId);
        this.leaderResigned = true;
        this.inflight = undefined;
        this.electionDeadline = this.now + 1 + (rank < 0 ? request.preferredCandidates.length : rank) * 2;
      }
    }
    this.reply(message, {
      type: 'EndQuorumEpochResponse',
      errorCode: stale ? RaftErrorCode.fencedLeaderEpoch : RaftErrorCode.none,
      leaderId: this.quorum.leaderId,
      leaderEpoch: this.quorum.epoch,
    });
  }

  private currentLeader(): LeaderIdAndEpoch {
    return { leaderId: this.quorum.leaderId, leaderEpoch: this.quorum.epoch };
  }

  private onFetchRequest(message: RaftMessage, request: FetchRequest): void {
    const answer = ({ errorCode, ...fields }: Partial<FetchResponse> & { errorCode: RaftErrorCode }): void => {
      this.reply(message, {
        type: 'FetchResponse',
        errorCode,
        highWatermark: this.highWatermarkValue,
        currentLeader: this.currentLeader(),
        divergingEpoch: undefined,
        snapshotId: undefined,
        records: [],
        ...fields,
      });
    };
    if (this.roleValue !== RaftRole.leader) {
      answer({ errorCode: RaftErrorCode.notLeaderOrFollower });
      return;
    }
    if (request.currentLeaderEpoch !== this.quorum.epoch) {
      answer({ errorCode: request.currentLeaderEpoch < this.quorum.epoch ? RaftErrorCode.fencedLeaderEpoch : RaftErrorCode.unknownLeaderEpoch });
      return;
    }
    const replica = this.replicaState(request.replicaId);
    replica.lastFetchTick = this.now;
    if (request.fetchOffset < this.log.logStartOffset) {
      answer({ errorCode: RaftErrorCode.none, snapshotId: this.log.snapshotId });
      return;
    }
    const local = this.log.endOffsetForEpoch(request.lastFetchedEpoch);
    if (local === undefined) {
      // The follower's last epoch predates everything left here: it must start over from the snapshot.
      answer({ errorCode: RaftErrorCode.none, snapshotId: this.log.snapshotId });
      return;
    }
    if (local.epoch !== request.lastFetchedEpoch || local.endOffset < request.fetchOffset) {
      answer({ errorCode: RaftErrorCode.none, divergingEpoch: { epoch: local.epoch, endOffset: Math.min(local.endOffset, request.fetchOffset) } });
      return;
    }
    replica.logEndOffset = request.fetchOffset;
    if (request.fetchOffset >= this.highWatermarkValue) replica.lastCaughtUpTick = this.now;
    this.parkedFetches.delete(request.replicaId);
    this.maybeAdvanceHighWatermark();
    this.answerFetch(message, request, true);
  }

  private answerFetch(message: RaftMessage, request: FetchRequest, mayPark: boolean): void {
    const records = this.log.slice(request.fetchOffset, this.log.endOffset, Math.min(request.maxEntries, this.config.maxFetchEntries));
    if (records.length === 0 && mayPark && this.sentHighWatermark.get(request.replicaId) === this.highWatermarkValue) {
      const expiryTick = this.now + Math.max(1, Math.floor(this.config.requestTimeoutTicks / 2));
      this.parkedFetches.set(request.replicaId, { message, request, expiryTick });
      return;
    }
    this.sentHighWatermark.set(request.replicaId, this.highWatermarkValue);
    this.reply(message, {
      type: 'FetchResponse',
      errorCode: RaftErrorCode.none,
      highWatermark: this.highWatermarkValue,
      currentLeader: this.currentLeader(),
      divergingEpoch: undefined,
      snapshotId: undefined,
      records,
    });
  }

  private replicaState(replicaId: number): ReplicaState {
    let replica = this.replicas.get(replicaId);
    if (replica === undefined) {
      replica = { replicaId, logEndOffset: -1, lastFetchTick: this.now, lastCaughtUpTick: -1 };
      this.replicas.set(replicaId, replica);
    }
    return replica;
  }

  /** The high watermark is the largest offset a majority of voters holds, once it reaches into this epoch. */
  private maybeAdvanceHighWatermark(): void {
    const self = this.replicas.get(this.nodeId);
    if (self !== undefined) self.logEndOffset = this.log.stableEndOffset;
    const offsets = this.voters.map((v) => this.replicas.get(v)?.logEndOffset ?? -1).sort((a, b) => b - a);
    const majorityOffset = offsets[Math.floor(this.voters.length / 2)]!;
    if (majorityOffset > this.epochStartOffset && majorityOffset > this.highWatermarkValue) {
      this.highWatermarkValue = majorityOffset;
      this.answerParkedFetches(false);
    }
  }

  private onFetchSnapshotRequest(message: RaftMessage, request: FetchSnapshotRequest): void {
    const snapshot = this.latestSnapshot;
    const found =
      this.roleValue === RaftRole.leader &&
      request.currentLeaderEpoch === this.quorum.epoch &&
      snapshot !== undefined &&
      sameSnapshotId(snapshot.id, request.snapshotId);
    if (this.roleValue === RaftRole.leader && request.currentLeaderEpoch === this.quorum.epoch) this.replicaState(request.replicaId).lastFetchTick = this.now;
    const size = found ? snapshot.data.length : 0;
    const errorCode =
      this.roleValue !== RaftRole.leader
        ? RaftErrorCode.notLeaderOrFollower
        : request.currentLeaderEpoch !== this.quorum.epoch
          ? RaftErrorCode.fencedLeaderEpoch
          : !found
            ? RaftErrorCode.snapshotNotFound
            : request.position < 0 || request.position > size
              ? RaftErrorCode.positionOutOfRange
              : RaftErrorCode.none;
    // At least one byte per answer, whatever MaxBytes says, so a fetch always moves on.
    const piece = errorCode === RaftErrorCode.none ? snapshot!.data.subarray(request.position, request.position + Math.max(1, request.maxBytes)) : new Uint8Array(0);
    this.reply(message, {
      type: 'FetchSnapshotResponse',
      errorCode,
      currentLeader: this.currentLeader(),
      snapshotId: request.snapshotId,
      size,
      position: errorCode === RaftErrorCode.none ? request.position : 0,
      unalignedRecords: piece,
    });
  }

  // ---- following ----

  private fetchRequest(): FetchRequest {
    return {
      type: 'FetchRequest',
      replicaId: this.nodeId,
      currentLeaderEpoch: this.quorum.epoch,
      fetchOffset: this.log.endOffset,
      lastFetchedEpoch: this.log.lastEpoch,
      maxEntries: this.config.maxFetchEntries,
    };
  }

  private sendFetch(): void {
    const leader = this.quorum.leaderId;
    if (leader === noLeader || leader === this.nodeId) return;
    // A fetch not sent yet is superseded: its claim about this log may no longer hold.
    this.outbox = this.outbox.filter((m) => !isFetch(m.body));
    const body: RaftMessageBody =
      this.fetchingSnapshot !== undefined
        ? {
            type: 'FetchSnapshotRequest',
            replicaId: this.nodeId,
            currentLeaderEpoch: this.quorum.epoch,
            snapshotId: this.fetchingSnapshot.id,
            position: this.fetchingSnapshot.position,
            maxBytes: this.config.maxSnapshotFetchBytes,
          }
        : this.fetchRequest();
    this.inflight = { correlationId: this.send(leader, body), sentTick: this.now, to: leader };
  }

  private heardFromLeader(): void {
    this.lastLeaderContactTick = this.now;
    this.fetchDeadline = this.now + this.config.fetchTimeoutTicks;
  }

  /** True when the response answers the request in flight (late, duplicated or stray ones do not). */
  private takeInflight(message: RaftMessage): boolean {
    if (this.inflight === undefined || this.inflight.correlationId !== message.correlationId || this.inflight.to !== message.from) return false;
    this.inflight = undefined;
    return true;
  }

  private onFetchResponse(message: RaftMessage, response: FetchResponse): void {
    if (!this.takeInflight(message)) return;
    if (this.observeLeader(response.currentLeader)) return;
    if (this.roleValue !== RaftRole.follower || response.currentLeader.leaderId !== message.from || response.errorCode !== RaftErrorCode.none) {
      this.nextFetchTick = this.now + 1;
      return;
    }
    this.heardFromLeader();
    if (response.divergingEpoch !== undefined) {
      const local = this.log.endOffsetForEpoch(response.divergingEpoch.epoch);
      const truncateTo = Math.min(response.divergingEpoch.endOffset, local?.endOffset ?? this.log.logStartOffset);
      // Committed entries are never truncated, whatever an answer says.
      if (truncateTo < this.highWatermarkValue || truncateTo < this.log.logStartOffset) {
        this.nextFetchTick = this.now + 1;
        return;
      }
      this.log.truncateTo(truncateTo);
      this.sendFetch();
      return;
    }
    if (response.snapshotId !== undefined) {
      this.fetchingSnapshot = { id: response.snapshotId, size: -1, position: 0, pieces: [] };
      this.sendFetch();
      return;
    }
    if (!this.continuesLog(response.records, response.currentLeader.leaderEpoch)) {
      // Not a continuation of this log (a confused or corrupt answer): ignore it and ask again.
      this.nextFetchTick = this.now + 1;
      return;
    }
    for (const entry of response.records) this.log.append(entry);
    this.highWatermarkValue = Math.max(this.highWatermarkValue, Math.min(response.highWatermark, this.log.endOffset));
    // The leader parks a fetch that has nothing new, so asking again at once does not spin.
    this.sendFetch();
  }

  /** Entries that start at the log end, have consecutive offsets and non-decreasing epochs up to the leader's. */
  private continuesLog(records: readonly Entry[], leaderEpoch: number): boolean {
    let offset = this.log.endOffset;
    let epoch = this.log.lastEpoch;
    for (const entry of records) {
      if (entry.offset !== offset || entry.epoch < epoch || entry.epoch > leaderEpoch) return false;
      offset++;
      epoch = entry.epoch;
    }
    return true;
  }

  private onFetchSnapshotResponse(message: RaftMessage, response: FetchSnapshotResponse): void {
    const fetching = this.fetchingSnapshot;
    if (!this.takeInflight(message)) return;
    // Anything but the next piece of the snapshot asked for drops the pieces so far: the next
    // Fetch names the leader's snapshot again and this follower starts over from position 0.
    this.fetchingSnapshot = undefined;
    if (fetching === undefined || !sameSnapshotId(fetching.id, response.snapshotId)) {
      this.nextFetchTick = this.now + 1;
      return;
    }
    if (this.observeLeader(response.currentLeader)) return;
    if (this.roleValue !== RaftRole.follower || response.errorCode !== RaftErrorCode.none) {
      this.nextFetchTick = this.now + 1;
      return;
    }
    this.heardFromLeader();
    const piece = response.unalignedRecords;
    const end = response.position + piece.length;
    const consistent =
      response.position === fetching.position &&
      (fetching.size < 0 || response.size === fetching.size) &&
      end <= response.size &&
      (piece.length > 0 || end === response.size);
    if (!consistent || response.snapshotId.endOffset < this.highWatermarkValue) {
      this.nextFetchTick = this.now + 1;
      return;
    }
    fetching.pieces.push(piece);
    fetching.position = end;
    fetching.size = response.size;
    this.fetchingSnapshot = fetching;
    if (end < response.size) {
      this.sendFetch();
      return;
    }
    this.fetchingSnapshot = undefined;
    const snapshot: Snapshot = { id: response.snapshotId, data: concatPieces(fetching.pieces, fetching.size) };
    if (this.config.isValidSnapshot?.(snapshot.data) === false) {
      this.nextFetchTick = this.now + 1;
      return;
    }
    this.log.installSnapshot(snapshot);
    this.snapshotToApply = snapshot;
    this.highWatermarkValue = snapshot.id.endOffset;
    this.sendFetch();
  }

  // ---- plumbing ----

  private send(to: number, body: RaftMessageBody): number {
    const correlationId = this.nextCorrelationId++;
    this.outbox.push({ from: this.nodeId, to, correlationId, body });
    return correlationId;
  }

  private reply(request: RaftMessage, body: RaftMessageBody): void {
    this.outbox.push({ from: this.nodeId, to: request.from, correlationId: request.correlationId, body });
  }

  private assertNoReadyOutstanding(): void {
    if (this.readyOutstanding) throw new Error('call advance(ready) before stepping the node again');
  }
}

function sameSnapshotId(a: SnapshotId, b: SnapshotId): boolean {
  return a.endOffset === b.endOffset && a.epoch === b.epoch;
}

function concatPieces(pieces: readonly Uint8Array[], size: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const data = new Uint8Array(size);
  let position = 0;
  for (const piece of pieces) {
    data.set(piece, position);
    position += piece.length;
  }
  return data;
}
