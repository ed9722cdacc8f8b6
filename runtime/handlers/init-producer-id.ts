import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultInitProducerIdResponse, type InitProducerIdRequest, type InitProducerIdResponse } from '../../core/protocol/generated/messages/init-producer-id.js';
import type { Logger } from '../logger.js';
import { ProducerIdsUnavailableError, type ProducerIdManager } from '../producer/producer-id-manager.js';
import type { ApiHandler } from './registry.js';

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

export interface InitProducerIdOptions {
  readonly producerIds: Pick<ProducerIdManager, 'generateProducerId'>;
  readonly log: Logger;
}

/**
 * InitProducerId v0-5 for idempotent producers (transactionalId null): a new
 * producer id with epoch 0, every time, as Kafka's TransactionCoordinator
 * answers. A producerId/epoch in the request (v3+, KIP-360) is not taken as
 * a claim on that id: nothing proves a non-transactional producer owns it
 * (@platformatic/kafka sends 0/0 on its first init), so bumping it could hand
 * one producer's id to another and fence the first; idempotent producers
 * bump their epoch themselves. Transactional ids need a transaction
 * coordinator, which this broker does not run yet: COORDINATOR_NOT_AVAILABLE.
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
    async handle(_context, request) {
      // As Kafka's KafkaApis: a producer id without an epoch (or the reverse) is malformed.
      if ((request.producerId === NO_PRODUCER_ID) !== (request.producerEpoch === NO_PRODUCER_EPOCH)) return answer(ErrorCode.INVALID_REQUEST);
      if (request.transactionalId !== null) {
        return answer(request.transactionalId === '' ? ErrorCode.INVALID_REQUEST : ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
      try {
        return answer(ErrorCode.NONE, await options.producerIds.generateProducerId(), 0);
      } catch (error) {
        if (!(error instanceof ProducerIdsUnavailableError)) throw error;
        options.log.warn(`InitProducerId: ${error.message}`);
        return answer(error.errorCode);
      }
    },
    errorResponse: (_request, errorCode) => answer(errorCode),
  };
}
