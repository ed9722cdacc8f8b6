import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultDeleteRecordsResponse, type DeleteRecordsRequest, type DeleteRecordsResponse } from '../../core/protocol/generated/messages/delete-records.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { ApiHandler } from './registry.js';

/** DeleteRecords: moves each partition's log start offset (offset -1 means the high watermark). */
export function createDeleteRecordsHandler(replicas: ReplicaManager): ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse> {
  return {
    apiKey: ApiKey.DeleteRecords,
    name: 'DeleteRecords',
    minVersion: 0,
    maxVersion: 2,
    async handle(_context, request) {
      const topics = await Promise.all(
        request.topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(
            topic.partitions.map(async (p) => ({ partitionIndex: p.partitionIndex, ...(await replicas.deleteRecords(topic.name, p.partitionIndex, p.offset)) })),
          ),
        })),
      );
      return { ...defaultDeleteRecordsResponse(), topics };
    },
    errorResponse: (request, errorCode) => ({
      ...defaultDeleteRecordsResponse(),
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode })),
      })),
    }),
  };
}
