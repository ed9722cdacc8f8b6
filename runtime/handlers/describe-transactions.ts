import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { DescribeTransactionsRequest, DescribeTransactionsResponse, DescribeTransactionsResponseTransactionState } from '../../core/protocol/generated/messages/describe-transactions.js';
import type { DescribedTransaction } from '../../core/txn/transaction-api.js';
import { CoordinatorUnavailableError } from '../group/group-coordinator-service.js';
import type { TransactionCoordinatorService } from '../txn/transaction-coordinator-service.js';
import type { ApiHandler } from './registry.js';

/** DescribeTransactions v0: each transactional id from its coordinator (NOT_COORDINATOR for ids coordinated elsewhere). */
export function createDescribeTransactionsHandler(service: TransactionCoordinatorService): ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponse> {
  const failed = (transactionalId: string, errorCode: number): DescribeTransactionsResponseTransactionState => ({
    errorCode,
    transactionalId,
    transactionState: '',
    transactionTimeoutMs: 0,
    transactionStartTimeMs: -1n,
    producerId: -1n,
    producerEpoch: -1,
    topics: [],
  });
  const describe = async (transactionalId: string): Promise<DescribeTransactionsResponseTransactionState> => {
    try {
      const [d] = await service.read<DescribedTransaction[]>(service.partitionFor(transactionalId), { api: 'DescribeTransactions', transactionalIds: [transactionalId] });
      return { ...d!, topics: d!.topics.map((t) => ({ topic: t.topic, partitions: t.partitions })) };
    } catch (error) {
      if (error instanceof CoordinatorUnavailableError) return failed(transactionalId, error.errorCode);
      throw error;
    }
  };
  return {
    apiKey: ApiKey.DescribeTransactions,
    name: 'DescribeTransactions',
    minVersion: 0,
    maxVersion: 0,
    handle: async (_context, request) => ({ throttleTimeMs: 0, transactionStates: await Promise.all(request.transactionalIds.map(describe)) }),
    errorResponse: (request, errorCode) => ({ throttleTimeMs: 0, transactionStates: request.transactionalIds.map((id) => failed(id, errorCode)) }),
  };
}
