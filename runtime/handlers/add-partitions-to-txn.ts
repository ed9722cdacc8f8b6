import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  AddPartitionsToTxnResponse,
  AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../../core/protocol/generated/messages/add-partitions-to-txn.js';
import type { AddPartitionsToTxnResponse as TxnAddResponse } from '../../core/txn/transaction-api.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { TransactionCoordinatorService } from '../txn/transaction-coordinator-service.js';
import { callTransactionCoordinator, fencedCodeFor, partitionExists } from '../txn/txn-requests.js';
import type { ApiHandler } from './registry.js';

interface OneTransaction {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: AddPartitionsToTxnRequestAddPartitionsToTxnTopic[];
}

/**
 * AddPartitionsToTxn v0-5: one transaction from a producer (v0-3), or a batch
 * of them from a partition leader (v4+), where `verifyOnly` asks whether the
 * partitions are in the ongoing transaction (KIP-890 part 1). As Kafka:
 * partitions that do not exist fail UNKNOWN_TOPIC_OR_PARTITION and the rest
 * of the request OPERATION_NOT_ATTEMPTED.
 */
export function createAddPartitionsToTxnHandler(service: TransactionCoordinatorService, metadata: ClusterMetadata): ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> {
  const results = (topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[], codeOf: (topic: string, partition: number) => number): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] =>
    topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codeOf(t.name, p) })) }));

  const addOne = async (txn: OneTransaction, version: number): Promise<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[]> => {
    const image = metadata.image();
    const missing = (topic: string, partition: number): boolean => !partitionExists(image, topic, partition);
    if (txn.topics.some((t) => t.partitions.some((p) => missing(t.name, p)))) {
      return results(txn.topics, (topic, partition) => (missing(topic, partition) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
    }
    const call = {
      api: 'AddPartitionsToTxn' as const,
      request: { ...txn, topics: txn.topics.map((t) => ({ topic: t.name, partitions: t.partitions })) },
    };
    return callTransactionCoordinator(
      service,
      txn.transactionalId,
      call,
      (r: TxnAddResponse) => {
        const notIn = new Set(r.notInTransaction.flatMap((t) => t.partitions.map((p) => `${t.topic}\u0000${p}`)));
        const code = fencedCodeFor(r.errorCode, version, 2);
        return results(txn.topics, (topic, partition) => (code === ErrorCode.INVALID_TXN_STATE && !notIn.has(`${topic}\u0000${partition}`) ? ErrorCode.NONE : code));
      },
      (errorCode) => results(txn.topics, () => errorCode),
    );
  };

  return {
    apiKey: ApiKey.AddPartitionsToTxn,
    name: 'AddPartitionsToTxn',
    minVersion: 0,
    maxVersion: 5,
    async handle(context, request) {
      const version = context.apiVersion;
      if (version <= 3) {
        const txn = { transactionalId: request.v3AndBelowTransactionalId, producerId: request.v3AndBelowProducerId, producerEpoch: request.v3AndBelowProducerEpoch, verifyOnly: false, topics: request.v3AndBelowTopics };
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: await addOne(txn, version) };
      }
      const resultsByTransaction = await Promise.all(request.transactions.map(async (txn) => ({ transactionalId: txn.transactionalId, topicResults: await addOne(txn, version) })));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction, resultsByTopicV3AndBelow: [] };
    },
    errorResponse: (request, errorCode) => {
      const all = (topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[]) => results(topics, () => errorCode);
      return {
        throttleTimeMs: 0,
        errorCode: request.transactions.length > 0 ? errorCode : ErrorCode.NONE,
        resultsByTransaction: request.transactions.map((t) => ({ transactionalId: t.transactionalId, topicResults: all(t.topics) })),
        resultsByTopicV3AndBelow: all(request.v3AndBelowTopics),
      };
    },
  };
}
