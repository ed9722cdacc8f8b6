/**
 * Writes a transaction's commit or abort markers to the leaders of its
 * partitions, as Kafka's TransactionMarkerChannelManager: every partition is
 * retried (with backoff) until its marker is written; a partition that no
 * longer exists is skipped, as is one whose producer moved to a newer epoch
 * (a newer coordinator decision already ended that transaction there).
 */
import { errorName } from '../../core/group/error-codes.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { TxnMarkerRequest } from '../../core/txn/transaction-api.js';
import type { Logger } from '../logger.js';
import type { TxnMarkerWriter } from './transaction-coordinator-actor.js';

/** The part of the ReplicaManager used here. */
export interface MarkerReplicas {
  writeTxnMarker(
    topic: string,
    partition: number,
    marker: { producerId: bigint; producerEpoch: number; committed: boolean; coordinatorEpoch: number },
    timeoutMs: number,
  ): Promise<{ errorCode: number; errorMessage: string | null }>;
}

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1_000;

export function replicaMarkerWriter(options: {
  replicas: MarkerReplicas;
  timeoutMs: number;
  logger: Logger;
}): TxnMarkerWriter {
  const writeOne = async (topic: string, partition: number, marker: TxnMarkerRequest, coordinatorEpoch: number, stopped: () => boolean): Promise<void> => {
    for (let backoffMs = FIRST_BACKOFF_MS; !stopped(); backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS)) {
      const outcome = await options.replicas.writeTxnMarker(topic, partition, { ...marker, coordinatorEpoch }, options.timeoutMs);
      if (outcome.errorCode === ErrorCode.NONE) return;
      if (outcome.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || outcome.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH) {
        options.logger.warn(`Transaction marker for ${marker.transactionalId} on ${topic}-${partition} dropped: ${errorName(outcome.errorCode)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  };
  return {
    async write(marker, coordinatorEpoch, stopped) {
      await Promise.all(marker.topics.flatMap((t) => t.partitions.map((p) => writeOne(t.topic, p, marker, coordinatorEpoch, stopped))));
    },
  };
}
