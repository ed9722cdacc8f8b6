import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../core/protocol/generated/messages/delete-groups.js';
import type { GroupCoordinatorService } from '../group/group-coordinator-service.js';
import { writeToCoordinator } from '../group/group-requests.js';
import type { ApiHandler } from './registry.js';

/** DeleteGroups v0-2: each coordinator deletes its empty groups; results come back in request order. */
export function createDeleteGroupsHandler(service: GroupCoordinatorService): ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> {
  const everywhere = (request: DeleteGroupsRequest, errorCode: number): DeleteGroupsResponse => ({
    throttleTimeMs: 0,
    results: request.groupsNames.map((groupId) => ({ groupId, errorCode })),
  });
  return {
    apiKey: ApiKey.DeleteGroups,
    name: 'DeleteGroups',
    minVersion: 0,
    maxVersion: 2,
    handle: async (_context, request) => {
      const byPartition = new Map<number, string[]>();
      for (const groupId of new Set(request.groupsNames)) {
        const partition = service.partitionFor(groupId);
        byPartition.set(partition, [...(byPartition.get(partition) ?? []), groupId]);
      }
      const answers = await Promise.all(
        [...byPartition.values()].map((groupIds) =>
          writeToCoordinator(
            service,
            groupIds[0]!,
            { api: 'DeleteGroups' as const, groupIds },
            (r) => r.results,
            (errorCode) => groupIds.map((groupId) => ({ groupId, errorCode })),
          ),
        ),
      );
      const byGroup = new Map(answers.flat().map((result) => [result.groupId, result.errorCode]));
      return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode: byGroup.get(groupId)! })) };
    },
    errorResponse: everywhere,
  };
}
