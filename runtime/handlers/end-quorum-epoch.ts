import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultEndQuorumEpochResponse, type EndQuorumEpochRequest, type EndQuorumEpochResponse } from '../../core/protocol/generated/messages/end-quorum-epoch.js';
import type { RaftDriver } from '../raft/raft-driver.js';
import type { ApiHandler } from './registry.js';

/** EndQuorumEpoch v0-1 on the controller listener: a KRaft message stepped into this node's Raft. */
export function createEndQuorumEpochHandler(driver: RaftDriver): ApiHandler<EndQuorumEpochRequest, EndQuorumEpochResponse> {
  return {
    apiKey: ApiKey.EndQuorumEpoch,
    name: 'EndQuorumEpoch',
    minVersion: 0,
    maxVersion: 1,
    handle: async (context, request) => (await driver.handleInbound(ApiKey.EndQuorumEpoch, request, context.clientId)) as EndQuorumEpochResponse,
    errorResponse: (_request, errorCode) => ({ ...defaultEndQuorumEpochResponse(), errorCode }),
  };
}
