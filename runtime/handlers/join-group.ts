import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultJoinGroupResponse, type JoinGroupRequest, type JoinGroupResponse } from '../../core/protocol/generated/messages/join-group.js';
import type { JoinGroupResponse as CoreJoinGroupResponse } from '../../core/group/group-api.js';
import type { GroupCoordinatorService } from '../group/group-coordinator-service.js';
import { asBuffer, clientHost, writeToCoordinator } from '../group/group-requests.js';
import type { ApiHandler } from './registry.js';

/** JoinGroup v0-9: waits for the rebalance to complete (or an error) before answering. */
export function createJoinGroupHandler(service: GroupCoordinatorService): ApiHandler<JoinGroupRequest, JoinGroupResponse> {
  const errorResponse = (errorCode: number, memberId = ''): JoinGroupResponse => ({ ...defaultJoinGroupResponse(), errorCode, protocolName: '', memberId });
  return {
    apiKey: ApiKey.JoinGroup,
    name: 'JoinGroup',
    minVersion: 0,
    maxVersion: 9,
    handle: (context, request) => {
      const version = context.apiVersion;
      const call = {
        api: 'JoinGroup' as const,
        request: {
          groupId: request.groupId,
          sessionTimeoutMs: request.sessionTimeoutMs,
          rebalanceTimeoutMs: request.rebalanceTimeoutMs,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          protocolType: request.protocolType,
          protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
          // KIP-394: from v4 a new member first gets its id, and joins again with it.
          requireKnownMemberId: version >= 4,
          clientId: context.clientId ?? '',
          clientHost: clientHost(context),
        },
      };
      return writeToCoordinator(service, request.groupId, call, (r) => toWire(r, version), (code) => errorResponse(code, request.memberId));
    },
    errorResponse: (request, errorCode) => errorResponse(errorCode, request.memberId),
  };
}

function toWire(r: CoreJoinGroupResponse, version: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    // Before v7 the protocol name is not nullable: an error answer carries "".
    protocolName: version >= 7 ? r.protocolName : (r.protocolName ?? ''),
    leader: r.leader,
    // Only v9 can tell a rejoining static leader to keep the current assignment.
    skipAssignment: version >= 9 && r.skipAssignment,
    memberId: r.memberId,
    members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: asBuffer(m.metadata) })),
  };
}
