import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import {
  defaultOffsetForLeaderEpochResponse,
  defaultOffsetForLeaderEpochResponseEpochEndOffset,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponse,
  type OffsetForLeaderEpochResponseEpochEndOffset,
} from '../../core/protocol/generated/messages/offset-for-leader-epoch.js';
import { leaderEpochError, type ReplicaManager } from '../replica/replica-manager.js';
import type { ApiHandler } from './registry.js';

/**
 * OffsetForLeaderEpoch v2-4 (KIP-101/279; v0-1 are gone from Kafka 4): for
 * each partition this broker leads, the largest epoch at or below the asked
 * one and where it ends in the leader's log (the log end for the current
 * epoch); `-1/-1` when the log has no such epoch. Clients use it after a
 * leader change to find whether what they consumed was truncated (KIP-320).
 */
export function createOffsetsForLeaderEpochHandler(replicas: ReplicaManager): ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> {
  return {
    apiKey: ApiKey.OffsetForLeaderEpoch,
    name: 'OffsetForLeaderEpoch',
    minVersion: 2,
    maxVersion: 4,
    async handle(_context, request) {
      const topics = await Promise.all(
        request.topics.map(async (topic) => ({
          topic: topic.topic,
          partitions: await Promise.all(
            topic.partitions.map(async (p): Promise<OffsetForLeaderEpochResponseEpochEndOffset> => {
              const answer = (errorCode: number, leaderEpoch = -1, endOffset = -1n) => ({ ...defaultOffsetForLeaderEpochResponseEpochEndOffset(), partition: p.partition, errorCode, leaderEpoch, endOffset });
              const found = replicas.lookup(topic.topic, p.partition);
              if (found.partition === undefined) return answer(found.errorCode);
              const epochError = leaderEpochError(p.currentLeaderEpoch, found.partition.leaderEpoch);
              if (epochError !== ErrorCode.NONE) return answer(epochError);
              const reply = await replicas.askReplica(found.partition, { op: 'epochEndOffset', leaderEpoch: p.leaderEpoch });
              if (reply === null) return answer(ErrorCode.NOT_LEADER_OR_FOLLOWER);
              return answer(reply.body.errorCode, reply.body.leaderEpoch, BigInt(reply.body.endOffset));
            }),
          ),
        })),
      );
      return { ...defaultOffsetForLeaderEpochResponse(), topics };
    },
    errorResponse: (request, errorCode) => ({
      ...defaultOffsetForLeaderEpochResponse(),
      topics: request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((p) => ({ ...defaultOffsetForLeaderEpochResponseEpochEndOffset(), partition: p.partition, errorCode })),
      })),
    }),
  };
}
