import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../core/protocol/generated/messages/incremental-alter-configs.js';
import type { ApiHandler } from './registry.js';

/** IncrementalAlterConfigs v0-1 (SET/DELETE/APPEND/SUBTRACT), validated and applied by the active controller. */
export function createIncrementalAlterConfigsHandler(target: {
  incrementalAlterConfigs(request: IncrementalAlterConfigsRequest): Promise<IncrementalAlterConfigsResponse>;
}): ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> {
  return {
    apiKey: ApiKey.IncrementalAlterConfigs,
    name: 'IncrementalAlterConfigs',
    minVersion: 0,
    maxVersion: 1,
    handle: (_context, request) => target.incrementalAlterConfigs(request),
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
    }),
  };
}
