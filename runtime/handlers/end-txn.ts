import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultEndTxnResponse, type EndTxnRequest, type EndTxnResponse } from '../../core/protocol/generated/messages/end-txn.js';
import type { EndTxnResponse as TxnEndResponse } from '../../core/txn/transaction-api.js';
import type { Logger } from '../logger.js';
import { ProducerIdsUnavailableError, type ProducerIdManager } from '../producer/producer-id-manager.js';
import type { TransactionCoordinatorService } from '../txn/transaction-coordinator-service.js';
import { callTransactionCoordinator, fencedCodeFor } from '../txn/txn-requests.js';
import type { ApiHandler } from './registry.js';

/** EndTxn v5 is transaction version 2 (KIP-890 part 2): the epoch is bumped at each end and returned. */
const TRANSACTION_V2_VERSION = 5;

/**
 * EndTxn v0-5: commit or abort. The answer leaves once PrepareCommit or
 * PrepareAbort is written; the markers follow, and the transactional id's
 * next transaction waits (CONCURRENT_TRANSACTIONS) until they are written.
 */
export function createEndTxnHandler(service: TransactionCoordinatorService, producerIds: Pick<ProducerIdManager, 'generateProducerId'>, log: Logger): ApiHandler<EndTxnRequest, EndTxnResponse> {
  const response = (errorCode: number): EndTxnResponse => ({ ...defaultEndTxnResponse(), errorCode });
  return {
    apiKey: ApiKey.EndTxn,
    name: 'EndTxn',
    minVersion: 0,
    maxVersion: 5,
    async handle(context, request) {
      const tv2 = context.apiVersion >= TRANSACTION_V2_VERSION;
      let producerIdCandidate = -1n;
      if (tv2) {
        // A bump that exhausts the epoch moves the producer to a new id.
        try {
          producerIdCandidate = await producerIds.generateProducerId();
        } catch (error) {
          if (!(error instanceof ProducerIdsUnavailableError)) throw error;
          log.warn(`EndTxn: ${error.message}`);
          return response(error.errorCode);
        }
      }
      const call = {
        api: 'EndTxn' as const,
        request: { transactionalId: request.transactionalId, producerId: request.producerId, producerEpoch: request.producerEpoch, committed: request.committed, transactionVersion2: tv2, producerIdCandidate },
      };
      return callTransactionCoordinator(
        service,
        request.transactionalId,
        call,
        (r: TxnEndResponse) => ({
          ...response(fencedCodeFor(r.errorCode, context.apiVersion, 2)),
          ...(tv2 && r.errorCode === ErrorCode.NONE ? { producerId: r.producerId, producerEpoch: r.producerEpoch } : {}),
        }),
        response,
      );
    },
    errorResponse: (_request, errorCode) => response(errorCode),
  };
}
