/**
 * The classic group coordinator of one __consumer_offsets partition, as a pure
 * state machine in the shape of Kafka's GroupMetadataManager and
 * OffsetMetadataManager: every handler takes the request and `nowMs` and
 * returns `{ records, replies }`. JoinGroup and SyncGroup may wait for the
 * rebalance: their replies then arrive in the result of a later call (another
 * member's request, or `poll(nowMs)` when a deadline passes). The runtime
 * calls `poll` at `nextDeadlineMs()`; nothing here reads a clock.
 *
 * Records: committed offsets change only by applying an OffsetCommit record,
 * the same code whether the handler just wrote it or `replay` loads it. Group
 * metadata records are snapshots of the live group taken after it changed
 * (Kafka's classic groups do the same, with replayRecords=false); `replay`
 * rebuilds groups from them when loading. Results come back already applied:
 * the runtime appends their records, then sends their replies, and reports
 * with `committedUpTo(lastWrittenMark())` when they are committed; until then
 * OffsetFetch shows the offsets as they were (Kafka reads offsets at the last
 * committed offset of the partition), so nothing that may still be lost is seen.
 * ListGroups and DescribeGroups see the groups that exist as of that write too
 * (Kafka reads its timeline map of groups at the committed offset); like
 * Kafka's classic groups, a listed group's state and members are its live ones.
 * "Committed" is whatever the runtime reports through `committedUpTo`: today
 * the append's acknowledgement, with replication the partition's high watermark.
 */
import { ClassicGroup, ClassicGroupMember, GroupState } from './classic-group.js';
import { coordinatorPartitionFor } from './coordinator-partition.js';
import { ErrorCode } from './error-codes.js';
import type {
  CoordinatorResult,
  DescribedGroup,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  ListGroupsRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetDeleteRequest,
  OffsetFetchRequest,
  OffsetFetchResponse,
  RequestRef,
  SyncGroupRequest,
  SyncGroupResponse,
  TxnOffsetCommitRequest,
} from './group-api.js';
import type { GroupCoordinatorRecord, OffsetCommitValue } from './group-records.js';
import { PendingTransactionalOffsets } from './transactional-offsets.js';

export interface GroupCoordinatorConfig {
  /** The __consumer_offsets partition this coordinator owns. */
  partition: number;
  offsetsTopicNumPartitions: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupInitialRebalanceDelayMs: number;
  groupMaxSize: number;
  /** How long a new member may take to finish joining (Kafka's fixed 5 minutes). */
  groupNewMemberJoinTimeoutMs: number;
  offsetMetadataMaxBytes: number;
  offsetsRetentionMs: number;
  offsetsRetentionCheckIntervalMs: number;
  /** The random part of new member ids (Kafka: a UUID); injected to keep the core deterministic. */
  memberIdSuffix: () => string;
}

/** Kafka's defaults (group.* and offsets.* broker settings). */
export const defaultGroupCoordinatorConfig: Omit<GroupCoordinatorConfig, 'partition' | 'memberIdSuffix'> = {
  offsetsTopicNumPartitions: 50,
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3_000,
  groupMaxSize: 0x7fff_ffff,
  groupNewMemberJoinTimeoutMs: 300_000,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
};

interface Timer {
  deadlineMs: number;
  seq: number;
  fire: (nowMs: number, out: CoordinatorResult) => void;
}

export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  expireTimestampMs: number;
}

type Offsets = Map<string, Map<number, CommittedOffset>>;

/** An offset with writes not committed yet: OffsetFetch shows `readable` meanwhile. */
interface UncommittedOffset {
  /** The value as of the last committed write; undefined when there is none (or it was deleted). */
  readable: CommittedOffset | undefined;
  /** The writes not committed yet, oldest first; undefined deletes the offset. */
  readonly writes: Array<{ mark: number; value: CommittedOffset | undefined }>;
}

const EMPTY_BYTES = new Uint8Array(0);
const OFFSET_EXPIRATION_KEY = 'offsets-expiration';

function newResult(): CoordinatorResult {
  return { records: [], replies: [] };
}

function joinError(memberId: string, errorCode: number): JoinGroupResponse {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

function syncError(errorCode: number): SyncGroupResponse {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export class GroupCoordinator {
  private readonly groups = new Map<string, ClassicGroup>();
  private readonly offsets = new Map<string, Offsets>();
  /** group -> topic -> partition: offsets written but not yet committed. */
  private readonly uncommitted = new Map<string, Map<string, Map<number, UncommittedOffset>>>();
  /** The groups as of the last committed write: what ListGroups and DescribeGroups see. */
  private readonly committedGroups = new Map<string, ClassicGroup>();
  /** Groups created or deleted by writes not committed yet, oldest first (undefined: deleted). */
  private readonly groupWrites: Array<{ mark: number; groupId: string; group: ClassicGroup | undefined }> = [];
  /** Counts the offset writes and group creations/deletions handed out since completeLoad. */
  private writeMark = 0;
  private readonly timers = new Map<string, Timer>();
  private timerSeq = 0;
  private loading = true;
  /** TxnOffsetCommit offsets waiting for their transaction's marker. */
  private readonly pendingTransactional = new PendingTransactionalOffsets();

  constructor(readonly config: GroupCoordinatorConfig) {}

  // ---- loading ------------------------------------------------------------

  /**
   * Loads one record of this partition, in log order, before completeLoad.
   * Records returned by handlers are already applied: replaying them again
   * would be a programmer error, so it is refused.
   */
  replay(record: GroupCoordinatorRecord): void {
    if (!this.loading) throw new Error('replay after completeLoad: handler results are already applied');
    this.apply(record);
  }

  /** The only way state changes from a record: offsets always, groups when loading. */
  private apply(record: GroupCoordinatorRecord): void {
    if (record.type === 'OffsetCommit') {
      const { group: groupId, topic, partition } = record.key;
      // Loaded records are committed already; a handler's are not until the runtime says so.
      if (!this.loading) this.trackWrite(groupId, topic, partition, record.value === null ? undefined : toCommittedOffset(record.value));
      this.storeOffset(groupId, topic, partition, record.value);
      return;
    }
    const groupId = record.key.group;
    if (record.value === null) {
      this.setGroup(groupId, undefined);
      this.offsets.delete(groupId);
      return;
    }
    this.setGroup(groupId, ClassicGroup.fromRecordValue(groupId, record.value));
  }

  private storeOffset(groupId: string, topic: string, partition: number, value: OffsetCommitValue | null): void {
    if (value === null) {
      const byTopic = this.offsets.get(groupId);
      byTopic?.get(topic)?.delete(partition);
      if (byTopic?.get(topic)?.size === 0) byTopic.delete(topic);
      if (byTopic?.size === 0) this.offsets.delete(groupId);
      return;
    }
    // Offsets committed outside group management create a simple group, as in Kafka.
    if (!this.groups.has(groupId)) this.setGroup(groupId, new ClassicGroup(groupId));
    let byTopic = this.offsets.get(groupId);
    if (byTopic === undefined) this.offsets.set(groupId, (byTopic = new Map()));
    let byPartition = byTopic.get(topic);
    if (byPartition === undefined) byTopic.set(topic, (byPartition = new Map()));
    byPartition.set(partition, toCommittedOffset(value));
  }

  /** Loads an OffsetCommit record of a transactional batch: pending until the producer's marker follows. */
  replayTransactional(producerId: bigint, record: GroupCoordinatorRecord): void {
    if (!this.loading) throw new Error('replayTransactional after completeLoad');
    if (record.type === 'OffsetCommit' && record.value !== null) this.pendingTransactional.add(producerId, { ...record.key, value: record.value });
  }

  /**
   * The producer's transaction marker is on this partition (written and
   * committed, or met while loading): a commit makes its pending offsets the
   * committed ones, readable at once (the marker is their commit); an abort
   * drops them.
   */
  completeTransaction(producerId: bigint, committed: boolean): void {
    for (const { group, topic, partition, value } of this.pendingTransactional.take(producerId)) {
      if (!committed) continue;
      this.storeOffset(group, topic, partition, value);
      const pending = this.uncommitted.get(group)?.get(topic)?.get(partition);
      // Non-transactional writes still in flight keep theirs; the readable value is now the transaction's.
      if (pending !== undefined) pending.readable = toCommittedOffset(value);
    }
  }

  /**
   * TxnOffsetCommit: the group checks the member as for OffsetCommit (KIP-447)
   * unless the producer commits from outside the group (-1 / '' / null, as
   * producers before KIP-447 and admin tools do); the offsets are written in
   * the producer's transactional batch and become visible with its commit marker.
   */
  txnOffsetCommit(ref: RequestRef, request: TxnOffsetCommitRequest, nowMs: number): CoordinatorResult {
    const out: CoordinatorResult = { ...newResult(), transactional: { producerId: request.producerId, producerEpoch: request.producerEpoch } };
    const reply = (codeFor: (metadata: string | null) => number): CoordinatorResult => {
      const topics = request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeFor(p.committedMetadata) })) }));
      out.replies.push({ to: ref, api: 'TxnOffsetCommit', response: { topics } });
      return out;
    };
    const outsideGroup = request.generationId < 0 && request.memberId === '' && request.groupInstanceId === null;
    let errorCode: number;
    if (outsideGroup) {
      errorCode = request.groupId === '' ? ErrorCode.INVALID_GROUP_ID : this.guard(request.groupId);
      if (errorCode === ErrorCode.NONE && this.groups.get(request.groupId)?.state === GroupState.Dead) errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    } else {
      errorCode = this.validateOffsetCommit({ groupId: request.groupId, generationIdOrMemberEpoch: request.generationId, memberId: request.memberId, groupInstanceId: request.groupInstanceId, retentionTimeMs: -1, topics: request.topics });
    }
    if (errorCode !== ErrorCode.NONE) return reply(() => errorCode);
    if (!this.groups.has(request.groupId)) this.setGroup(request.groupId, new ClassicGroup(request.groupId));
    const tooLarge = (metadata: string | null): boolean => (metadata ?? '').length > this.config.offsetMetadataMaxBytes;
    for (const topic of request.topics) {
      for (const p of topic.partitions) {
        if (tooLarge(p.committedMetadata)) continue;
        const key = { group: request.groupId, topic: topic.name, partition: p.partitionIndex };
        const value: OffsetCommitValue = { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata ?? '', commitTimestamp: BigInt(nowMs), expireTimestamp: -1n };
        out.records.push({ type: 'OffsetCommit', key, value });
        this.pendingTransactional.add(request.producerId, { ...key, value });
      }
    }
    return reply((metadata) => (tooLarge(metadata) ? ErrorCode.OFFSET_METADATA_TOO_LARGE : ErrorCode.NONE));
  }

  /**
   * Ends loading: members of loaded groups must heartbeat within their session
   * timeout from now. A group larger than group.max.size (the setting changed)
   * rebalances, so that the members who rejoin first keep their place.
   */
  completeLoad(nowMs: number): CoordinatorResult {
    const out = newResult();
    this.loading = false;
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) this.scheduleHeartbeat(group, member.memberId, member.sessionTimeoutMs, nowMs);
      if (group.members.size > this.config.groupMaxSize) this.prepareRebalance(group, nowMs, out);
    }
    this.schedule(OFFSET_EXPIRATION_KEY, nowMs + this.config.offsetsRetentionCheckIntervalMs, (now, o) => this.expireOffsets(now, o));
    return out;
  }

  // ---- commits of the partition -------------------------------------------

  /** A mark of the writes handed out so far: pass it to `committedUpTo` once their records are committed. */
  lastWrittenMark(): number {
    return this.writeMark;
  }

  /** The records of the writes up to `mark` are committed (the high watermark passed them): OffsetFetch shows them from now on. */
  committedUpTo(mark: number): void {
    while (this.groupWrites[0] !== undefined && this.groupWrites[0].mark <= mark) {
      const { groupId, group } = this.groupWrites.shift()!;
      if (group === undefined) this.committedGroups.delete(groupId);
      else this.committedGroups.set(groupId, group);
    }
    for (const [groupId, byTopic] of this.uncommitted) {
      for (const [topic, byPartition] of byTopic) {
        for (const [partition, pending] of byPartition) {
          while (pending.writes[0] !== undefined && pending.writes[0].mark <= mark) pending.readable = pending.writes.shift()!.value;
          if (pending.writes.length === 0) byPartition.delete(partition);
        }
        if (byPartition.size === 0) byTopic.delete(topic);
      }
      if (byTopic.size === 0) this.uncommitted.delete(groupId);
    }
  }

  /** A group appears or goes: at once for the handlers, for readers once the write that made it is committed. */
  private setGroup(groupId: string, group: ClassicGroup | undefined): void {
    if (group === undefined) this.groups.delete(groupId);
    else this.groups.set(groupId, group);
    if (this.loading) {
      if (group === undefined) this.committedGroups.delete(groupId);
      else this.committedGroups.set(groupId, group);
      return;
    }
    this.writeMark += 1;
    this.groupWrites.push({ mark: this.writeMark, groupId, group });
  }

  /** Before an offset changes: OffsetFetch keeps showing the committed value until the runtime reports this write committed. */
  private trackWrite(groupId: string, topic: string, partition: number, value: CommittedOffset | undefined): void {
    this.writeMark += 1;
    let byTopic = this.uncommitted.get(groupId);
    if (byTopic === undefined) this.uncommitted.set(groupId, (byTopic = new Map()));
    let byPartition = byTopic.get(topic);
    if (byPartition === undefined) byTopic.set(topic, (byPartition = new Map()));
    let pending = byPartition.get(partition);
    if (pending === undefined) byPartition.set(partition, (pending = { readable: this.offsets.get(groupId)?.get(topic)?.get(partition), writes: [] }));
    pending.writes.push({ mark: this.writeMark, value });
  }

  /** The group's offsets as far as they are committed. */
  private readableOffsets(groupId: string): Offsets {
    const latest = this.offsets.get(groupId) ?? new Map<string, Map<number, CommittedOffset>>();
    const pendingByTopic = this.uncommitted.get(groupId);
    if (pendingByTopic === undefined) return latest;
    const view: Offsets = new Map([...latest].map(([topic, byPartition]) => [topic, new Map(byPartition)]));
    for (const [topic, pendingByPartition] of pendingByTopic) {
      let byPartition = view.get(topic);
      if (byPartition === undefined) view.set(topic, (byPartition = new Map()));
      for (const [partition, { readable }] of pendingByPartition) {
        if (readable === undefined) byPartition.delete(partition);
        else byPartition.set(partition, readable);
      }
      if (byPartition.size === 0) view.delete(topic);
    }
    return view;
  }

  // ---- timers -------------------------------------------------------------

  /** The earliest deadline the runtime must call `poll` at, or null when nothing is pending. */
  nextDeadlineMs(): number | null {
    let next: number | null = null;
    for (const timer of this.timers.values()) if (next === null || timer.deadlineMs < next) next = timer.deadlineMs;
    return next;
  }

  /**
   * Fires every deadline at or before nowMs, oldest first. The runtime calls it
   * at nextDeadlineMs() and before handling a request that arrives later.
   */
  poll(nowMs: number): CoordinatorResult {
    const out = newResult();
    for (;;) {
      let dueKey: string | null = null;
      let due: Timer | null = null;
      for (const [key, timer] of this.timers) {
        if (timer.deadlineMs > nowMs) continue;
        if (due === null || timer.deadlineMs < due.deadlineMs || (timer.deadlineMs === due.deadlineMs && timer.seq < due.seq)) [dueKey, due] = [key, timer];
      }
      if (due === null || dueKey === null) return out;
      this.timers.delete(dueKey);
      // A timer acts at its own deadline, so a late poll does not shift the deadlines it schedules.
      due.fire(due.deadlineMs, out);
    }
  }

  private schedule(key: string, deadlineMs: number, fire: Timer['fire']): void {
    this.timers.set(key, { deadlineMs, seq: this.timerSeq++, fire });
  }

  private cancel(key: string): void {
    this.timers.delete(key);
  }

  private heartbeatKey(groupId: string, memberId: string): string {
    return `heartbeat/${groupId}/${memberId}`;
  }

  private scheduleHeartbeat(group: ClassicGroup, memberId: string, timeoutMs: number, nowMs: number): void {
    this.schedule(this.heartbeatKey(group.groupId, memberId), nowMs + timeoutMs, (now, out) => this.onHeartbeatExpired(group, memberId, now, out));
  }

  private onHeartbeatExpired(group: ClassicGroup, memberId: string, nowMs: number, out: CoordinatorResult): void {
    if (group.state === GroupState.Dead) return;
    if (group.pendingJoinMembers.delete(memberId)) {
      this.maybeCompleteJoinPhase(group, nowMs, out);
      return;
    }
    const member = group.members.get(memberId);
    if (member !== undefined && !member.hasSatisfiedHeartbeat()) this.removeMemberAndUpdateGroup(group, member, nowMs, out);
  }

  // ---- request guards -----------------------------------------------------

  /** COORDINATOR_LOAD_IN_PROGRESS while loading, NOT_COORDINATOR for groups of other partitions. */
  private guard(groupId: string): number {
    if (coordinatorPartitionFor(groupId, this.config.offsetsTopicNumPartitions) !== this.config.partition) return ErrorCode.NOT_COORDINATOR;
    if (this.loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  // ---- JoinGroup ----------------------------------------------------------

  joinGroup(ref: RequestRef, request: JoinGroupRequest, nowMs: number): CoordinatorResult {
    const out = newResult();
    const fail = (errorCode: number, memberId = request.memberId): CoordinatorResult => {
      out.replies.push({ to: ref, api: 'JoinGroup', response: joinError(memberId, errorCode) });
      return out;
    };
    if (request.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const guardError = this.guard(request.groupId);
    if (guardError !== ErrorCode.NONE) return fail(guardError);
    if (request.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs || request.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    let group = this.groups.get(request.groupId);
    const isNewGroup = group === undefined;
    if (group === undefined) {
      if (request.memberId !== '') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      group = new ClassicGroup(request.groupId);
    }
    if (group.state === GroupState.Dead) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!group.supportsProtocols(request.protocolType, request.protocols)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    if (!this.acceptJoiningMember(group, request.memberId)) {
      const refused = group.members.get(request.memberId);
      if (refused !== undefined) {
        // A member over the limit loses its place; those who rejoined need not wait for it.
        this.removeMember(group, refused, out);
        this.maybeCompleteJoinPhase(group, nowMs, out);
      }
      return fail(ErrorCode.GROUP_MAX_SIZE_REACHED, '');
    }
    if (isNewGroup) this.setGroup(group.groupId, group);
    if (request.memberId === '') this.joinNewMember(ref, group, request, nowMs, out);
    else this.joinExistingMember(ref, group, request, nowMs, out);
    // A group created by this join is persisted at once, as Kafka does.
    if (isNewGroup && out.records.length === 0) out.records.push(this.emptyGroupRecord(group, nowMs));
    return out;
  }

  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case GroupState.Empty:
      case GroupState.Dead:
        return true;
      case GroupState.PreparingRebalance:
        // The size limit is enforced on those awaiting the join, which is what the next generation will hold.
        return group.members.get(memberId)?.awaitingJoin != null || group.numAwaitingJoin() < this.config.groupMaxSize;
      case GroupState.CompletingRebalance:
      case GroupState.Stable:
        return group.members.has(memberId) || group.members.size < this.config.groupMaxSize;
    }
  }

  private joinNewMember(ref: RequestRef, group: ClassicGroup, request: JoinGroupRequest, nowMs: number, out: CoordinatorResult): void {
    const newMemberId = `${request.groupInstanceId ?? request.clientId}-${this.config.memberIdSuffix()}`;
    if (request.groupInstanceId !== null) {
      const existingMemberId = group.staticMembers.get(request.groupInstanceId);
      if (existingMemberId === undefined) this.addMemberThenRebalanceOrCompleteJoin(ref, group, request, newMemberId, nowMs, out);
      else this.updateStaticMemberThenRebalanceOrCompleteJoin(ref, group, request, existingMemberId, newMemberId, nowMs, out);
    } else if (request.requireKnownMemberId) {
      // KIP-394: hand out the id first, so that a client retrying its join does not leave ghost members behind.
      group.pendingJoinMembers.add(newMemberId);
      this.scheduleHeartbeat(group, newMemberId, request.sessionTimeoutMs, nowMs);
      out.replies.push({ to: ref, api: 'JoinGroup', response: joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED) });
    } else {
      this.addMemberThenRebalanceOrCompleteJoin(ref, group, request, newMemberId, nowMs, out);
    }
  }

  private joinExistingMember(ref: RequestRef, group: ClassicGroup, request: JoinGroupRequest, nowMs: number, out: CoordinatorResult): void {
    const { memberId } = request;
    if (group.pendingJoinMembers.delete(memberId)) {
      this.addMemberThenRebalanceOrCompleteJoin(ref, group, request, memberId, nowMs, out);
      return;
    }
    const fail = (errorCode: number) => out.replies.push({ to: ref, api: 'JoinGroup', response: joinError(memberId, errorCode) });
    if (group.isStaticMemberFenced(request.groupInstanceId, memberId)) return void fail(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.members.get(memberId);
    if (member === undefined) return void fail(ErrorCode.UNKNOWN_MEMBER_ID);
    switch (group.state) {
      case GroupState.PreparingRebalance:
        this.updateMemberThenRebalanceOrCompleteJoin(ref, group, member, request, nowMs, out);
        return;
      case GroupState.CompletingRebalance:
        // A member that lost its join response gets it again, unless it changed its protocols.
        if (member.matches(request.protocols)) this.replyCurrentGeneration(ref, group, member, false, out);
        else this.updateMemberThenRebalanceOrCompleteJoin(ref, group, member, request, nowMs, out);
        return;
      case GroupState.Stable:
        // The leader's rejoin means "please rebalance"; a follower's unchanged rejoin does not.
        if (group.isLeader(memberId) || !member.matches(request.protocols)) this.updateMemberThenRebalanceOrCompleteJoin(ref, group, member, request, nowMs, out);
        else this.replyCurrentGeneration(ref, group, member, false, out);
        return;
      case GroupState.Empty:
      case GroupState.Dead:
        fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  private replyCurrentGeneration(ref: RequestRef, group: ClassicGroup, member: ClassicGroupMember, skipAssignment: boolean, out: CoordinatorResult): void {
    const isLeader = group.isLeader(member.memberId);
    out.replies.push({
      to: ref,
      api: 'JoinGroup',
      response: {
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId ?? '',
        skipAssignment,
        memberId: member.memberId,
        members: isLeader ? group.currentMemberMetadata() : [],
      },
    });
  }

  private addMemberThenRebalanceOrCompleteJoin(ref: RequestRef, group: ClassicGroup, request: JoinGroupRequest, memberId: string, nowMs: number, out: CoordinatorResult): void {
    const rebalanceTimeoutMs = request.rebalanceTimeoutMs < 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs;
    const member = new ClassicGroupMember(memberId, request.groupInstanceId, request.clientId, request.clientHost, rebalanceTimeoutMs, request.sessionTimeoutMs, request.protocols);
    member.isNew = true;
    member.awaitingJoin = ref;
    // A join during the initial delay extends it (up to the rebalance timeout).
    if (group.state === GroupState.PreparingRebalance && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, request.protocolType);
    // New members cannot heartbeat before they get their join response: give them the new-member timeout instead.
    this.scheduleHeartbeat(group, memberId, this.config.groupNewMemberJoinTimeoutMs, nowMs);
    this.maybePrepareRebalanceOrCompleteJoin(group, nowMs, out);
  }

  private updateMemberThenRebalanceOrCompleteJoin(ref: RequestRef, group: ClassicGroup, member: ClassicGroupMember, request: JoinGroupRequest, nowMs: number, out: CoordinatorResult): void {
    this.updateMember(ref, member, request, out);
    this.maybePrepareRebalanceOrCompleteJoin(group, nowMs, out);
  }

  private updateMember(ref: RequestRef, member: ClassicGroupMember, request: JoinGroupRequest, out: CoordinatorResult): void {
    // One join per member at a time: an older one still waiting is told to retry.
    if (member.awaitingJoin !== null && member.awaitingJoin !== ref) {
      out.replies.push({ to: member.awaitingJoin, api: 'JoinGroup', response: joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS) });
    }
    member.supportedProtocols = request.protocols;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs < 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.awaitingJoin = ref;
  }

  private updateStaticMemberThenRebalanceOrCompleteJoin(
    ref: RequestRef,
    group: ClassicGroup,
    request: JoinGroupRequest,
    oldMemberId: string,
    newMemberId: string,
    nowMs: number,
    out: CoordinatorResult,
  ): void {
    const old = group.member(oldMemberId);
    // Whoever still waits under the old id is a duplicate of this instance: fence it.
    if (old.awaitingJoin !== null) out.replies.push({ to: old.awaitingJoin, api: 'JoinGroup', response: joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID) });
    if (old.awaitingSync !== null) out.replies.push({ to: old.awaitingSync, api: 'SyncGroup', response: syncError(ErrorCode.FENCED_INSTANCE_ID) });
    const member = group.replaceStaticMember(oldMemberId, newMemberId);
    this.cancel(this.heartbeatKey(group.groupId, oldMemberId));
    this.scheduleHeartbeat(group, newMemberId, request.sessionTimeoutMs, nowMs);
    this.updateMember(ref, member, request, out);
    switch (group.state) {
      case GroupState.Stable:
        // Same selected protocol: the restarted instance keeps its assignment and nobody else rebalances.
        if (group.protocolName === group.selectProtocol()) {
          member.awaitingJoin = null;
          out.records.push(this.groupRecord(group));
          this.replyCurrentGeneration(ref, group, member, group.isLeader(newMemberId), out);
        } else {
          this.prepareRebalance(group, nowMs, out);
        }
        return;
      case GroupState.CompletingRebalance:
        // The leader may be assigning to the old id: start over so the new id gets its share.
        this.prepareRebalance(group, nowMs, out);
        return;
      case GroupState.PreparingRebalance:
        this.maybeCompleteJoinPhase(group, nowMs, out);
        return;
      case GroupState.Empty:
      case GroupState.Dead:
        throw new Error(`group ${group.groupId} in state ${group.state} has static member ${oldMemberId}`);
    }
  }

  private maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup, nowMs: number, out: CoordinatorResult): void {
    if (group.canRebalance()) this.prepareRebalance(group, nowMs, out);
    else this.maybeCompleteJoinPhase(group, nowMs, out);
  }

  private joinKey(groupId: string): string {
    return `join/${groupId}`;
  }

  private syncKey(groupId: string): string {
    return `sync/${groupId}`;
  }

  private prepareRebalance(group: ClassicGroup, nowMs: number, out: CoordinatorResult): void {
    if (group.state === GroupState.CompletingRebalance) this.resetAndPropagateAssignmentWithError(group, ErrorCode.REBALANCE_IN_PROGRESS, nowMs, out);
    this.cancel(this.syncKey(group.groupId));
    const isInitialRebalance = group.state === GroupState.Empty;
    if (isInitialRebalance) {
      const delayMs = this.config.groupInitialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.scheduleInitialRebalance(group, nowMs, delayMs, remainingMs);
    }
    group.transitionTo(GroupState.PreparingRebalance, nowMs);
    // The initial rebalance always waits its delay, so that a starting group forms in one generation.
    if (!isInitialRebalance) this.maybeCompleteJoinElseSchedule(group, nowMs, out);
  }

  private scheduleInitialRebalance(group: ClassicGroup, nowMs: number, delayMs: number, remainingMs: number): void {
    this.schedule(this.joinKey(group.groupId), nowMs + delayMs, (now, out) => {
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const nextDelayMs = Math.min(this.config.groupInitialRebalanceDelayMs, remainingMs);
        this.scheduleInitialRebalance(group, now, nextDelayMs, Math.max(remainingMs - delayMs, 0));
      } else {
        this.completeJoin(group, now, out);
      }
    });
  }

  private maybeCompleteJoinElseSchedule(group: ClassicGroup, nowMs: number, out: CoordinatorResult): void {
    if (group.state === GroupState.PreparingRebalance && group.hasAllMembersJoined()) {
      this.completeJoin(group, nowMs, out);
    } else {
      this.schedule(this.joinKey(group.groupId), nowMs + group.rebalanceTimeoutMs(), (now, o) => this.completeJoin(group, now, o));
    }
  }

  private maybeCompleteJoinPhase(group: ClassicGroup, nowMs: number, out: CoordinatorResult): void {
    if (group.state === GroupState.PreparingRebalance && group.hasAllMembersJoined() && group.previousState !== GroupState.Empty) {
      this.completeJoin(group, nowMs, out);
    }
  }

  private completeJoin(group: ClassicGroup, nowMs: number, out: CoordinatorResult): void {
    this.cancel(this.joinKey(group.groupId));
    if (group.state !== GroupState.PreparingRebalance) return;
    // Dynamic members that did not rejoin in time are gone; static ones keep their place.
    for (const member of [...group.members.values()]) {
      if (member.awaitingJoin === null && member.groupInstanceId === null) {
        group.remove(member.memberId);
        this.cancel(this.heartbeatKey(group.groupId, member.memberId));
      }
    }
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      // Nobody rejoined: wait another round; session timeouts will clear out the silent members.
      this.schedule(this.joinKey(group.groupId), nowMs + group.rebalanceTimeoutMs(), (now, o) => this.completeJoin(group, now, o));
      return;
    }
    group.initNextGeneration(nowMs);
    if (group.members.size === 0) {
      out.records.push(this.groupRecord(group));
      return;
    }
    for (const member of group.members.values()) {
      if (member.awaitingJoin !== null) {
        this.replyCurrentGeneration(member.awaitingJoin, group, member, false, out);
        member.awaitingJoin = null;
      }
      member.isNew = false;
      this.scheduleHeartbeat(group, member.memberId, member.sessionTimeoutMs, nowMs);
    }
    const generationId = group.generationId;
    this.schedule(this.syncKey(group.groupId), nowMs + group.rebalanceTimeoutMs(), (now, o) => this.expirePendingSync(group, generationId, now, o));
  }

  /** Members that never sent SyncGroup within the rebalance timeout are removed, and the group rebalances. */
  private expirePendingSync(group: ClassicGroup, generationId: number, nowMs: number, out: CoordinatorResult): void {
    if (generationId !== group.generationId) return;
    if (group.state !== GroupState.CompletingRebalance && group.state !== GroupState.Stable) return;
    if (group.pendingSyncMembers.size === 0) return;
    for (const memberId of [...group.pendingSyncMembers]) {
      const member = group.members.get(memberId);
      if (member?.awaitingSync != null) out.replies.push({ to: member.awaitingSync, api: 'SyncGroup', response: syncError(ErrorCode.UNKNOWN_MEMBER_ID) });
      group.remove(memberId);
      this.cancel(this.heartbeatKey(group.groupId, memberId));
    }
    this.prepareRebalance(group, nowMs, out);
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember, nowMs: number, out: CoordinatorResult): void {
    this.removeMember(group, member, out);
    if (group.state === GroupState.Stable || group.state === GroupState.CompletingRebalance) this.maybePrepareRebalanceOrCompleteJoin(group, nowMs, out);
    else if (group.state === GroupState.PreparingRebalance) this.maybeCompleteJoinPhase(group, nowMs, out);
  }

  /** Removes a member, answering any request it still has waiting with UNKNOWN_MEMBER_ID (so a live client rejoins). */
  private removeMember(group: ClassicGroup, member: ClassicGroupMember, out: CoordinatorResult): void {
    if (member.awaitingJoin !== null) out.replies.push({ to: member.awaitingJoin, api: 'JoinGroup', response: joinError('', ErrorCode.UNKNOWN_MEMBER_ID) });
    if (member.awaitingSync !== null) out.replies.push({ to: member.awaitingSync, api: 'SyncGroup', response: syncError(ErrorCode.UNKNOWN_MEMBER_ID) });
    member.awaitingJoin = null;
    member.awaitingSync = null;
    group.remove(member.memberId);
    this.cancel(this.heartbeatKey(group.groupId, member.memberId));
  }

  private resetAndPropagateAssignmentWithError(group: ClassicGroup, errorCode: number, nowMs: number, out: CoordinatorResult): void {
    for (const member of group.members.values()) member.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, errorCode, nowMs, out);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number, nowMs: number, out: CoordinatorResult): void {
    for (const member of group.members.values()) {
      if (member.awaitingSync !== null) {
        out.replies.push({
          to: member.awaitingSync,
          api: 'SyncGroup',
          response: { errorCode, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment },
        });
        member.awaitingSync = null;
        group.pendingSyncMembers.delete(member.memberId);
      }
      // Expirations were ignored while the member waited: it owes a heartbeat from now on.
      this.scheduleHeartbeat(group, member.memberId, member.sessionTimeoutMs, nowMs);
    }
  }

  // ---- SyncGroup ----------------------------------------------------------

  syncGroup(ref: RequestRef, request: SyncGroupRequest, nowMs: number): CoordinatorResult {
    const out = newResult();
    const fail = (errorCode: number): CoordinatorResult => {
      out.replies.push({ to: ref, api: 'SyncGroup', response: syncError(errorCode) });
      return out;
    };
    const guardError = this.guard(request.groupId);
    if (guardError !== ErrorCode.NONE) return fail(guardError);
    const group = this.groups.get(request.groupId);
    if (group === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.state === GroupState.Dead) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (group.isStaticMemberFenced(request.groupInstanceId, request.memberId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.members.get(request.memberId);
    if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (request.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if (request.protocolType !== null && request.protocolType !== group.protocolType) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    if (request.protocolName !== null && request.protocolName !== group.protocolName) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    switch (group.state) {
      case GroupState.Empty:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case GroupState.PreparingRebalance:
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case GroupState.CompletingRebalance: {
        if (member.awaitingSync !== null && member.awaitingSync !== ref) {
          out.replies.push({ to: member.awaitingSync, api: 'SyncGroup', response: syncError(ErrorCode.REBALANCE_IN_PROGRESS) });
        }
        member.awaitingSync = ref;
        group.pendingSyncMembers.delete(member.memberId);
        if (group.isLeader(member.memberId)) {
          // The leader's assignment: members it left out get an empty one; ids it invented are ignored.
          const assignments = new Map(request.assignments.map((a) => [a.memberId, a.assignment]));
          for (const m of group.members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY_BYTES;
          group.transitionTo(GroupState.Stable, nowMs);
          out.records.push(this.groupRecord(group));
          this.propagateAssignment(group, ErrorCode.NONE, nowMs, out);
        }
        return out;
      }
      case GroupState.Stable:
        group.pendingSyncMembers.delete(member.memberId);
        this.scheduleHeartbeat(group, member.memberId, member.sessionTimeoutMs, nowMs);
        out.replies.push({
          to: ref,
          api: 'SyncGroup',
          response: { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment },
        });
        return out;
    }
  }

  // ---- Heartbeat ----------------------------------------------------------

  heartbeat(ref: RequestRef, request: HeartbeatRequest, nowMs: number): CoordinatorResult {
    const out = newResult();
    const errorCode = this.heartbeatError(request, nowMs);
    out.replies.push({ to: ref, api: 'Heartbeat', response: { errorCode } });
    return out;
  }

  private heartbeatError(request: HeartbeatRequest, nowMs: number): number {
    const guardError = this.guard(request.groupId);
    if (guardError !== ErrorCode.NONE) return guardError;
    const group = this.groups.get(request.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.state === GroupState.Dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(request.groupInstanceId, request.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(request.memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (request.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case GroupState.Empty:
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case GroupState.PreparingRebalance:
        this.scheduleHeartbeat(group, member.memberId, member.sessionTimeoutMs, nowMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case GroupState.CompletingRebalance:
      case GroupState.Stable:
        this.scheduleHeartbeat(group, member.memberId, member.sessionTimeoutMs, nowMs);
        return ErrorCode.NONE;
    }
  }

  // ---- LeaveGroup ---------------------------------------------------------

  leaveGroup(ref: RequestRef, request: LeaveGroupRequest, nowMs: number): CoordinatorResult {
    const out = newResult();
    const reply = (errorCode: number, memberCodes: number[]): CoordinatorResult => {
      const members = request.members.map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: memberCodes[i] ?? errorCode }));
      out.replies.push({ to: ref, api: 'LeaveGroup', response: { errorCode, members } });
      return out;
    };
    const guardError = this.guard(request.groupId);
    if (guardError !== ErrorCode.NONE) return reply(guardError, []);
    const group = this.groups.get(request.groupId);
    if (group === undefined) return reply(ErrorCode.NONE, request.members.map(() => ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.state === GroupState.Dead) return reply(ErrorCode.COORDINATOR_NOT_AVAILABLE, []);
    let removedPending = false;
    let removedMember = false;
    const codes = request.members.map(({ memberId, groupInstanceId }) => {
      if (memberId === '') {
        // Static members may leave by instance id alone (e.g. kafka-consumer-groups --delete of a member).
        const staticMemberId = groupInstanceId === null ? undefined : group.staticMembers.get(groupInstanceId);
        if (staticMemberId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
        this.removeMember(group, group.member(staticMemberId), out);
        removedMember = true;
        return ErrorCode.NONE;
      }
      if (group.pendingJoinMembers.delete(memberId)) {
        this.cancel(this.heartbeatKey(group.groupId, memberId));
        removedPending = true;
        return ErrorCode.NONE;
      }
      if (group.isStaticMemberFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      const member = group.members.get(memberId);
      if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMember(group, member, out);
      removedMember = true;
      return ErrorCode.NONE;
    });
    if (removedMember && (group.state === GroupState.Stable || group.state === GroupState.CompletingRebalance)) {
      this.maybePrepareRebalanceOrCompleteJoin(group, nowMs, out);
    } else if (removedMember || removedPending) {
      this.maybeCompleteJoinPhase(group, nowMs, out);
    }
    return reply(ErrorCode.NONE, codes);
  }

  // ---- offsets ------------------------------------------------------------

  offsetCommit(ref: RequestRef, request: OffsetCommitRequest, nowMs: number): CoordinatorResult {
    const out = newResult();
    const reply = (codeFor: (topic: string, partition: { committedMetadata: string | null }) => number): CoordinatorResult => {
      const topics = request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeFor(t.name, p) })) }));
      out.replies.push({ to: ref, api: 'OffsetCommit', response: { topics } });
      return out;
    };
    const errorCode = this.validateOffsetCommit(request);
    if (errorCode !== ErrorCode.NONE) return reply(() => errorCode);
    const expireTimestamp = request.retentionTimeMs >= 0 ? nowMs + request.retentionTimeMs : -1;
    for (const topic of request.topics) {
      for (const p of topic.partitions) {
        const metadata = p.committedMetadata ?? '';
        if (metadata.length > this.config.offsetMetadataMaxBytes) continue;
        const record: GroupCoordinatorRecord = {
          type: 'OffsetCommit',
          key: { group: request.groupId, topic: topic.name, partition: p.partitionIndex },
          value: { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestamp: BigInt(nowMs), expireTimestamp: BigInt(expireTimestamp) },
        };
        out.records.push(record);
        this.apply(record);
      }
    }
    // A commit from a member proves it is alive, as a heartbeat would.
    const group = this.groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    if (group !== undefined && member !== undefined && (group.state === GroupState.Stable || group.state === GroupState.PreparingRebalance)) {
      this.scheduleHeartbeat(group, member.memberId, member.sessionTimeoutMs, nowMs);
    }
    return reply((_, p) => ((p.committedMetadata ?? '').length > this.config.offsetMetadataMaxBytes ? ErrorCode.OFFSET_METADATA_TOO_LARGE : ErrorCode.NONE));
  }

  private validateOffsetCommit(request: OffsetCommitRequest): number {
    if (request.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const guardError = this.guard(request.groupId);
    if (guardError !== ErrorCode.NONE) return guardError;
    let group = this.groups.get(request.groupId);
    if (group === undefined) {
      // Generation -1: a consumer outside group management (or an admin tool) may commit to a new, simple group.
      if (request.generationIdOrMemberEpoch >= 0) return ErrorCode.ILLEGAL_GENERATION;
      group = new ClassicGroup(request.groupId);
      this.setGroup(group.groupId, group);
    }
    if (group.state === GroupState.Dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (request.generationIdOrMemberEpoch < 0 && group.state === GroupState.Empty) return ErrorCode.NONE;
    if (request.generationIdOrMemberEpoch >= 0 || request.memberId !== '' || request.groupInstanceId !== null) {
      if (group.isStaticMemberFenced(request.groupInstanceId, request.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      if (!group.members.has(request.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (request.generationIdOrMemberEpoch !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (group.state !== GroupState.Empty) {
      // A commit without member and generation is only accepted while nobody consumes.
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    // The member got its generation but not its assignment yet: it must not commit for partitions it may lose.
    if (group.state === GroupState.CompletingRebalance) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  offsetFetch(request: OffsetFetchRequest): OffsetFetchResponse {
    const guardError = this.guard(request.groupId);
    if (guardError !== ErrorCode.NONE) return { errorCode: guardError, topics: [] };
    const byTopic = this.readableOffsets(request.groupId);
    const requested = request.topics ?? [...byTopic].map(([name, partitions]) => ({ name, partitionIndexes: [...partitions.keys()] }));
    const topics = requested.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const committed = byTopic.get(t.name)?.get(partitionIndex);
        if (request.requireStable === true && this.pendingTransactional.isPending(request.groupId, t.name, partitionIndex)) {
          return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
        }
        return committed === undefined
          ? { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE }
          : { partitionIndex, committedOffset: committed.offset, committedLeaderEpoch: committed.leaderEpoch, metadata: committed.metadata, errorCode: ErrorCode.NONE };
      }),
    }));
    return { errorCode: ErrorCode.NONE, topics };
  }

  offsetDelete(ref: RequestRef, request: OffsetDeleteRequest, _nowMs: number): CoordinatorResult {
    const out = newResult();
    const reply = (errorCode: number, codeFor: (topic: string) => number): CoordinatorResult => {
      const topics = errorCode !== ErrorCode.NONE ? [] : request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeFor(t.name) })) }));
      out.replies.push({ to: ref, api: 'OffsetDelete', response: { errorCode, topics } });
      return out;
    };
    const guardError = this.guard(request.groupId);
    if (guardError !== ErrorCode.NONE) return reply(guardError, () => guardError);
    const group = this.groups.get(request.groupId);
    if (group === undefined || group.state === GroupState.Dead) return reply(ErrorCode.GROUP_ID_NOT_FOUND, () => ErrorCode.NONE);
    // Only consumer-protocol groups can tell which topics are in use; other non-empty groups keep all offsets.
    if (group.state !== GroupState.Empty && group.protocolType !== 'consumer') return reply(ErrorCode.NON_EMPTY_GROUP, () => ErrorCode.NONE);
    const byTopic = this.offsets.get(request.groupId);
    for (const topic of request.topics) {
      if (group.isSubscribedToTopic(topic.name)) continue;
      for (const { partitionIndex } of topic.partitions) {
        if (byTopic?.get(topic.name)?.has(partitionIndex) !== true) continue;
        const record: GroupCoordinatorRecord = { type: 'OffsetCommit', key: { group: request.groupId, topic: topic.name, partition: partitionIndex }, value: null };
        out.records.push(record);
        this.apply(record);
      }
    }
    return reply(ErrorCode.NONE, (topic) => (group.isSubscribedToTopic(topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE));
  }

  /** offsets.retention.minutes: expire offsets of empty groups (and of topics a stable consumer group left), then empty groups with none. */
  private expireOffsets(nowMs: number, out: CoordinatorResult): void {
    for (const group of [...this.groups.values()]) {
      const baseTimestamp = this.expirationBase(group);
      const byTopic = this.offsets.get(group.groupId);
      if (baseTimestamp !== null && byTopic !== undefined) {
        for (const [topic, partitions] of [...byTopic]) {
          if (group.isSubscribedToTopic(topic)) continue;
          for (const [partition, committed] of [...partitions]) {
            const expired = committed.expireTimestampMs !== -1 ? nowMs >= committed.expireTimestampMs : nowMs - baseTimestamp(committed) >= this.config.offsetsRetentionMs;
            if (!expired) continue;
            const record: GroupCoordinatorRecord = { type: 'OffsetCommit', key: { group: group.groupId, topic, partition }, value: null };
            out.records.push(record);
            this.apply(record);
          }
        }
      }
      if (group.state === GroupState.Empty && !this.offsets.has(group.groupId)) this.deleteGroup(group, nowMs, out);
    }
    this.schedule(OFFSET_EXPIRATION_KEY, nowMs + this.config.offsetsRetentionCheckIntervalMs, (now, o) => this.expireOffsets(now, o));
  }

  /** Kafka's OffsetExpirationCondition for classic groups: what retention counts from, or null to keep everything. */
  private expirationBase(group: ClassicGroup): ((committed: CommittedOffset) => number) | null {
    if (group.protocolType === null) return (committed) => committed.commitTimestampMs;
    if (group.state === GroupState.Empty) return (committed) => group.currentStateTimestampMs ?? committed.commitTimestampMs;
    if (group.state === GroupState.Stable && group.subscribedTopics() !== null) return (committed) => committed.commitTimestampMs;
    return null;
  }

  // ---- groups -------------------------------------------------------------

  deleteGroups(ref: RequestRef, groupIds: string[], nowMs: number): CoordinatorResult {
    const out = newResult();
    const results = groupIds.map((groupId) => {
      const guardError = this.guard(groupId);
      if (guardError !== ErrorCode.NONE) return { groupId, errorCode: guardError };
      const group = this.groups.get(groupId);
      if (group === undefined || group.state === GroupState.Dead) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
      if (group.state !== GroupState.Empty) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
      this.deleteGroup(group, nowMs, out);
      return { groupId, errorCode: ErrorCode.NONE };
    });
    out.replies.push({ to: ref, api: 'DeleteGroups', response: { results } });
    return out;
  }

  /** Tombstones for the group's offsets and metadata; the group turns Dead and is forgotten. */
  private deleteGroup(group: ClassicGroup, nowMs: number, out: CoordinatorResult): void {
    for (const [topic, partitions] of this.offsets.get(group.groupId) ?? []) {
      for (const partition of [...partitions.keys()]) {
        const record: GroupCoordinatorRecord = { type: 'OffsetCommit', key: { group: group.groupId, topic, partition }, value: null };
        out.records.push(record);
        this.apply(record);
      }
    }
    out.records.push({ type: 'GroupMetadata', key: { group: group.groupId }, value: null });
    group.transitionTo(GroupState.Dead, nowMs);
    this.setGroup(group.groupId, undefined);
    for (const key of [this.joinKey(group.groupId), this.syncKey(group.groupId)]) this.cancel(key);
  }

  listGroups(request: ListGroupsRequest): ListGroupsResponse {
    if (this.loading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, groups: [] };
    const states = new Set(request.statesFilter.map((s) => s.toLowerCase()));
    const groups = [...this.committedGroups.values()]
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' }));
    return { errorCode: ErrorCode.NONE, groups };
  }

  describeGroups(groupIds: string[]): DescribedGroup[] {
    return groupIds.map((groupId) => {
      const guardError = this.guard(groupId);
      const group = this.committedGroups.get(groupId);
      if (guardError !== ErrorCode.NONE || group === undefined) {
        return { errorCode: guardError, groupId, groupState: GroupState.Dead, protocolType: '', protocolData: '', members: [] };
      }
      // Like Kafka, metadata and assignments are only shown once the group is Stable.
      const stable = group.state === GroupState.Stable;
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: group.state,
        protocolType: group.protocolType ?? '',
        protocolData: stable ? (group.protocolName ?? '') : '',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: stable ? m.metadata(group.protocolName) : EMPTY_BYTES,
          memberAssignment: stable ? m.assignment : EMPTY_BYTES,
        })),
      };
    });
  }

  /** The committed offsets of a group, for tools (consumer-groups --describe, lag). */
  committedOffsets(groupId: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> {
    return this.offsets.get(groupId) ?? new Map();
  }

  /** A read-only view of a group, for tests and tools. */
  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  private emptyGroupRecord(group: ClassicGroup, nowMs: number): GroupCoordinatorRecord {
    const value = { protocolType: group.protocolType ?? '', generation: 0, protocol: null, leader: null, currentStateTimestamp: BigInt(nowMs), members: [] };
    return { type: 'GroupMetadata', key: { group: group.groupId }, value };
  }

  private groupRecord(group: ClassicGroup): GroupCoordinatorRecord {
    return { type: 'GroupMetadata', key: { group: group.groupId }, value: group.toRecordValue() };
  }
}

function toCommittedOffset(value: OffsetCommitValue): CommittedOffset {
  return { offset: value.offset, leaderEpoch: value.leaderEpoch, metadata: value.metadata, commitTimestampMs: Number(value.commitTimestamp), expireTimestampMs: Number(value.expireTimestamp) };
}
