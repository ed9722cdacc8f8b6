import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultBeginQuorumEpochResponse, type BeginQuorumEpochRequest, type BeginQuorumEpochResponse } from '../../core/protocol/generated/messages/begin-quorum-epoch.js';
import type { RaftDriver } from '../raft/raft-driver.js';
import type { ApiHandler } from './registry.js';

/** BeginQuorumEpoch v0-1 on the controller listener: a KRaft message stepped into this node's Raft. */
export function createBeginQuorumEpochHandler(driver: RaftDriver): ApiHandler<BeginQuorumEpochRequest, BeginQuorumEpochResponse> {
  return {
    apiKey: ApiKey.BeginQuorumEpoch,
    name: 'BeginQuorumEpoch',
    minVersion: 0,
    maxVersion: 1,
    handle: async (context, request) => (await driver.handleInbound(ApiKey.BeginQuorumEpoch, request, context.clientId)) as BeginQuorumEpochResponse,
    errorResponse: (_request, errorCode) => ({ ...defaultBeginQuorumEpochResponse(), errorCode }),
  };
}
