import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultAlterPartitionResponse, type AlterPartitionRequest, type AlterPartitionResponse } from '../../core/protocol/generated/messages/alter-partition.js';
import type { ControllerApi } from '../controller/quorum-controller.js';
import type { ApiHandler } from './registry.js';

/** AlterPartition v0-3 on the controller listener, decided by the active controller (NOT_CONTROLLER elsewhere). */
export function createAlterPartitionHandler(controller: Pick<ControllerApi, 'alterPartition'>): ApiHandler<AlterPartitionRequest, AlterPartitionResponse> {
  return {
    apiKey: ApiKey.AlterPartition,
    name: 'AlterPartition',
    minVersion: 0,
    maxVersion: 3,
    handle: (_context, request) => controller.alterPartition(request),
    errorResponse: (_request, errorCode) => ({ ...defaultAlterPartitionResponse(), errorCode }),
  };
}
