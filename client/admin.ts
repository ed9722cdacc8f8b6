import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultCreatePartitionsRequest, type CreatePartitionsResponse } from '../core/protocol/generated/messages/create-partitions.js';
import { defaultCreateTopicsRequest, type CreateTopicsResponse } from '../core/protocol/generated/messages/create-topics.js';
import type { DeleteGroupsResponse } from '../core/protocol/generated/messages/delete-groups.js';
import type { DeleteRecordsResponse } from '../core/protocol/generated/messages/delete-records.js';
import { defaultDeleteTopicsRequest, type DeleteTopicsResponse } from '../core/protocol/generated/messages/delete-topics.js';
import type { DescribeClusterResponse } from '../core/protocol/generated/messages/describe-cluster.js';
import type { DescribeConfigsResponse } from '../core/protocol/generated/messages/describe-configs.js';
import type { DescribeGroupsResponse } from '../core/protocol/generated/messages/describe-groups.js';
import type { DescribeLogDirsResponse } from '../core/protocol/generated/messages/describe-log-dirs.js';
import type { ElectLeadersResponse } from '../core/protocol/generated/messages/elect-leaders.js';
import type { AlterPartitionReassignmentsResponse } from '../core/protocol/generated/messages/alter-partition-reassignments.js';
import type { IncrementalAlterConfigsResponse } from '../core/protocol/generated/messages/incremental-alter-configs.js';
import type { ListPartitionReassignmentsResponse } from '../core/protocol/generated/messages/list-partition-reassignments.js';
import { defaultListGroupsRequest, type ListGroupsResponse } from '../core/protocol/generated/messages/list-groups.js';
import { defaultListOffsetsRequest, defaultListOffsetsRequestListOffsetsPartition, type ListOffsetsResponse } from '../core/protocol/generated/messages/list-offsets.js';
import { defaultOffsetCommitRequest, defaultOffsetCommitRequestPartition, type OffsetCommitResponse } from '../core/protocol/generated/messages/offset-commit.js';
import type { OffsetDeleteResponse } from '../core/protocol/generated/messages/offset-delete.js';
import { defaultOffsetFetchRequest, type OffsetFetchResponse } from '../core/protocol/generated/messages/offset-fetch.js';
import { KafkaClientError, throwIfError } from './client-error.js';
import { decodeMemberAssignment, type TopicPartition } from './consumer-protocol.js';
import type { BrokerNode, KafkaClient, TopicInfo } from './kafka-client.js';

/** ListOffsets' special timestamps. */
export const OffsetSpec = { latest: -1n, earliest: -2n, maxTimestamp: -3n } as const;

/** Kafka's ConfigResource.Type codes. */
export const ConfigResourceType = { topic: 2, broker: 4 } as const;
export type ConfigResourceKind = keyof typeof ConfigResourceType;

/** Kafka's DescribeConfigs ConfigSource codes, by the names its tools print. */
export const configSourceNames: ReadonlyMap<number, string> = new Map([
  [0, 'UNKNOWN'],
  [1, 'DYNAMIC_TOPIC_CONFIG'],
  [2, 'DYNAMIC_BROKER_CONFIG'],
  [3, 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
  [4, 'STATIC_BROKER_CONFIG'],
  [5, 'DEFAULT_CONFIG'],
  [6, 'DYNAMIC_BROKER_LOGGER_CONFIG'],
]);

export const AlterConfigOp = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

export interface NewTopic {
  name: string;
  /** -1: the broker's `num.partitions`. */
  numPartitions?: number;
  /** -1: the broker's `default.replication.factor`. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: number;
  isDefault: boolean;
  readOnly: boolean;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
}

export interface ConfigAlteration {
  name: string;
  op: keyof typeof AlterConfigOp;
  value?: string;
}

export interface ListedOffset {
  partition: number;
  offset: bigint;
  timestamp: bigint;
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded from the consumer protocol's assignment bytes; empty for other protocol types. */
  assignment: TopicPartition[];
}

export interface GroupDescription {
  groupId: string;
  errorCode: number;
  groupState: string;
  protocolType: string;
  protocol: string;
  members: GroupMember[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** -1 when the group has no offset for the partition. */
  offset: bigint;
  metadata: string | null;
}

/** ElectLeaders' election types. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

/** One partition's answer to an election or a reassignment: NONE, or Kafka's error (ELECTION_NOT_NEEDED, …). */
export interface PartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface OngoingReassignment {
  topic: string;
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface LogDirDescription {
  brokerId: number;
  path: string;
  errorCode: number;
  totalBytes: bigint;
  usableBytes: bigint;
  partitions: { topic: string; partition: number; sizeBytes: bigint; offsetLag: bigint; isFuture: boolean }[];
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: bigint;
}

/**
 * Kafka's Admin operations over the wire protocol. Every method throws a
 * KafkaClientError naming the topic, group or resource that failed.
 */
export class Admin {
  constructor(readonly client: KafkaClient) {}

  async createTopics(topics: readonly NewTopic[], options: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<{ name: string; topicId: string }[]> {
    const connection = await this.client.anyConnection();
    const response = await connection.request<CreateTopicsResponse>(ApiKey.CreateTopics, {
      ...defaultCreateTopicsRequest(),
      timeoutMs: options.timeoutMs ?? 30_000,
      validateOnly: options.validateOnly ?? false,
      topics: topics.map((topic) => ({
        name: topic.name,
        numPartitions: topic.numPartitions ?? -1,
        replicationFactor: topic.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
    for (const result of response.topics) throwIfError(result.errorCode, `topic ${result.name}`, result.errorMessage);
    return response.topics.map((result) => ({ name: result.name, topicId: result.topicId }));
  }

  async deleteTopics(names: readonly string[], timeoutMs = 30_000): Promise<void> {
    const connection = await this.client.anyConnection();
    const version = connection.versionFor(ApiKey.DeleteTopics);
    const byState = version >= 6;
    const response = await connection.request<DeleteTopicsResponse>(
      ApiKey.DeleteTopics,
      {
        ...defaultDeleteTopicsRequest(),
        timeoutMs,
        topics: byState ? names.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })) : [],
        topicNames: byState ? [] : [...names],
      },
      version,
    );
    for (const result of response.responses) throwIfError(result.errorCode, `topic ${result.name ?? result.topicId}`, result.errorMessage);
  }

  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const { topics } = await this.client.metadata(null);
    return [...topics.values()]
      .filter((topic) => topic.errorCode === ErrorCode.NONE && (options.includeInternal !== false || !topic.isInternal))
      .map((topic) => topic.name)
      .sort();
  }

  /** Topics by name (all topics when null), each checked for errors. */
  async describeTopics(names: readonly string[] | null): Promise<TopicInfo[]> {
    const { topics } = await this.client.metadata(names);
    const described = [...topics.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const topic of described) throwIfError(topic.errorCode, `topic ${topic.name}`);
    return described;
  }

  async createPartitions(topic: string, totalCount: number, timeoutMs = 30_000): Promise<void> {
    const connection = await this.client.anyConnection();
    const response = await connection.request<CreatePartitionsResponse>(ApiKey.CreatePartitions, {
      ...defaultCreatePartitionsRequest(),
      timeoutMs,
      topics: [{ name: topic, count: totalCount, assignments: null }],
    });
    for (const result of response.results) throwIfError(result.errorCode, `topic ${result.name}`, result.errorMessage);
  }

  async describeConfigs(kind: ConfigResourceKind, name: string, options: { includeSynonyms?: boolean } = {}): Promise<ConfigEntry[]> {
    const connection = await this.resourceConnection(kind, name);
    const response = await connection.request<DescribeConfigsResponse>(ApiKey.DescribeConfigs, {
      resources: [{ resourceType: ConfigResourceType[kind], resourceName: name, configurationKeys: null }],
      includeSynonyms: options.includeSynonyms ?? false,
      includeDocumentation: false,
    });
    const result = response.results[0];
    if (result === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `no DescribeConfigs result for ${kind} ${name}`);
    throwIfError(result.errorCode, `${kind} ${name}`, result.errorMessage);
    return result.configs.map((config) => ({
      name: config.name,
      value: config.value,
      source: config.configSource,
      isDefault: config.configSource === -1 ? config.isDefault : config.configSource === 5,
      readOnly: config.readOnly,
      isSensitive: config.isSensitive,
      synonyms: config.synonyms.map((synonym) => ({ name: synonym.name, value: synonym.value, source: synonym.source })),
    }));
  }

  async incrementalAlterConfigs(kind: ConfigResourceKind, name: string, alterations: readonly ConfigAlteration[]): Promise<void> {
    const connection = await this.resourceConnection(kind, name);
    const response = await connection.request<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, {
      validateOnly: false,
      resources: [
        {
          resourceType: ConfigResourceType[kind],
          resourceName: name,
          configs: alterations.map((alteration) => ({
            name: alteration.name,
            configOperation: AlterConfigOp[alteration.op],
            value: alteration.value ?? null,
          })),
        },
      ],
    });
    for (const result of response.responses) throwIfError(result.errorCode, `${kind} ${result.resourceName}`, result.errorMessage);
  }

  /**
   * Offsets of a topic's partitions at a ListOffsets timestamp (OffsetSpec or epoch ms), asked of each leader;
   * `latest` is the high watermark, or the last stable offset with isolation level 1 (read_committed).
   */
  async listOffsets(topic: string, timestamp: bigint, partitions?: readonly number[], isolationLevel: 0 | 1 = 0): Promise<ListedOffset[]> {
    const info = await this.client.topicMetadata(topic);
    const wanted = partitions ?? info.partitions.map((partition) => partition.partition);
    const byLeader = new Map<number, number[]>();
    for (const partition of wanted) {
      const leader = info.partitions.find((candidate) => candidate.partition === partition)?.leaderId;
      if (leader === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
    }
    const answers = await Promise.all(
      [...byLeader].map(async ([leader, indexes]) => {
        const connection = await this.client.connectionToNode(leader);
        const version = connection.versionFor(ApiKey.ListOffsets);
        if (timestamp === OffsetSpec.maxTimestamp && version < 7) {
          throw new KafkaClientError(ErrorCode.UNSUPPORTED_VERSION, `${connection.address} cannot list max-timestamp offsets (ListOffsets v7)`);
        }
        return connection.request<ListOffsetsResponse>(
          ApiKey.ListOffsets,
          {
            ...defaultListOffsetsRequest(),
            isolationLevel,
            topics: [{ name: topic, partitions: indexes.map((partitionIndex) => ({ ...defaultListOffsetsRequestListOffsetsPartition(), partitionIndex, timestamp })) }],
          },
          version,
        );
      }),
    );
    const listed: ListedOffset[] = [];
    for (const answer of answers) {
      for (const topicAnswer of answer.topics) {
        for (const partition of topicAnswer.partitions) {
          throwIfError(partition.errorCode, `${topic}-${partition.partitionIndex}`);
          listed.push({ partition: partition.partitionIndex, offset: partition.offset, timestamp: partition.timestamp });
        }
      }
    }
    return listed.sort((a, b) => a.partition - b.partition);
  }

  /** Moves each partition's log start offset up to `offsets` (-1: the high watermark); returns the new low watermarks. */
  async deleteRecords(topic: string, offsets: ReadonlyMap<number, bigint>, timeoutMs = 30_000): Promise<Map<number, bigint>> {
    const info = await this.client.topicMetadata(topic);
    const lowWatermarks = new Map<number, bigint>();
    const byLeader = new Map<number, number[]>();
    for (const partition of offsets.keys()) {
      const leader = info.partitions.find((candidate) => candidate.partition === partition)?.leaderId;
      if (leader === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
    }
    for (const [leader, indexes] of byLeader) {
      const connection = await this.client.connectionToNode(leader);
      const response = await connection.request<DeleteRecordsResponse>(ApiKey.DeleteRecords, {
        timeoutMs,
        topics: [{ name: topic, partitions: indexes.map((partitionIndex) => ({ partitionIndex, offset: offsets.get(partitionIndex)! })) }],
      });
      for (const result of response.topics.flatMap((topicResult) => topicResult.partitions)) {
        throwIfError(result.errorCode, `${topic}-${result.partitionIndex}`);
        lowWatermarks.set(result.partitionIndex, result.lowWatermark);
      }
    }
    return lowWatermarks;
  }

  async describeCluster(): Promise<{ clusterId: string; controllerId: number; brokers: BrokerNode[] }> {
    const connection = await this.client.anyConnection();
    const response = await connection.request<DescribeClusterResponse>(ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    throwIfError(response.errorCode, 'DescribeCluster', response.errorMessage);
    return {
      clusterId: response.clusterId,
      controllerId: response.controllerId,
      brokers: response.brokers.map((broker) => ({ nodeId: broker.brokerId, host: broker.host, port: broker.port, rack: broker.rack })),
    };
  }

  /** Groups known to every broker (each coordinates its own), sorted by id. */
  async listGroups(): Promise<ListedGroup[]> {
    const { brokers } = await this.client.metadata([]);
    const answers = await Promise.all(
      brokers.map(async (broker) => {
        const connection = await this.client.connectionToNode(broker.nodeId);
        const response = await connection.request<ListGroupsResponse>(ApiKey.ListGroups, defaultListGroupsRequest());
        throwIfError(response.errorCode, `ListGroups on broker ${broker.nodeId}`);
        return response.groups;
      }),
    );
    return answers
      .flat()
      .map((group) => ({ groupId: group.groupId, protocolType: group.protocolType, groupState: group.groupState }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /** A group as its coordinator describes it; a group that does not exist reads as state `Dead`. */
  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.client.withRetries(() => this.describeGroupOnce(groupId));
  }

  private async describeGroupOnce(groupId: string): Promise<GroupDescription> {
    const connection = await this.client.coordinatorConnection(groupId);
    const response = await connection.request<DescribeGroupsResponse>(ApiKey.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
    const group = response.groups[0];
    if (group === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `no DescribeGroups result for group ${groupId}`);
    throwIfError(group.errorCode, `group ${groupId}`);
    return {
      groupId: group.groupId,
      errorCode: group.errorCode,
      groupState: group.groupState,
      protocolType: group.protocolType,
      protocol: group.protocolData,
      members: group.members.map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        assignment: group.protocolType === 'consumer' ? decodeMemberAssignment(member.memberAssignment) : [],
      })),
    };
  }

  /** Deletes groups; returns each group's error code (NONE when deleted). */
  async deleteGroups(groupIds: readonly string[]): Promise<Map<string, number>> {
    const results = new Map<string, number>();
    for (const groupId of groupIds) {
      const errorCode = await this.client.withRetries(async () => {
        const connection = await this.client.coordinatorConnection(groupId);
        const response = await connection.request<DeleteGroupsResponse>(ApiKey.DeleteGroups, { groupsNames: [groupId] });
        const code = response.results.find((result) => result.groupId === groupId)?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
        // A coordinator moving or loading is retried; any other answer is the group's result.
        if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
          throw new KafkaClientError(code, `group ${groupId}`);
        }
        return code;
      });
      results.set(groupId, errorCode);
    }
    return results;
  }

  /** A group's committed offsets (all topics when `topics` is omitted); OffsetFetch v8+ batches groups. */
  fetchOffsets(groupId: string, topics?: readonly { topic: string; partitions: number[] }[]): Promise<CommittedOffset[]> {
    return this.client.withRetries(() => this.fetchOffsetsOnce(groupId, topics));
  }

  private async fetchOffsetsOnce(groupId: string, topics?: readonly { topic: string; partitions: number[] }[]): Promise<CommittedOffset[]> {
    const connection = await this.client.coordinatorConnection(groupId);
    const version = connection.versionFor(ApiKey.OffsetFetch);
    const requested = topics === undefined ? null : topics.map((topic) => ({ name: topic.topic, partitionIndexes: topic.partitions }));
    const batched = version >= 8;
    const response = await connection.request<OffsetFetchResponse>(
      ApiKey.OffsetFetch,
      {
        ...defaultOffsetFetchRequest(),
        groupId: batched ? '' : groupId,
        topics: batched ? [] : requested,
        groups: batched ? [{ groupId, memberId: null, memberEpoch: -1, topics: requested }] : [],
      },
      version,
    );
    const group = batched ? response.groups[0] : response;
    if (group === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `no OffsetFetch result for group ${groupId}`);
    throwIfError(group.errorCode, `offsets of group ${groupId}`);
    const offsets: CommittedOffset[] = [];
    for (const topic of group.topics) {
      for (const partition of topic.partitions) {
        throwIfError(partition.errorCode, `offset of group ${groupId} for ${topic.name}-${partition.partitionIndex}`);
        offsets.push({ topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset, metadata: partition.metadata });
      }
    }
    return offsets;
  }

  /** Commits offsets for a group with no active generation, as Kafka's admin `alterConsumerGroupOffsets` does. */
  commitOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return this.client.withRetries(() => this.commitOffsetsOnce(groupId, offsets));
  }

  private async commitOffsetsOnce(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const connection = await this.client.coordinatorConnection(groupId);
    const byTopic = new Map<string, TopicPartitionOffset[]>();
    for (const offset of offsets) byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
    const response = await connection.request<OffsetCommitResponse>(ApiKey.OffsetCommit, {
      ...defaultOffsetCommitRequest(),
      groupId,
      topics: [...byTopic].map(([name, partitions]) => ({
        name,
        partitions: partitions.map((partition) => ({
          ...defaultOffsetCommitRequestPartition(),
          partitionIndex: partition.partition,
          committedOffset: partition.offset,
        })),
      })),
    });
    for (const topic of response.topics) {
      for (const partition of topic.partitions) throwIfError(partition.errorCode, `commit of group ${groupId} for ${topic.name}-${partition.partitionIndex}`);
    }
  }

  /** Deletes a group's committed offsets of some partitions (the group must not be subscribed to them). */
  deleteOffsets(groupId: string, topic: string, partitions: readonly number[]): Promise<void> {
    return this.client.withRetries(async () => {
      const connection = await this.client.coordinatorConnection(groupId);
      const response = await connection.request<OffsetDeleteResponse>(ApiKey.OffsetDelete, {
        groupId,
        topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) }],
      });
      throwIfError(response.errorCode, `offsets of group ${groupId}`);
      for (const result of response.topics.flatMap((topicResult) => topicResult.partitions)) {
        throwIfError(result.errorCode, `offset of group ${groupId} for ${topic}-${result.partitionIndex}`);
      }
    });
  }

  /** Elects leaders (all partitions when null); throws on a request-level error, returns each partition's result. */
  async electLeaders(electionType: keyof typeof ElectionType, partitions: readonly { topic: string; partitions: number[] }[] | null, timeoutMs = 60_000): Promise<PartitionResult[]> {
    const connection = await this.client.anyConnection();
    const response = await connection.request<ElectLeadersResponse>(ApiKey.ElectLeaders, {
      electionType: ElectionType[electionType],
      topicPartitions: partitions === null ? null : partitions.map((p) => ({ topic: p.topic, partitions: p.partitions })),
      timeoutMs,
    });
    throwIfError(response.errorCode, `ElectLeaders (${electionType})`);
    return response.replicaElectionResults.flatMap((topic) =>
      topic.partitionResult.map((p) => ({ topic: topic.topic, partition: p.partitionId, errorCode: p.errorCode, errorMessage: p.errorMessage })),
    );
  }

  /** Starts reassignments to these replica lists, or cancels them (replicas null); returns each partition's result. */
  async alterPartitionReassignments(changes: readonly { topic: string; partition: number; replicas: number[] | null }[], timeoutMs = 30_000): Promise<PartitionResult[]> {
    const topics = [...new Set(changes.map((c) => c.topic))].map((name) => ({
      name,
      partitions: changes.filter((c) => c.topic === name).map((c) => ({ partitionIndex: c.partition, replicas: c.replicas })),
    }));
    const connection = await this.client.anyConnection();
    const response = await connection.request<AlterPartitionReassignmentsResponse>(ApiKey.AlterPartitionReassignments, { timeoutMs, topics });
    throwIfError(response.errorCode, 'AlterPartitionReassignments', response.errorMessage);
    return response.responses.flatMap((topic) =>
      topic.partitions.map((p) => ({ topic: topic.name, partition: p.partitionIndex, errorCode: p.errorCode, errorMessage: p.errorMessage })),
    );
  }

  /** The reassignments in progress (of these partitions, or all when null). */
  async listPartitionReassignments(partitions: readonly { topic: string; partitions: number[] }[] | null = null, timeoutMs = 30_000): Promise<OngoingReassignment[]> {
    const connection = await this.client.anyConnection();
    const response = await connection.request<ListPartitionReassignmentsResponse>(ApiKey.ListPartitionReassignments, {
      timeoutMs,
      topics: partitions === null ? null : partitions.map((p) => ({ name: p.topic, partitionIndexes: p.partitions })),
    });
    throwIfError(response.errorCode, 'ListPartitionReassignments', response.errorMessage);
    return response.topics.flatMap((topic) =>
      topic.partitions.map((p) => ({ topic: topic.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })),
    );
  }

  /** Each broker's log dirs (all brokers when omitted) with the size of every partition replica in them. */
  async describeLogDirs(brokerIds?: readonly number[], topics: readonly { topic: string; partitions: number[] }[] | null = null): Promise<LogDirDescription[]> {
    const ids = brokerIds ?? (await this.client.metadata([])).brokers.map((broker) => broker.nodeId);
    const answers = await Promise.all(
      ids.map(async (brokerId) => {
        const connection = await this.client.connectionToNode(brokerId);
        const response = await connection.request<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, { topics: topics === null ? null : topics.map((t) => ({ topic: t.topic, partitions: t.partitions })) });
        throwIfError(response.errorCode, `DescribeLogDirs on broker ${brokerId}`);
        return response.results.map((dir) => ({
          brokerId,
          path: dir.logDir,
          errorCode: dir.errorCode,
          totalBytes: dir.totalBytes,
          usableBytes: dir.usableBytes,
          partitions: dir.topics.flatMap((topic) =>
            topic.partitions.map((p) => ({ topic: topic.name, partition: p.partitionIndex, sizeBytes: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey })),
          ),
        }));
      }),
    );
    return answers.flat();
  }

  /** Broker configs are asked of that broker; topic configs of any broker. */
  private resourceConnection(kind: ConfigResourceKind, name: string) {
    if (kind === 'broker' && name !== '' && /^\d+$/.test(name)) return this.client.connectionToNode(Number(name));
    return this.client.anyConnection();
  }
}
