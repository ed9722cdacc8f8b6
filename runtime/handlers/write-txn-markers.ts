import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../core/protocol/generated/messages/write-txn-markers.js';
import type { MarkerReplicas } from '../txn/txn-marker-writer.js';
import type { ApiHandler } from './registry.js';

/**
 * WriteTxnMarkers v0-1 (coordinator → partition leader): appends each
 * marker's control batch to the partitions led here, committed to the ISR
 * (acks=-1) before it answers, as Kafka writes markers.
 */
export function createWriteTxnMarkersHandler(replicas: MarkerReplicas, timeoutMs: number): ApiHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse> {
  return {
    apiKey: ApiKey.WriteTxnMarkers,
    name: 'WriteTxnMarkers',
    minVersion: 0,
    maxVersion: 1,
    handle: async (_context, request) => ({
      markers: await Promise.all(
        request.markers.map(async (m) => ({
          producerId: m.producerId,
          topics: await Promise.all(
            m.topics.map(async (t) => ({
              name: t.name,
              partitions: await Promise.all(
                t.partitionIndexes.map(async (partitionIndex) => {
                  const marker = { producerId: m.producerId, producerEpoch: m.producerEpoch, committed: m.transactionResult, coordinatorEpoch: m.coordinatorEpoch };
                  return { partitionIndex, errorCode: (await replicas.writeTxnMarker(t.name, partitionIndex, marker, timeoutMs)).errorCode };
                }),
              ),
            })),
          ),
        })),
      ),
    }),
    errorResponse: (request, errorCode) => ({
      markers: request.markers.map((m) => ({ producerId: m.producerId, topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })) })) })),
    }),
  };
}
