import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultSyncGroupResponse, type SyncGroupRequest, type SyncGroupResponse } from '../../core/protocol/generated/messages/sync-group.js';
import type { GroupCoordinatorService } from '../group/group-coordinator-service.js';
import { asBuffer, writeToCoordinator } from '../group/group-requests.js';
import type { ApiHandler } from './registry.js';

/** SyncGroup v0-5: followers wait for the leader's assignment. */
export function createSyncGroupHandler(service: GroupCoordinatorService): ApiHandler<SyncGroupRequest, SyncGroupResponse> {
  const errorResponse = (errorCode: number): SyncGroupResponse => ({ ...defaultSyncGroupResponse(), errorCode });
  return {
    apiKey: ApiKey.SyncGroup,
    name: 'SyncGroup',
    minVersion: 0,
    maxVersion: 5,
    handle: (_context, request) => {
      const call = {
        api: 'SyncGroup' as const,
        request: {
          groupId: request.groupId,
          generationId: request.generationId,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          protocolType: request.protocolType,
          protocolName: request.protocolName,
          assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
        },
      };
      return writeToCoordinator(
        service,
        request.groupId,
        call,
        (r) => ({ throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: asBuffer(r.assignment) }),
        errorResponse,
      );
    },
    errorResponse: (_request, errorCode) => errorResponse(errorCode),
  };
}
