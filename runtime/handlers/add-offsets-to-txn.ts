import { coordinatorPartitionFor } from '../../core/group/coordinator-partition.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../core/protocol/generated/messages/add-offsets-to-txn.js';
import type { AddPartitionsToTxnResponse } from '../../core/txn/transaction-api.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { CONSUMER_OFFSETS_TOPIC, offsetsTopic } from '../group/group-coordinator-service.js';
import type { TransactionCoordinatorService } from '../txn/transaction-coordinator-service.js';
import { callTransactionCoordinator, fencedCodeFor } from '../txn/txn-requests.js';
import type { ApiHandler } from './registry.js';

/**
 * AddOffsetsToTxn v0-4: the group's __consumer_offsets partition joins the
 * transaction, so that its commit marker makes the TxnOffsetCommit offsets
 * visible (and its abort marker drops them).
 */
export function createAddOffsetsToTxnHandler(service: TransactionCoordinatorService, metadata: ClusterMetadata, config: BrokerConfig): ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> {
  const response = (errorCode: number): AddOffsetsToTxnResponse => ({ throttleTimeMs: 0, errorCode });
  return {
    apiKey: ApiKey.AddOffsetsToTxn,
    name: 'AddOffsetsToTxn',
    minVersion: 0,
    maxVersion: 4,
    handle: (context, request) => {
      const partitions = offsetsTopic(metadata.image())?.partitions.size ?? config.values['offsets.topic.num.partitions'];
      const partition = coordinatorPartitionFor(request.groupId, partitions);
      const call = {
        api: 'AddPartitionsToTxn' as const,
        request: { transactionalId: request.transactionalId, producerId: request.producerId, producerEpoch: request.producerEpoch, verifyOnly: false, topics: [{ topic: CONSUMER_OFFSETS_TOPIC, partitions: [partition] }] },
      };
      return callTransactionCoordinator(service, request.transactionalId, call, (r: AddPartitionsToTxnResponse) => response(fencedCodeFor(r.errorCode, context.apiVersion, 2)), response);
    },
    errorResponse: (_request, errorCode) => response(errorCode),
  };
}
