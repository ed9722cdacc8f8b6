import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../../core/protocol/generated/messages/heartbeat.js';
import type { GroupCoordinatorService } from '../group/group-coordinator-service.js';
import { writeToCoordinator } from '../group/group-requests.js';
import type { ApiHandler } from './registry.js';

/** Heartbeat v0-4: REBALANCE_IN_PROGRESS tells a member to rejoin. */
export function createHeartbeatHandler(service: GroupCoordinatorService): ApiHandler<HeartbeatRequest, HeartbeatResponse> {
  const response = (errorCode: number): HeartbeatResponse => ({ throttleTimeMs: 0, errorCode });
  return {
    apiKey: ApiKey.Heartbeat,
    name: 'Heartbeat',
    minVersion: 0,
    maxVersion: 4,
    handle: (_context, request) => {
      const { groupId, generationId, memberId, groupInstanceId } = request;
      const call = { api: 'Heartbeat' as const, request: { groupId, generationId, memberId, groupInstanceId } };
      return writeToCoordinator(service, groupId, call, (r) => response(r.errorCode), response);
    },
    errorResponse: (_request, errorCode) => response(errorCode),
  };
}
