import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { HeartbeatResponse } from '../core/protocol/generated/messages/heartbeat.js';
import type { JoinGroupResponse } from '../core/protocol/generated/messages/join-group.js';
import type { LeaveGroupResponse } from '../core/protocol/generated/messages/leave-group.js';
import { defaultOffsetCommitRequest, defaultOffsetCommitRequestPartition, type OffsetCommitResponse } from '../core/protocol/generated/messages/offset-commit.js';
import type { SyncGroupResponse } from '../core/protocol/generated/messages/sync-group.js';
import { topicPartitionKey, type PartitionAssignor, type RebalanceProtocol } from './assignors/partition-assignor.js';
import type { BrokerConnection } from './broker-connection.js';
import { KafkaClientError, throwIfError } from './client-error.js';
import { CommitFailedError } from './consumer-errors.js';
import { decodeMemberAssignment, decodeMemberSubscription, encodeAssignment, encodeMemberSubscription, type TopicPartition } from './consumer-protocol.js';
import type { BrokerNode, KafkaClient } from './kafka-client.js';

export interface CoordinatorOptions {
  groupId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  /** `max.poll.interval.ms`: the rebalance timeout, and the longest time between polls. */
  maxPollIntervalMs: number;
  heartbeatIntervalMs: number;
  assignors: readonly PartitionAssignor[];
  rackId: string | null;
}

/** What the consumer does when its partitions change (the rebalance listener runs inside these). */
export interface CoordinatorHooks {
  /** The topics to subscribe with now. */
  subscribedTopics(): readonly string[];
  /** The partition counts of these topics (missing topics absent), for the leader's assignment. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
  onAssigned(added: TopicPartition[]): Promise<void>;
  /** Partitions given up in order: commit their positions first. */
  onRevoked(revoked: TopicPartition[]): Promise<void>;
  /** Partitions already owned by someone else (the member was fenced or timed out): nothing may be committed. */
  onLost(lost: TopicPartition[]): Promise<void>;
}

/** Coordinator errors after which the coordinator is looked up again. */
const COORDINATOR_MOVED = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NETWORK_EXCEPTION, ErrorCode.REQUEST_TIMED_OUT]);
/** Errors meaning this member's generation is gone: its partitions are lost. */
const GENERATION_LOST = new Set<number>([ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID]);
/** JoinGroup may wait up to the rebalance timeout for the other members; this is on top, as Java's consumer allows. */
const JOIN_EXTRA_TIMEOUT_MS = 5000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type MemberState = 'UNJOINED' | 'REBALANCING' | 'STABLE';

/**
 * A member of a classic consumer group (JoinGroup, SyncGroup, Heartbeat,
 * OffsetCommit, LeaveGroup). Heartbeats run on a timer of their own, so user
 * code between polls never delays them; a rebalance runs in the background as
 * soon as the coordinator asks for one. Eager assignors revoke every partition
 * before joining; when every configured assignor is cooperative, only the
 * partitions that move are revoked, and the member rejoins at once so they
 * can be given to their new owner (KIP-429). A static member
 * (`group.instance.id`) never sends LeaveGroup: a restart within the session
 * timeout keeps its partitions without a rebalance (KIP-345).
 */
export class ConsumerCoordinator {
  readonly protocol: RebalanceProtocol;
  memberId = '';
  generationId = -1;
  private state: MemberState = 'UNJOINED';
  private owned: TopicPartition[] = [];
  private joining: Promise<void> | null = null;
  private rejoinNeeded = true;
  private coordinator: BrokerNode | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatInFlight = false;
  private lastHeartbeatOkMs = 0;
  private lastPollMs = Date.now();
  private closed = false;
  /** An error the next poll() throws: fenced static member, unrecoverable broker answer. */
  private failure: Error | null = null;
  /** The partition counts the leader assigned from, to notice new partitions. */
  private assignedCounts: Map<string, number> | null = null;

  constructor(
    private readonly client: KafkaClient,
    private readonly options: CoordinatorOptions,
    private readonly hooks: CoordinatorHooks,
  ) {
    this.protocol = options.assignors.every((assignor) => assignor.protocol === 'COOPERATIVE') ? 'COOPERATIVE' : 'EAGER';
    this.scheduleHeartbeat();
  }

  /** The partitions this member owns in its current generation. */
  ownedPartitions(): TopicPartition[] {
    return [...this.owned];
  }

  get isStable(): boolean {
    return this.state === 'STABLE' && !this.rejoinNeeded;
  }

  /** The subscription changed, metadata changed, or the user asked (`enforceRebalance`): join again. */
  requestRejoin(): void {
    this.rejoinNeeded = true;
    this.startJoin();
  }

  /**
   * Called by every poll(): records the poll for `max.poll.interval.ms`,
   * throws a failure the background work met, and starts a join when one is
   * needed. Waits for the join up to `deadlineMs` only while the member owns
   * nothing, so members keeping partitions go on fetching during a rebalance.
   */
  async poll(deadlineMs: number): Promise<void> {
    this.lastPollMs = Date.now();
    this.throwFailure();
    if (this.rejoinNeeded || this.state === 'UNJOINED') this.startJoin();
    if (this.joining !== null && this.owned.length === 0) {
      const joining = this.joining;
      const remaining = deadlineMs - Date.now();
      if (remaining > 0) await Promise.race([joining, sleep(remaining)]);
    }
    this.throwFailure();
  }

  /** The leader checks whether a subscribed topic grew partitions since it assigned (Java's metadata snapshot). */
  async checkPartitionCounts(): Promise<void> {
    if (this.assignedCounts === null || this.state !== 'STABLE') return;
    const counts = await this.hooks.partitionCounts([...this.assignedCounts.keys()]);
    for (const [topic, count] of this.assignedCounts) {
      if ((counts.get(topic) ?? 0) !== count) return this.requestRejoin();
    }
  }

  /**
   * OffsetCommit in this member's generation. Without a generation (assign()
   * only) it commits as a simple consumer. Rebalancing in the way: Kafka's
   * RebalanceInProgress (retriable); generation gone: a CommitFailed.
   */
  async commit(offsets: readonly { topic: string; partition: number; offset: bigint; metadata?: string | null }[]): Promise<void> {
    if (offsets.length === 0) return;
    const connection = await this.coordinatorConnection();
    const byTopic = new Map<string, typeof offsets>();
    for (const offset of offsets) byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
    let response: OffsetCommitResponse;
    try {
      response = await connection.request<OffsetCommitResponse>(ApiKey.OffsetCommit, {
        ...defaultOffsetCommitRequest(),
        groupId: this.options.groupId,
        generationIdOrMemberEpoch: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.options.groupInstanceId,
        topics: [...byTopic].map(([name, partitions]) => ({
          name,
          partitions: partitions.map((p) => ({ ...defaultOffsetCommitRequestPartition(), partitionIndex: p.partition, committedOffset: p.offset, committedMetadata: p.metadata ?? '' })),
        })),
      });
    } catch (error) {
      this.coordinatorFailed(error);
      throw error;
    }
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        const code = partition.errorCode;
        if (COORDINATOR_MOVED.has(code)) this.coordinator = null;
        if (code === ErrorCode.REBALANCE_IN_PROGRESS) this.requestRejoin();
        if (GENERATION_LOST.has(code)) {
          throw new CommitFailedError(code, `commit of group ${this.options.groupId} for ${topic.name}-${partition.partitionIndex}`);
        }
        throwIfError(code, `commit of group ${this.options.groupId} for ${topic.name}-${partition.partitionIndex}`);
      }
    }
  }

  /** Leaves the group (a dynamic member sends LeaveGroup so its partitions move at once); the member may join again later. `lost`: give the partitions up without committing. */
  async leave(reason: string, lost = false): Promise<void> {
    const dynamic = this.options.groupInstanceId === null;
    const memberId = this.memberId;
    if (lost) await this.losePartitions();
    else if (this.owned.length > 0) {
      const owned = this.owned;
      this.owned = [];
      await this.hooks.onRevoked(owned);
    }
    this.state = 'UNJOINED';
    this.resetGeneration(dynamic);
    if (!dynamic || memberId === '') return;
    const connection = await this.coordinatorConnection();
    const version = connection.versionFor(ApiKey.LeaveGroup);
    const response = await connection.request<LeaveGroupResponse>(
      ApiKey.LeaveGroup,
      version >= 3
        ? { groupId: this.options.groupId, memberId: '', members: [{ memberId, groupInstanceId: null, reason }] }
        : { groupId: this.options.groupId, memberId, members: [] },
      version,
    );
    if (response.errorCode !== ErrorCode.UNKNOWN_MEMBER_ID) throwIfError(response.errorCode, `leaving group ${this.options.groupId}`);
  }

  /** Stops heartbeating and leaves (dynamic members); waits for a join in progress first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    await this.joining?.catch(() => undefined);
    if (this.options.groupInstanceId !== null) {
      // A static member keeps its place for session.timeout.ms; its positions were committed by the caller.
      return;
    }
    await this.leave('the consumer is being closed');
  }

  private throwFailure(): void {
    if (this.failure === null) return;
    const failure = this.failure;
    this.failure = null;
    throw failure;
  }

  private startJoin(): void {
    if (this.joining !== null || this.closed) return;
    this.joining = this.joinUntilStable()
      .catch((error: unknown) => {
        this.failure = error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => {
        this.joining = null;
      });
  }

  private async joinUntilStable(): Promise<void> {
    const deadline = Date.now() + this.options.maxPollIntervalMs;
    while (this.rejoinNeeded && !this.closed) {
      if (Date.now() > deadline) throw new KafkaClientError(ErrorCode.REBALANCE_IN_PROGRESS, `joining group ${this.options.groupId} took longer than max.poll.interval.ms`, { retriable: true });
      this.rejoinNeeded = false;
      try {
        await this.joinOnce();
      } catch (error) {
        if (!(error instanceof KafkaClientError) || !error.retriable || error.fatal) throw error;
        this.coordinatorFailed(error);
        this.rejoinNeeded = true;
        await sleep(this.client.retryBackoffMs);
      }
    }
  }

  /** One JoinGroup + SyncGroup round; sets rejoinNeeded when another round must follow. */
  private async joinOnce(): Promise<void> {
    const { groupId, groupInstanceId } = this.options;
    this.state = 'REBALANCING';
    if (this.protocol === 'EAGER' && this.owned.length > 0) {
      const owned = this.owned;
      this.owned = [];
      await this.hooks.onRevoked(owned);
    }
    const topics = [...this.hooks.subscribedTopics()];
    const connection = await this.coordinatorConnection();
    let joined: JoinGroupResponse;
    for (;;) {
      joined = await connection.request<JoinGroupResponse>(
        ApiKey.JoinGroup,
        {
          groupId,
          sessionTimeoutMs: this.options.sessionTimeoutMs,
          rebalanceTimeoutMs: this.options.maxPollIntervalMs,
          memberId: this.memberId,
          groupInstanceId,
          protocolType: 'consumer',
          protocols: this.options.assignors.map((assignor) => ({
            name: assignor.name,
            metadata: encodeMemberSubscription({
              topics,
              userData: assignor.subscriptionUserData?.({ ownedPartitions: this.owned, generationId: this.generationId }) ?? null,
              ownedPartitions: this.owned,
              generationId: this.generationId,
              rackId: this.options.rackId,
            }),
          })),
          reason: null,
        },
        undefined,
        this.options.maxPollIntervalMs + JOIN_EXTRA_TIMEOUT_MS,
      );
      if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = joined.memberId;
        continue;
      }
      break;
    }
    if (await this.roundEnded(joined.errorCode, `joining group ${groupId}`)) return;
    this.memberId = joined.memberId;
    this.generationId = joined.generationId;

    const protocolName = joined.protocolName ?? '';
    const isLeader = joined.leader === joined.memberId && !joined.skipAssignment;
    const assignments = isLeader ? await this.assign(protocolName, joined) : [];
    const synced = await connection.request<SyncGroupResponse>(ApiKey.SyncGroup, {
      groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId,
      protocolType: 'consumer',
      protocolName,
      assignments,
    });
    if (await this.roundEnded(synced.errorCode, `syncing group ${groupId}`)) return;
    const assigned = decodeMemberAssignment(synced.assignment);
    const assignedKeys = new Set(assigned.map(topicPartitionKey));
    const ownedKeys = new Set(this.owned.map(topicPartitionKey));
    const revoked = this.owned.filter((tp) => !assignedKeys.has(topicPartitionKey(tp)));
    const added = assigned.filter((tp) => !ownedKeys.has(topicPartitionKey(tp)));
    if (revoked.length > 0) {
      this.owned = this.owned.filter((tp) => assignedKeys.has(topicPartitionKey(tp)));
      await this.hooks.onRevoked(revoked);
      // The partitions given up can now go to their new owner: the second phase of a cooperative rebalance.
      this.rejoinNeeded = true;
    }
    this.owned = assigned;
    this.lastHeartbeatOkMs = Date.now();
    this.state = 'STABLE';
    await this.hooks.onAssigned(added);
    // The subscription changed while joining: the group must hear of it.
    const now = [...this.hooks.subscribedTopics()];
    if (now.length !== topics.length || now.some((topic) => !topics.includes(topic))) this.rejoinNeeded = true;
  }

  /**
   * A JoinGroup or SyncGroup answer that ends this round: a rebalance started
   * (join again), the generation is gone (partitions lost, join again), or
   * another member took this group.instance.id (fatal). Other errors throw.
   */
  private async roundEnded(errorCode: number, what: string): Promise<boolean> {
    if (errorCode === ErrorCode.REBALANCE_IN_PROGRESS) {
      this.rejoinNeeded = true;
      return true;
    }
    if (GENERATION_LOST.has(errorCode)) {
      await this.losePartitions();
      this.resetGeneration(errorCode === ErrorCode.UNKNOWN_MEMBER_ID);
      return true;
    }
    if (errorCode === ErrorCode.FENCED_INSTANCE_ID) throw this.fenced();
    throwIfError(errorCode, what);
    return false;
  }

  private fenced(): KafkaClientError {
    return new KafkaClientError(ErrorCode.FENCED_INSTANCE_ID, `another consumer joined group ${this.options.groupId} with group.instance.id ${this.options.groupInstanceId}`, { fatal: true });
  }

  /** As the leader: the chosen assignor over every member's subscription and the current partition counts. */
  private async assign(protocolName: string, joined: JoinGroupResponse): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor = this.options.assignors.find((candidate) => candidate.name === protocolName);
    if (assignor === undefined) throw new KafkaClientError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the group chose assignor ${protocolName}, which this consumer does not have`);
    const members = joined.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId, ...decodeMemberSubscription(member.metadata) }));
    const counts = await this.hooks.partitionCounts([...new Set(members.flatMap((member) => member.topics))]);
    this.assignedCounts = counts;
    const assignment = assignor.assign(counts, members);
    return [...assignment].map(([memberId, partitions]) => ({ memberId, assignment: encodeAssignment(partitions) }));
  }

  private async losePartitions(): Promise<void> {
    if (this.owned.length === 0) return;
    const lost = this.owned;
    this.owned = [];
    await this.hooks.onLost(lost);
  }

  private resetGeneration(forgetMemberId: boolean): void {
    this.generationId = -1;
    this.assignedCounts = null;
    if (forgetMemberId) this.memberId = '';
    this.rejoinNeeded = true;
  }

  private scheduleHeartbeat(): void {
    if (this.closed) return;
    this.heartbeatTimer = setTimeout(() => {
      void this.heartbeatTick().finally(() => this.scheduleHeartbeat());
    }, this.options.heartbeatIntervalMs);
    // Java's heartbeat thread is a daemon: the user's poll loop keeps the process alive, not this.
    this.heartbeatTimer.unref();
  }

  private async heartbeatTick(): Promise<void> {
    if (this.state !== 'STABLE' || this.heartbeatInFlight || this.closed) return;
    if (Date.now() - this.lastPollMs > this.options.maxPollIntervalMs) {
      // As Java: the member is too slow to be relied on; leave so its partitions move, join again at the next poll.
      // Its partitions count as lost: they may be given out before the user's processing ends, so nothing is committed.
      await this.leave('consumer poll timeout has expired: the time between poll() calls exceeded max.poll.interval.ms', true).catch(() => undefined);
      return;
    }
    this.heartbeatInFlight = true;
    try {
      const connection = await this.coordinatorConnection();
      const response = await connection.request<HeartbeatResponse>(ApiKey.Heartbeat, {
        groupId: this.options.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.options.groupInstanceId,
      });
      if (response.errorCode === ErrorCode.NONE) {
        this.lastHeartbeatOkMs = Date.now();
      } else if (response.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) {
        this.requestRejoin();
      } else if (GENERATION_LOST.has(response.errorCode)) {
        await this.losePartitions();
        this.resetGeneration(response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID);
        this.startJoin();
      } else if (response.errorCode === ErrorCode.FENCED_INSTANCE_ID) {
        this.failure = this.fenced();
      } else if (COORDINATOR_MOVED.has(response.errorCode)) {
        this.coordinator = null;
      }
    } catch (error) {
      this.coordinatorFailed(error);
    } finally {
      this.heartbeatInFlight = false;
    }
    // Heartbeats lost for a whole session: the coordinator has dropped this member already.
    if (this.state === 'STABLE' && Date.now() - this.lastHeartbeatOkMs > this.options.sessionTimeoutMs) {
      await this.losePartitions();
      this.resetGeneration(true);
      this.startJoin();
    }
  }

  private coordinatorFailed(error: unknown): void {
    if (error instanceof KafkaClientError && COORDINATOR_MOVED.has(error.errorCode)) this.coordinator = null;
  }

  private async coordinatorConnection(): Promise<BrokerConnection> {
    this.coordinator ??= await this.client.findCoordinator(this.options.groupId);
    return this.client.connectionTo(this.coordinator, 'coordinator:');
  }
}
