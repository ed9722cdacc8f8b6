/**
 * Writes a transaction's commit or abort markers to the leaders of its
 * partitions, as Kafka's TransactionMarkerChannelManager: a partition led
 * here is written through the local replicas, one led by another broker gets
 * WriteTxnMarkers over the inter-broker listener; every partition is retried
 * (with backoff, leader looked up again) until its marker is written; a
 * partition that no longer exists is skipped, as is one whose producer moved
 * to a newer epoch (a newer coordinator decision already ended that
 * transaction there).
 */
import { errorName } from '../../core/group/error-codes.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../core/protocol/generated/messages/write-txn-markers.js';
import type { TxnMarkerRequest } from '../../core/txn/transaction-api.js';
import type { Logger } from '../logger.js';
import type { BrokerChannels } from './broker-channels.js';
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
const WRITE_TXN_MARKERS_VERSION = 1;

export function replicaMarkerWriter(options: {
  replicas: MarkerReplicas;
  brokers: Pick<BrokerChannels, 'nodeId' | 'leaderOf' | 'request'>;
  timeoutMs: number;
  logger: Logger;
}): TxnMarkerWriter {
  const { replicas, brokers } = options;
  /** The marker's error code from the partition's leader; a leader that cannot be reached counts as not the leader (retried). */
  const writeAtLeader = async (topic: string, partition: number, marker: TxnMarkerRequest, coordinatorEpoch: number): Promise<number> => {
    const leader = brokers.leaderOf(topic, partition);
    if (leader === null || leader === brokers.nodeId) return (await replicas.writeTxnMarker(topic, partition, { ...marker, coordinatorEpoch }, options.timeoutMs)).errorCode;
    const request: WriteTxnMarkersRequest = {
      markers: [{ producerId: marker.producerId, producerEpoch: marker.producerEpoch, transactionResult: marker.committed, coordinatorEpoch, topics: [{ name: topic, partitionIndexes: [partition] }] }],
    };
    try {
      const response = await brokers.request<WriteTxnMarkersResponse>(leader, ApiKey.WriteTxnMarkers, WRITE_TXN_MARKERS_VERSION, request);
      return response.markers[0]?.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    } catch {
      return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    }
  };
  const writeOne = async (topic: string, partition: number, marker: TxnMarkerRequest, coordinatorEpoch: number, stopped: () => boolean): Promise<void> => {
    for (let backoffMs = FIRST_BACKOFF_MS; !stopped(); backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS)) {
      const errorCode = await writeAtLeader(topic, partition, marker, coordinatorEpoch);
      if (errorCode === ErrorCode.NONE) return;
      if (errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || errorCode === ErrorCode.INVALID_PRODUCER_EPOCH) {
        options.logger.warn(`Transaction marker for ${marker.transactionalId} on ${topic}-${partition} dropped: ${errorName(errorCode)}`);
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
