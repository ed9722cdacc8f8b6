import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { HeartbeatResponse } from '../core/protocol/generated/messages/heartbeat.js';
import { defaultJoinGroupRequest, type JoinGroupResponse } from '../core/protocol/generated/messages/join-group.js';
import type { LeaveGroupResponse } from '../core/protocol/generated/messages/leave-group.js';
import { defaultOffsetCommitRequest, defaultOffsetCommitRequestPartition, type OffsetCommitResponse } from '../core/protocol/generated/messages/offset-commit.js';
import type { SyncGroupResponse } from '../core/protocol/generated/messages/sync-group.js';
import { Admin } from './admin.js';
import { KafkaClientError, throwIfError } from './client-error.js';
import { decodeMemberAssignment, decodeSubscription, encodeAssignment, encodeSubscription, rangeAssign, type TopicPartition } from './consumer-protocol.js';
import { Consumer, type ConsumedRecord, type ConsumerOptions } from './consumer.js';
import type { KafkaClient } from './kafka-client.js';

export interface GroupConsumerOptions extends ConsumerOptions {
  groupId: string;
  topics: readonly string[];
  /** Kafka's `session.timeout.ms`. */
  sessionTimeoutMs?: number;
  /** Kafka's `max.poll.interval.ms`, sent as the rebalance timeout. */
  rebalanceTimeoutMs?: number;
  /** Kafka's `heartbeat.interval.ms`. */
  heartbeatIntervalMs?: number;
}

const PROTOCOL_TYPE = 'consumer';
const ASSIGNOR = 'range';

/** Errors after which the member joins again: a rebalance started, or the coordinator forgot this member. */
const REJOIN_ERRORS = new Set<number>([ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID]);

/**
 * A classic consumer-group member (JoinGroup, SyncGroup, Heartbeat,
 * OffsetCommit, LeaveGroup) with Kafka's range assignor, fetching its share
 * through a Consumer from the committed offsets (or `autoOffsetReset` where
 * the group has none). Offsets are committed by the caller (`commit`), so
 * only what was processed counts as consumed.
 */
export class GroupConsumer {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private memberId = '';
  private generationId = -1;
  private joined = false;
  private lastHeartbeatMs = 0;

  constructor(
    private readonly client: KafkaClient,
    private readonly options: GroupConsumerOptions,
  ) {
    this.consumer = new Consumer(client, options);
    this.admin = new Admin(client);
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 45_000;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 300_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
  }

  /** The partitions this member owns in the current generation. */
  assigned(): TopicPartition[] {
    return this.consumer.assigned();
  }

  /** Joins (or re-joins) when needed, heartbeats when due, then fetches once from the owned partitions. */
  async poll(): Promise<ConsumedRecord[]> {
    if (!this.joined) await this.join();
    if (Date.now() - this.lastHeartbeatMs >= this.heartbeatIntervalMs) await this.heartbeat();
    if (!this.joined) return [];
    return this.consumer.poll();
  }

  /** Commits the next offsets to read; a rebalance in the way makes the member re-join (and the commit is dropped, as Kafka's does). */
  async commit(offsets: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    if (offsets.length === 0 || !this.joined) return;
    const connection = await this.client.coordinatorConnection(this.options.groupId);
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const offset of offsets) byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
    const response = await connection.request<OffsetCommitResponse>(ApiKey.OffsetCommit, {
      ...defaultOffsetCommitRequest(),
      groupId: this.options.groupId,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      topics: [...byTopic].map(([name, partitions]) => ({
        name,
        partitions: partitions.map((partition) => ({ ...defaultOffsetCommitRequestPartition(), partitionIndex: partition.partition, committedOffset: partition.offset })),
      })),
    });
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        if (REJOIN_ERRORS.has(partition.errorCode)) {
          this.rejoin(partition.errorCode);
          return;
        }
        throwIfError(partition.errorCode, `commit of group ${this.options.groupId} for ${topic.name}-${partition.partitionIndex}`);
      }
    }
  }

  /** Leaves the group so its partitions move to the other members at once. */
  async close(): Promise<void> {
    if (!this.joined) return;
    this.joined = false;
    const connection = await this.client.coordinatorConnection(this.options.groupId);
    const version = connection.versionFor(ApiKey.LeaveGroup);
    const response = await connection.request<LeaveGroupResponse>(
      ApiKey.LeaveGroup,
      version >= 3
        ? { groupId: this.options.groupId, memberId: '', members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'the consumer is closing' }] }
        : { groupId: this.options.groupId, memberId: this.memberId, members: [] },
      version,
    );
    throwIfError(response.errorCode, `leaving group ${this.options.groupId}`);
  }

  private rejoin(errorCode: number): void {
    this.joined = false;
    if (errorCode !== ErrorCode.REBALANCE_IN_PROGRESS) {
      this.memberId = '';
      this.generationId = -1;
    }
  }

  private async heartbeat(): Promise<void> {
    const connection = await this.client.coordinatorConnection(this.options.groupId);
    const response = await connection.request<HeartbeatResponse>(ApiKey.Heartbeat, {
      groupId: this.options.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: null,
    });
    this.lastHeartbeatMs = Date.now();
    if (REJOIN_ERRORS.has(response.errorCode)) return this.rejoin(response.errorCode);
    throwIfError(response.errorCode, `heartbeat in group ${this.options.groupId}`);
  }

  /** JoinGroup (again with the id the coordinator hands out, KIP-394), the leader assigns, SyncGroup, then start from the committed offsets. */
  private async join(): Promise<void> {
    const { groupId } = this.options;
    const joinedGroup = await this.client.withRetries(async () => {
      const connection = await this.client.coordinatorConnection(groupId);
      for (;;) {
        const response = await connection.request<JoinGroupResponse>(ApiKey.JoinGroup, {
          ...defaultJoinGroupRequest(),
          groupId,
          sessionTimeoutMs: this.sessionTimeoutMs,
          rebalanceTimeoutMs: this.rebalanceTimeoutMs,
          memberId: this.memberId,
          protocolType: PROTOCOL_TYPE,
          protocols: [{ name: ASSIGNOR, metadata: encodeSubscription(this.options.topics) }],
        });
        if (response.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
          this.memberId = response.memberId;
          continue;
        }
        if (response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        throwIfError(response.errorCode, `joining group ${groupId}`);
        return response;
      }
    });
    this.memberId = joinedGroup.memberId;
    this.generationId = joinedGroup.generationId;

    const assignments = joinedGroup.leader === joinedGroup.memberId ? await this.assign(joinedGroup) : [];
    const connection = await this.client.coordinatorConnection(groupId);
    const synced = await connection.request<SyncGroupResponse>(ApiKey.SyncGroup, {
      groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: null,
      protocolType: PROTOCOL_TYPE,
      protocolName: ASSIGNOR,
      assignments,
    });
    if (REJOIN_ERRORS.has(synced.errorCode)) return this.rejoin(synced.errorCode);
    throwIfError(synced.errorCode, `syncing group ${groupId}`);

    const owned = decodeMemberAssignment(synced.assignment);
    const committed = owned.length === 0 ? [] : await this.admin.fetchOffsets(groupId, [...new Set(owned.map((tp) => tp.topic))].map((topic) => ({ topic, partitions: owned.filter((tp) => tp.topic === topic).map((tp) => tp.partition) })));
    const reset = this.options.autoOffsetReset === 'earliest' ? 'earliest' : 'latest';
    await this.consumer.assignPositions(
      owned.map(({ topic, partition }) => {
        const offset = committed.find((c) => c.topic === topic && c.partition === partition)?.offset ?? -1n;
        return { topic, partition, start: offset >= 0n ? offset : reset };
      }),
    );
    this.joined = true;
    this.lastHeartbeatMs = Date.now();
  }

  /** As the group leader: the range assignment of every member's subscription over the current partition counts. */
  private async assign(joined: JoinGroupResponse): Promise<{ memberId: string; assignment: Buffer }[]> {
    const members = joined.members.map((member) => ({ memberId: member.memberId, topics: decodeSubscription(member.metadata) }));
    const topics = [...new Set(members.flatMap((member) => member.topics))];
    const partitionCounts = new Map<string, number>();
    for (const topic of topics) {
      try {
        partitionCounts.set(topic, (await this.client.topicMetadata(topic)).partitions.length);
      } catch (error) {
        // A subscribed topic that does not exist gets no partitions, as in Kafka.
        if (!(error instanceof KafkaClientError) || error.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw error;
      }
    }
    return [...rangeAssign(members, partitionCounts)].map(([memberId, partitions]) => ({ memberId, assignment: encodeAssignment(partitions) }));
  }
}
