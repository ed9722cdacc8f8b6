import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { ElectLeadersRequest, ElectLeadersResponse } from '../../core/protocol/generated/messages/elect-leaders.js';
import type { ApiHandler } from './registry.js';

/** ElectLeaders v0-2 (preferred, and unclean from v1): decided by the active controller. */
export function createElectLeadersHandler(target: { electLeaders(request: ElectLeadersRequest): Promise<ElectLeadersResponse> }): ApiHandler<ElectLeadersRequest, ElectLeadersResponse> {
  return {
    apiKey: ApiKey.ElectLeaders,
    name: 'ElectLeaders',
    minVersion: 0,
    maxVersion: 2,
    handle: (_context, request) => target.electLeaders(request),
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      errorCode,
      replicaElectionResults: (request.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode, errorMessage: null })) })),
    }),
  };
}
