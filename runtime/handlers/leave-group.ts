import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../core/protocol/generated/messages/leave-group.js';
import type { GroupCoordinatorService } from '../group/group-coordinator-service.js';
import { writeToCoordinator } from '../group/group-requests.js';
import type { ApiHandler } from './registry.js';

/** LeaveGroup v0-5: one member (v0-2) or a batch of members by id or instance id (v3+, KIP-345). */
export function createLeaveGroupHandler(service: GroupCoordinatorService): ApiHandler<LeaveGroupRequest, LeaveGroupResponse> {
  const errorResponse = (errorCode: number): LeaveGroupResponse => ({ throttleTimeMs: 0, errorCode, members: [] });
  return {
    apiKey: ApiKey.LeaveGroup,
    name: 'LeaveGroup',
    minVersion: 0,
    maxVersion: 5,
    handle: (context, request) => {
      const single = context.apiVersion < 3;
      const members = single
        ? [{ memberId: request.memberId, groupInstanceId: null }]
        : request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }));
      const call = { api: 'LeaveGroup' as const, request: { groupId: request.groupId, members } };
      return writeToCoordinator(
        service,
        request.groupId,
        call,
        (r): LeaveGroupResponse => {
          // v0-2 have no member list: the one member's error is the answer.
          const memberError = r.members[0]?.errorCode ?? ErrorCode.NONE;
          if (single) return { throttleTimeMs: 0, errorCode: r.errorCode !== ErrorCode.NONE ? r.errorCode : memberError, members: [] };
          return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members.map((m) => ({ ...m })) };
        },
        errorResponse,
      );
    },
    errorResponse: (_request, errorCode) => errorResponse(errorCode),
  };
}
