import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { DescribeProducersRequest, DescribeProducersResponse } from '../../core/protocol/generated/messages/describe-producers.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { ApiHandler } from './registry.js';

/**
 * DescribeProducers v0: per partition led here, the producers its leader
 * remembers (epoch, last sequence and timestamp) and where each one's
 * ongoing transaction started: what `kafka-transactions.sh
 * describe-producers` and find-hanging read.
 */
export function createDescribeProducersHandler(replicas: Pick<ReplicaManager, 'describeProducers'>): ApiHandler<DescribeProducersRequest, DescribeProducersResponse> {
  return {
    apiKey: ApiKey.DescribeProducers,
    name: 'DescribeProducers',
    minVersion: 0,
    maxVersion: 0,
    handle: async (_context, request) => ({
      throttleTimeMs: 0,
      topics: await Promise.all(
        request.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(
            t.partitionIndexes.map(async (partitionIndex) => {
              const { errorCode, producers } = await replicas.describeProducers(t.name, partitionIndex);
              return {
                partitionIndex,
                errorCode,
                errorMessage: null,
                activeProducers: producers.map((p) => ({
                  producerId: p.producerId,
                  producerEpoch: p.producerEpoch,
                  lastSequence: p.lastSequence,
                  lastTimestamp: BigInt(p.lastTimestampMs),
                  coordinatorEpoch: p.coordinatorEpoch,
                  currentTxnStartOffset: p.currentTxnStartOffset,
                })),
              };
            }),
          ),
        })),
      ),
    }),
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] })) })),
    }),
  };
}
