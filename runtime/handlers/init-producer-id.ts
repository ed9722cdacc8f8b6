import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultInitProducerIdResponse, type InitProducerIdRequest, type InitProducerIdResponse } from '../../core/protocol/generated/messages/init-producer-id.js';
import type { Logger } from '../logger.js';
import { ProducerIdsUnavailableError, type ProducerIdManager } from '../producer/producer-id-manager.js';
import type { InitProducerIdResponse as TxnInitResponse } from '../../core/txn/transaction-api.js';
import type { TransactionCoordinatorService } from '../txn/transaction-coordinator-service.js';
import { callTransactionCoordinator, fencedCodeFor } from '../txn/txn-requests.js';
import type { ApiHandler } from './registry.js';

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

export interface InitProducerIdOptions {
  readonly producerIds: Pick<ProducerIdManager, 'generateProducerId'>;
  readonly log: Logger;
  /** The transaction coordinators; without them a transactionalId is answered COORDINATOR_NOT_AVAILABLE. */
  readonly transactions?: TransactionCoordinatorService;
}

/** KIP-588: InitProducerId v4+ knows PRODUCER_FENCED. */
const PRODUCER_FENCED_VERSION = 4;

/**
 * InitProducerId v0-5 for idempotent producers (transactionalId null): a new
 * producer id with epoch 0, every time, as Kafka's TransactionCoordinator
 * answers. A producerId/epoch in the request (v3+, KIP-360) is not taken as
 * a claim on that id: nothing proves a non-transactional producer owns it
 * (@platformatic/kafka sends 0/0 on its first init), so bumping it could hand
 * one producer's id to another and fence the first; idempotent producers
 * bump their epoch themselves. A transactionalId goes to its transaction
 * coordinator, with a fresh id from the block in case it needs one (a new
 * transactional id, an exhausted epoch): epoch bumps, fencing, KIP-360.
 */
export function createInitProducerIdHandler(options: InitProducerIdOptions): ApiHandler<InitProducerIdRequest, InitProducerIdResponse> {
  const answer = (errorCode: number, producerId = NO_PRODUCER_ID, producerEpoch = NO_PRODUCER_EPOCH): InitProducerIdResponse => ({
    ...defaultInitProducerIdResponse(),
    errorCode,
    producerId,
    producerEpoch,
  });
  return {
    apiKey: ApiKey.InitProducerId,
    name: 'InitProducerId',
    minVersion: 0,
    maxVersion: 5,
    async handle(context, request) {
      // As Kafka's KafkaApis: a producer id without an epoch (or the reverse) is malformed.
      if ((request.producerId === NO_PRODUCER_ID) !== (request.producerEpoch === NO_PRODUCER_EPOCH)) return answer(ErrorCode.INVALID_REQUEST);
      const { transactionalId } = request;
      if (transactionalId !== null && (transactionalId === '' || options.transactions === undefined)) {
        return answer(transactionalId === '' ? ErrorCode.INVALID_REQUEST : ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
      let producerId: bigint;
      try {
        producerId = await options.producerIds.generateProducerId();
      } catch (error) {
        if (!(error instanceof ProducerIdsUnavailableError)) throw error;
        options.log.warn(`InitProducerId: ${error.message}`);
        return answer(error.errorCode);
      }
      if (transactionalId === null || options.transactions === undefined) return answer(ErrorCode.NONE, producerId, 0);
      const call = {
        api: 'InitProducerId' as const,
        request: { transactionalId, transactionTimeoutMs: request.transactionTimeoutMs, producerId: request.producerId, producerEpoch: request.producerEpoch, producerIdCandidate: producerId },
      };
      return callTransactionCoordinator(
        options.transactions,
        transactionalId,
        call,
        (r: TxnInitResponse) => answer(fencedCodeFor(r.errorCode, context.apiVersion, PRODUCER_FENCED_VERSION), r.producerId, r.producerEpoch),
        (errorCode) => answer(errorCode),
      );
    },
    errorResponse: (_request, errorCode) => answer(errorCode),
  };
}
