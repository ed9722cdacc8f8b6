import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultAllocateProducerIdsResponse, type AllocateProducerIdsRequest, type AllocateProducerIdsResponse } from '../../core/protocol/generated/messages/allocate-producer-ids.js';
import type { ControllerApi } from '../controller/quorum-controller.js';
import type { ApiHandler } from './registry.js';

/** AllocateProducerIds v0-0 on the controller listener, decided by the active controller (NOT_CONTROLLER elsewhere). */
export function createAllocateProducerIdsHandler(controller: Pick<ControllerApi, 'allocateProducerIds'>): ApiHandler<AllocateProducerIdsRequest, AllocateProducerIdsResponse> {
  return {
    apiKey: ApiKey.AllocateProducerIds,
    name: 'AllocateProducerIds',
    minVersion: 0,
    maxVersion: 0,
    handle: (_context, request) => controller.allocateProducerIds(request),
    errorResponse: (_request, errorCode) => ({ ...defaultAllocateProducerIdsResponse(), errorCode }),
  };
}
