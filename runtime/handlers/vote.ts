import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultVoteResponse, type VoteRequest, type VoteResponse } from '../../core/protocol/generated/messages/vote.js';
import type { RaftDriver } from '../raft/raft-driver.js';
import type { ApiHandler } from './registry.js';

/** Vote v0-1 on the controller listener: a KRaft message stepped into this node's Raft. */
export function createVoteHandler(driver: RaftDriver): ApiHandler<VoteRequest, VoteResponse> {
  return {
    apiKey: ApiKey.Vote,
    name: 'Vote',
    minVersion: 0,
    maxVersion: 1,
    handle: async (context, request) => (await driver.handleInbound(ApiKey.Vote, request, context.clientId)) as VoteResponse,
    errorResponse: (_request, errorCode) => ({ ...defaultVoteResponse(), errorCode }),
  };
}
