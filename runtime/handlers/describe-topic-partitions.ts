import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type {
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponseTopic,
} from '../../core/protocol/generated/messages/describe-topic-partitions.js';
import { ZERO_UUID } from '../../core/protocol/reader.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { AUTHORIZED_OPERATIONS_NOT_REQUESTED, TOPIC_OPERATIONS } from './authorized-operations.js';
import type { ApiHandler } from './registry.js';


/**
 * DescribeTopicPartitions v0 (KIP-966): the named topics (all of them when none are named) in name
 * order, with paging — at most ResponsePartitionLimit partitions, then a cursor to continue from.
 */
export function createDescribeTopicPartitionsHandler(metadata: ClusterMetadata): ApiHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse> {
  return {
    apiKey: ApiKey.DescribeTopicPartitions,
    name: 'DescribeTopicPartitions',
    minVersion: 0,
    maxVersion: 0,
    handle: (_context, request) => {
      const image = metadata.image();
      const names = (request.topics.length > 0 ? request.topics.map((t) => t.name) : [...image.topicIdsByName.keys()]).sort();
      const cursor = request.cursor;
      let budget = Math.max(1, request.responsePartitionLimit);
      const topics: DescribeTopicPartitionsResponseTopic[] = [];
      let nextCursor: DescribeTopicPartitionsResponse['nextCursor'] = null;
      for (const name of names) {
        if (cursor !== null && name < cursor.topicName) continue;
        const described = describeTopic(image, name);
        const from = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
        const partitions = described.partitions.filter((p) => p.partitionIndex >= from);
        if (budget === 0) {
          nextCursor = { topicName: name, partitionIndex: from };
          break;
        }
        if (partitions.length > budget) {
          nextCursor = { topicName: name, partitionIndex: partitions[budget]!.partitionIndex };
          topics.push({ ...described, partitions: partitions.slice(0, budget) });
          break;
        }
        budget -= partitions.length;
        topics.push({ ...described, partitions });
      }
      return { throttleTimeMs: 0, topics, nextCursor };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ errorCode, name: t.name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_NOT_REQUESTED })),
      nextCursor: null,
    }),
  };
}

function describeTopic(image: MetadataImage, name: string): DescribeTopicPartitionsResponseTopic {
  const topicId = image.topicIdsByName.get(name);
  const topic = topicId === undefined ? undefined : image.topics.get(topicId);
  if (topic === undefined) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: TOPIC_OPERATIONS };
  }
  const partitions = [...topic.partitions.values()]
    .sort((a, b) => a.partitionId - b.partitionId)
    .map((p) => ({
      errorCode: p.leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p.partitionId,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      eligibleLeaderReplicas: null,
      lastKnownElr: null,
      offlineReplicas: p.replicas.filter((id) => image.brokers.get(id)?.fenced !== false),
    }));
  return { errorCode: ErrorCode.NONE, name, topicId: topic.topicId, isInternal: name.startsWith('__'), partitions, topicAuthorizedOperations: TOPIC_OPERATIONS };
}
