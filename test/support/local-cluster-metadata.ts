import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../core/protocol/generated/messages/create-partitions.js';
import { defaultCreateTopicsResponseCreatableTopicResult, type CreateTopicsRequest, type CreateTopicsResponse } from '../../core/protocol/generated/messages/create-topics.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../core/protocol/generated/messages/delete-topics.js';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../core/protocol/generated/messages/incremental-alter-configs.js';
import { ConfigResourceType, MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { MetadataRecord } from '../../core/raft/metadata/metadata-record.js';
import type { ClusterMetadata } from '../../runtime/controller/cluster-metadata.js';
import { randomKafkaUuid } from '../../runtime/storage/kafka-uuid.js';

/**
 * TEST CODE ONLY: a ClusterMetadata without a quorum, for in-process tests of
 * the data path. Every partition is led by `nodeId` alone; operations replay
 * records into a MetadataImage and notify listeners, as the real one does
 * after a commit.
 */
export class LocalClusterMetadata implements ClusterMetadata {
  private readonly current = new MetadataImage();
  private readonly listeners = new Set<(image: MetadataImage) => void>();

  constructor(readonly nodeId: number) {}

  image(): MetadataImage {
    return this.current;
  }

  onChange(listener: (image: MetadataImage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Creates a topic with `partitions` partitions and optional configs; resolves when applied. */
  async createTopic(name: string, partitions: number, configs: Record<string, string> = {}): Promise<string> {
    const response = await this.createTopics({
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    const result = response.topics[0]!;
    if (result.errorCode !== ErrorCode.NONE) throw new Error(`createTopic ${name}: error ${result.errorCode}`);
    return result.topicId;
  }

  async createTopics(request: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    const records: MetadataRecord[] = [];
    const topics = request.topics.map((topic) => {
      if (this.current.topicIdsByName.has(topic.name)) {
        return { ...defaultCreateTopicsResponseCreatableTopicResult(), name: topic.name, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS };
      }
      const topicId = randomKafkaUuid();
      const count = topic.numPartitions === -1 ? 1 : topic.numPartitions;
      records.push({ type: MetadataRecordType.TopicRecord, value: { name: topic.name, topicId } });
      for (let partitionId = 0; partitionId < count; partitionId++) {
        records.push({
          type: MetadataRecordType.PartitionRecord,
          value: {
            partitionId,
            topicId,
            replicas: [this.nodeId],
            isr: [this.nodeId],
            removingReplicas: [],
            addingReplicas: [],
            leader: this.nodeId,
            leaderRecoveryState: 0,
            leaderEpoch: 0,
            partitionEpoch: 0,
            directories: [],
            eligibleLeaderReplicas: null,
            lastKnownElr: null,
          },
        });
      }
      for (const config of topic.configs) {
        records.push({ type: MetadataRecordType.ConfigRecord, value: { resourceType: ConfigResourceType.topic, resourceName: topic.name, name: config.name, value: config.value } });
      }
      return { ...defaultCreateTopicsResponseCreatableTopicResult(), name: topic.name, topicId, numPartitions: count, replicationFactor: 1 };
    });
    this.apply(records);
    return { throttleTimeMs: 0, topics };
  }

  async deleteTopics(request: DeleteTopicsRequest): Promise<DeleteTopicsResponse> {
    const names = [...request.topicNames, ...request.topics.map((t) => t.name).filter((n): n is string => n !== null)];
    const records: MetadataRecord[] = [];
    const responses = names.map((name) => {
      const topicId = this.current.topicIdsByName.get(name);
      if (topicId === undefined) return { name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
      records.push({ type: MetadataRecordType.RemoveTopicRecord, value: { topicId } });
      return { name, topicId, errorCode: ErrorCode.NONE, errorMessage: null };
    });
    this.apply(records);
    return { throttleTimeMs: 0, responses };
  }

  createPartitions(_request: CreatePartitionsRequest): Promise<CreatePartitionsResponse> {
    return Promise.reject(new Error('LocalClusterMetadata does not create partitions'));
  }

  incrementalAlterConfigs(_request: IncrementalAlterConfigsRequest): Promise<IncrementalAlterConfigsResponse> {
    return Promise.reject(new Error('LocalClusterMetadata does not alter configs'));
  }

  private apply(records: MetadataRecord[]): void {
    if (records.length === 0) return;
    for (const record of records) this.current.replay(record);
    for (const listener of this.listeners) listener(this.current);
  }
}
