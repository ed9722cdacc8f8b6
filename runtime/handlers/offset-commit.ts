import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../core/protocol/generated/messages/offset-commit.js';
import type { GroupCoordinatorService } from '../group/group-coordinator-service.js';
import { writeToCoordinator } from '../group/group-requests.js';
import type { ApiHandler } from './registry.js';

/** OffsetCommit v0-9; answered once the commit records are committed to __consumer_offsets. */
export function createOffsetCommitHandler(service: GroupCoordinatorService): ApiHandler<OffsetCommitRequest, OffsetCommitResponse> {
  const everywhere = (request: OffsetCommitRequest, errorCode: number): OffsetCommitResponse => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  });
  return {
    apiKey: ApiKey.OffsetCommit,
    name: 'OffsetCommit',
    minVersion: 0,
    maxVersion: 9,
    handle: (_context, request) => {
      const call = {
        api: 'OffsetCommit' as const,
        request: {
          groupId: request.groupId,
          generationIdOrMemberEpoch: request.generationIdOrMemberEpoch,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          retentionTimeMs: Number(request.retentionTimeMs),
          topics: request.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              committedOffset: p.committedOffset,
              committedLeaderEpoch: p.committedLeaderEpoch,
              committedMetadata: p.committedMetadata,
            })),
          })),
        },
      };
      return writeToCoordinator(service, request.groupId, call, (r) => ({ throttleTimeMs: 0, topics: r.topics }), (code) => everywhere(request, code));
    },
    errorResponse: everywhere,
  };
}
