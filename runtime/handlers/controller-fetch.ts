import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultFetchResponse, type FetchRequest, type FetchResponse } from '../../core/protocol/generated/messages/fetch.js';
import { ZERO_UUID } from '../../core/protocol/reader.js';
import type { RaftDriver } from '../raft/raft-driver.js';
import { METADATA_TOPIC } from '../raft/metadata-log-storage.js';
import type { ApiHandler } from './registry.js';

/**
 * Fetch on the controller listener: a quorum member (ReplicaState.ReplicaId, or ReplicaId before
 * v15) pulling `__cluster_metadata-0` from the leader; answered with its record batches, a
 * diverging epoch or a snapshot id. Topics are named before v13 and identified by id from v13.
 */
export function createControllerFetchHandler(driver: RaftDriver): ApiHandler<FetchRequest, FetchResponse> {
  return {
    apiKey: ApiKey.Fetch,
    name: 'Fetch',
    minVersion: 4,
    maxVersion: 17,
    handle: async (context, request) => {
      const response = (await driver.handleInbound(ApiKey.Fetch, request, context.clientId)) as FetchResponse;
      const byId = context.apiVersion >= 13;
      return { ...response, responses: response.responses.map((t) => ({ ...t, topic: byId ? '' : METADATA_TOPIC, topicId: byId ? t.topicId : ZERO_UUID })) };
    },
    errorResponse: (_request, errorCode) => ({ ...defaultFetchResponse(), errorCode }),
  };
}
