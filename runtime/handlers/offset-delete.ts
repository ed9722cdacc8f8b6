import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../core/protocol/generated/messages/offset-delete.js';
import type { GroupCoordinatorService } from '../group/group-coordinator-service.js';
import { writeToCoordinator } from '../group/group-requests.js';
import type { ApiHandler } from './registry.js';

/** OffsetDelete v0: drops committed offsets of topics the group no longer consumes. */
export function createOffsetDeleteHandler(service: GroupCoordinatorService): ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> {
  const errorResponse = (errorCode: number): OffsetDeleteResponse => ({ errorCode, throttleTimeMs: 0, topics: [] });
  return {
    apiKey: ApiKey.OffsetDelete,
    name: 'OffsetDelete',
    minVersion: 0,
    maxVersion: 0,
    handle: (_context, request) => {
      const call = {
        api: 'OffsetDelete' as const,
        request: { groupId: request.groupId, topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex })) })) },
      };
      return writeToCoordinator(service, request.groupId, call, (r) => ({ errorCode: r.errorCode, throttleTimeMs: 0, topics: r.topics }), errorResponse);
    },
    errorResponse: (_request, errorCode) => errorResponse(errorCode),
  };
}
