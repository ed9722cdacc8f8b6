import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../core/protocol/generated/messages/txn-offset-commit.js';
import type { GroupCoordinatorService } from '../group/group-coordinator-service.js';
import { writeToCoordinator } from '../group/group-requests.js';
import type { ApiHandler } from './registry.js';

/**
 * TxnOffsetCommit v0-4: offsets committed in a transaction (after
 * AddOffsetsToTxn), sent to the group's coordinator; v3+ carries the member's
 * generation and id for KIP-447 fencing. The offsets become visible when the
 * transaction's commit marker reaches __consumer_offsets.
 */
export function createTxnOffsetCommitHandler(service: GroupCoordinatorService): ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse> {
  const response = (request: TxnOffsetCommitRequest, errorCode: number): TxnOffsetCommitResponse => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  });
  return {
    apiKey: ApiKey.TxnOffsetCommit,
    name: 'TxnOffsetCommit',
    minVersion: 0,
    maxVersion: 4,
    handle: (_context, request) => {
      const { transactionalId, groupId, producerId, producerEpoch, generationId, memberId, groupInstanceId, topics } = request;
      const call = { api: 'TxnOffsetCommit' as const, request: { transactionalId, groupId, producerId, producerEpoch, generationId, memberId, groupInstanceId, topics } };
      return writeToCoordinator(service, groupId, call, (r) => ({ throttleTimeMs: 0, topics: r.topics }), (errorCode) => response(request, errorCode));
    },
    errorResponse: response,
  };
}
