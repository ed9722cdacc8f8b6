import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultFetchSnapshotResponse, type FetchSnapshotRequest, type FetchSnapshotResponse } from '../../core/protocol/generated/messages/fetch-snapshot.js';
import type { RaftDriver } from '../raft/raft-driver.js';
import type { ApiHandler } from './registry.js';

/** FetchSnapshot v0-1 on the controller listener: a KRaft message stepped into this node's Raft. */
export function createFetchSnapshotHandler(driver: RaftDriver): ApiHandler<FetchSnapshotRequest, FetchSnapshotResponse> {
  return {
    apiKey: ApiKey.FetchSnapshot,
    name: 'FetchSnapshot',
    minVersion: 0,
    maxVersion: 1,
    handle: async (context, request) => (await driver.handleInbound(ApiKey.FetchSnapshot, request, context.clientId)) as FetchSnapshotResponse,
    errorResponse: (_request, errorCode) => ({ ...defaultFetchSnapshotResponse(), errorCode }),
  };
}
