import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../../core/protocol/generated/messages/alter-partition-reassignments.js';
import type { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../../core/protocol/generated/messages/list-partition-reassignments.js';
import type { ApiHandler } from './registry.js';

interface ReassignmentTarget {
  alterPartitionReassignments(request: AlterPartitionReassignmentsRequest): Promise<AlterPartitionReassignmentsResponse>;
  listPartitionReassignments(request: ListPartitionReassignmentsRequest): Promise<ListPartitionReassignmentsResponse>;
}

/** AlterPartitionReassignments v0 (KIP-455): decided by the active controller. */
export function createAlterPartitionReassignmentsHandler(
  target: Pick<ReassignmentTarget, 'alterPartitionReassignments'>,
): ApiHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse> {
  return {
    apiKey: ApiKey.AlterPartitionReassignments,
    name: 'AlterPartitionReassignments',
    minVersion: 0,
    maxVersion: 0,
    handle: (_context, request) => target.alterPartitionReassignments(request),
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage: null,
      responses: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage: null })) })),
    }),
  };
}

/** ListPartitionReassignments v0 (KIP-455): answered by the active controller. */
export function createListPartitionReassignmentsHandler(
  target: Pick<ReassignmentTarget, 'listPartitionReassignments'>,
): ApiHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse> {
  return {
    apiKey: ApiKey.ListPartitionReassignments,
    name: 'ListPartitionReassignments',
    minVersion: 0,
    maxVersion: 0,
    handle: (_context, request) => target.listPartitionReassignments(request),
    errorResponse: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, errorMessage: null, topics: [] }),
  };
}
