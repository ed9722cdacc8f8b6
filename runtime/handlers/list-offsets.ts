import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import {
  defaultListOffsetsResponse,
  defaultListOffsetsResponseListOffsetsPartitionResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
} from '../../core/protocol/generated/messages/list-offsets.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { ApiHandler } from './registry.js';

/** ListOffsets v1+ (v0's multi-offset answer is gone from Kafka 4): -1 latest, -2 earliest, -3 max timestamp, or a timestamp. */
export function createListOffsetsHandler(replicas: ReplicaManager): ApiHandler<ListOffsetsRequest, ListOffsetsResponse> {
  return {
    apiKey: ApiKey.ListOffsets,
    name: 'ListOffsets',
    minVersion: 1,
    maxVersion: 10,
    async handle(context, request) {
      const topics = await Promise.all(
        request.topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(
            topic.partitions.map(async (p) => {
              const found = await replicas.listOffset(topic.name, p.partitionIndex, p.timestamp, request.isolationLevel);
              return {
                ...defaultListOffsetsResponseListOffsetsPartitionResponse(),
                partitionIndex: p.partitionIndex,
                errorCode: found.errorCode,
                timestamp: found.timestamp,
                offset: found.offset,
                leaderEpoch: context.apiVersion >= 4 ? found.leaderEpoch : -1,
              };
            }),
          ),
        })),
      );
      return { ...defaultListOffsetsResponse(), topics };
    },
    errorResponse: (request, errorCode) => ({
      ...defaultListOffsetsResponse(),
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p) => ({ ...defaultListOffsetsResponseListOffsetsPartitionResponse(), partitionIndex: p.partitionIndex, errorCode })),
      })),
    }),
  };
}
