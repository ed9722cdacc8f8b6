import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../core/protocol/generated/messages/create-partitions.js';
import type { ApiHandler } from './registry.js';

/** CreatePartitions v0-3: grows topics through the active controller. */
export function createCreatePartitionsHandler(target: { createPartitions(request: CreatePartitionsRequest): Promise<CreatePartitionsResponse> }): ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> {
  return {
    apiKey: ApiKey.CreatePartitions,
    name: 'CreatePartitions',
    minVersion: 0,
    maxVersion: 3,
    handle: (_context, request) => target.createPartitions(request),
    errorResponse: (request, errorCode) => ({ throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null })) }),
  };
}
