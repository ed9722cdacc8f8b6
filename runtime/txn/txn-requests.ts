/**
 * What the transaction handlers share: routing a call to the coordinator of
 * its transactional id, turning "not here" into the API's own error answer,
 * and KIP-588's rule for clients that predate PRODUCER_FENCED.
 */
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { CoordinatorUnavailableError } from '../group/group-coordinator-service.js';
import type { TxnCall } from './transaction-coordinator-actor.js';
import type { TransactionCoordinatorService } from './transaction-coordinator-service.js';

export async function callTransactionCoordinator<Response, R>(
  service: TransactionCoordinatorService,
  transactionalId: string,
  call: TxnCall,
  onResponse: (response: Response) => R,
  onError: (errorCode: number) => R,
): Promise<R> {
  try {
    return onResponse(await service.call<Response>(transactionalId, call));
  } catch (error) {
    if (error instanceof CoordinatorUnavailableError) return onError(error.errorCode);
    throw error;
  }
}

/** KIP-588: versions before `firstVersion` know only INVALID_PRODUCER_EPOCH for a fenced producer. */
export function fencedCodeFor(errorCode: number, version: number, firstVersion: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < firstVersion ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}

/** Whether the image has the partition (a transaction may only add partitions that exist). */
export function partitionExists(image: MetadataImage, topic: string, partition: number): boolean {
  const topicId = image.topicIdsByName.get(topic);
  return topicId !== undefined && image.topics.get(topicId)?.partitions.has(partition) === true;
}
