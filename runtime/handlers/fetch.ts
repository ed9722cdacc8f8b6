import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultFetchResponse, type FetchRequest, type FetchResponse } from '../../core/protocol/generated/messages/fetch.js';
import type { FetchManager } from '../replica/fetch-manager.js';
import type { ApiHandler } from './registry.js';

/** Fetch v4+ (v0-v3 answered the old message formats, which Kafka 4 no longer serves). */
export function createFetchHandler(fetches: FetchManager): ApiHandler<FetchRequest, FetchResponse> {
  return {
    apiKey: ApiKey.Fetch,
    name: 'Fetch',
    minVersion: 4,
    maxVersion: 17,
    handle: (context, request) => fetches.fetch(request, context.apiVersion),
    errorResponse: (_request, errorCode) => ({ ...defaultFetchResponse(), errorCode }),
  };
}
