import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import {
  defaultAllocateProducerIdsResponse,
  type AllocateProducerIdsRequest,
  type AllocateProducerIdsResponse,
} from '../../protocol/generated/messages/allocate-producer-ids.js';
import type { ControllerResult, ControllerState } from './controller-state.js';

/** AllocateProducerIds: hands a registered, unfenced broker the next block of producer ids. */
export function allocateProducerIds(state: ControllerState, request: AllocateProducerIdsRequest): ControllerResult<AllocateProducerIdsResponse> {
  const broker = state.image.brokers.get(request.brokerId);
  if (broker === undefined || broker.brokerEpoch !== request.brokerEpoch || broker.fenced) {
    return { records: [], response: { ...defaultAllocateProducerIdsResponse(), errorCode: ErrorCode.STALE_BROKER_EPOCH } };
  }
  const producerIdStart = state.image.nextProducerId;
  const producerIdLen = state.config.producerIdBlockSize;
  return {
    records: [
      {
        type: MetadataRecordType.ProducerIdsRecord,
        value: { brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, nextProducerId: producerIdStart + BigInt(producerIdLen) },
      },
    ],
    response: { ...defaultAllocateProducerIdsResponse(), producerIdStart, producerIdLen },
  };
}
