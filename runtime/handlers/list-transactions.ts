import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { ListTransactionsRequest, ListTransactionsResponse } from '../../core/protocol/generated/messages/list-transactions.js';
import type { ListTransactionsResponse as TxnListResponse } from '../../core/txn/transaction-api.js';
import { CoordinatorUnavailableError } from '../group/group-coordinator-service.js';
import type { TransactionCoordinatorService } from '../txn/transaction-coordinator-service.js';
import type { ApiHandler } from './registry.js';

/**
 * ListTransactions v0-1: the transactions of every coordinator on this node
 * (admin clients ask each broker), filtered by state, producer id and (v1)
 * how long they have been running. A coordinator still loading makes the
 * answer COORDINATOR_LOAD_IN_PROGRESS, as Kafka does.
 */
export function createListTransactionsHandler(service: TransactionCoordinatorService): ApiHandler<ListTransactionsRequest, ListTransactionsResponse> {
  const response = (errorCode: number, r: TxnListResponse = { unknownStateFilters: [], transactionStates: [] }): ListTransactionsResponse => ({ throttleTimeMs: 0, errorCode, ...r });
  return {
    apiKey: ApiKey.ListTransactions,
    name: 'ListTransactions',
    minVersion: 0,
    maxVersion: 1,
    async handle(_context, request) {
      const call = { api: 'ListTransactions' as const, request: { stateFilters: request.stateFilters, producerIdFilters: request.producerIdFilters, durationFilterMs: request.durationFilter } };
      const merged: TxnListResponse = { unknownStateFilters: [], transactionStates: [] };
      try {
        for (const partition of service.localPartitions()) {
          const r = await service.read<TxnListResponse>(partition, call);
          merged.unknownStateFilters = r.unknownStateFilters;
          merged.transactionStates.push(...r.transactionStates);
        }
      } catch (error) {
        if (error instanceof CoordinatorUnavailableError) return response(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
        throw error;
      }
      return response(ErrorCode.NONE, merged);
    },
    errorResponse: (_request, errorCode) => response(errorCode),
  };
}
