import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../core/protocol/generated/messages/offset-commit.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { GroupCoordinatorService } from '../group/group-coordinator-service.js';
import { writeToCoordinator } from '../group/group-requests.js';
import type { ApiHandler } from './registry.js';

/**
 * OffsetCommit v0-9; answered once the commit records are committed to
 * __consumer_offsets. As in Kafka, partitions the cluster does not have get
 * UNKNOWN_TOPIC_OR_PARTITION and are not stored.
 */
export function createOffsetCommitHandler(service: GroupCoordinatorService, metadata: ClusterMetadata): ApiHandler<OffsetCommitRequest, OffsetCommitResponse> {
  const everywhere = (request: OffsetCommitRequest, errorCode: number): OffsetCommitResponse => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  });
  return {
    apiKey: ApiKey.OffsetCommit,
    name: 'OffsetCommit',
    minVersion: 0,
    maxVersion: 9,
    handle: async (_context, request) => {
      const image = metadata.image();
      const exists = (topic: string, partition: number): boolean => {
        const topicId = image.topicIdsByName.get(topic);
        return topicId !== undefined && image.topics.get(topicId)?.partitions.has(partition) === true;
      };
      const known = request.topics
        .map((t) => ({
          name: t.name,
          partitions: t.partitions
            .filter((p) => exists(t.name, p.partitionIndex))
            .map((p) => ({ partitionIndex: p.partitionIndex, committedOffset: p.committedOffset, committedLeaderEpoch: p.committedLeaderEpoch, committedMetadata: p.committedMetadata })),
        }))
        .filter((t) => t.partitions.length > 0);
      const codes = new Map<string, number>();
      if (known.length > 0) {
        const call = {
          api: 'OffsetCommit' as const,
          request: {
            groupId: request.groupId,
            generationIdOrMemberEpoch: request.generationIdOrMemberEpoch,
            memberId: request.memberId,
            groupInstanceId: request.groupInstanceId,
            retentionTimeMs: Number(request.retentionTimeMs),
            topics: known,
          },
        };
        const answered = await writeToCoordinator(service, request.groupId, call, (r) => r.topics, (errorCode) =>
          known.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
        );
        for (const t of answered) for (const p of t.partitions) codes.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode);
      }
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes.get(`${t.name}\u0000${p.partitionIndex}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })),
        })),
      };
    },
    errorResponse: everywhere,
  };
}
