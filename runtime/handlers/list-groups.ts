import type { ListGroupsResponse as CoreListGroupsResponse } from '../../core/group/group-api.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { ListGroupsRequest, ListGroupsResponse } from '../../core/protocol/generated/messages/list-groups.js';
import { CoordinatorUnavailableError, type GroupCoordinatorService } from '../group/group-coordinator-service.js';
import type { ApiHandler } from './registry.js';

/**
 * ListGroups v0-5: the groups of every coordinator on this node, filtered by
 * state (v4+) and type (v5+; all ours are classic). A coordinator still
 * loading makes the answer COORDINATOR_LOAD_IN_PROGRESS, with what the others know.
 */
export function createListGroupsHandler(service: GroupCoordinatorService): ApiHandler<ListGroupsRequest, ListGroupsResponse> {
  return {
    apiKey: ApiKey.ListGroups,
    name: 'ListGroups',
    minVersion: 0,
    maxVersion: 5,
    handle: async (_context, request) => {
      const types = new Set(request.typesFilter.map((t) => t.toLowerCase()));
      if (types.size > 0 && !types.has('classic')) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: [] };
      const answers = await Promise.all(
        service.ledPartitions().map(async (partition): Promise<CoreListGroupsResponse> => {
          try {
            return await service.read<CoreListGroupsResponse>(partition, { api: 'ListGroups', request: { statesFilter: request.statesFilter } });
          } catch (error) {
            if (!(error instanceof CoordinatorUnavailableError)) throw error;
            // Still starting: as loading. Moved away meanwhile: its groups are listed by its new coordinator.
            return { errorCode: error.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? error.errorCode : ErrorCode.NONE, groups: [] };
          }
        }),
      );
      const errorCode = answers.find((a) => a.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
      return { throttleTimeMs: 0, errorCode, groups: answers.flatMap((a) => a.groups) };
    },
    errorResponse: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, groups: [] }),
  };
}
