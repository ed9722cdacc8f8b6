import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import {
  defaultDescribeQuorumResponse,
  defaultDescribeQuorumResponsePartitionData,
  type DescribeQuorumRequest,
  type DescribeQuorumResponse,
  type DescribeQuorumResponseReplicaState,
} from '../../core/protocol/generated/messages/describe-quorum.js';
import { ZERO_UUID } from '../../core/protocol/reader.js';
import type { QuorumVoter } from '../../core/raft/quorum-voters.js';
import type { ReplicaState } from '../../core/raft/raft-node.js';
import { METADATA_TOPIC } from '../raft/metadata-log-storage.js';
import type { RaftDriver } from '../raft/raft-driver.js';
import type { ApiHandler } from './registry.js';

/**
 * DescribeQuorum v0-2 for `__cluster_metadata-0`: the leader answers with the voters' and
 * observers' log end offsets and last fetch / caught-up times; other nodes answer
 * NOT_LEADER_OR_FOLLOWER naming the leader they know, unless given `forward` (the broker
 * listener, as Kafka brokers forward it) to ask the leader's controller listener instead.
 * v2 lists the voters' controller endpoints.
 */
export function createDescribeQuorumHandler(
  driver: RaftDriver,
  voters: readonly QuorumVoter[],
  controllerListenerName: string,
  forward?: (leaderId: number, apiVersion: number, request: DescribeQuorumRequest) => Promise<DescribeQuorumResponse>,
): ApiHandler<DescribeQuorumRequest, DescribeQuorumResponse> {
  return {
    apiKey: ApiKey.DescribeQuorum,
    name: 'DescribeQuorum',
    minVersion: 0,
    maxVersion: 2,
    handle: async (context, request) => {
      const leaderId = driver.status().leaderId;
      if (forward !== undefined && leaderId >= 0 && leaderId !== driver.status().nodeId) return forward(leaderId, context.apiVersion, request);
      const nodes = context.apiVersion >= 2 ? voters.map((v) => ({ nodeId: v.id, listeners: [{ name: controllerListenerName, host: v.host, port: v.port }] })) : [];
      const description = driver.describeQuorum();
      const status = driver.status();
      const partition = { ...defaultDescribeQuorumResponsePartitionData(), partitionIndex: 0, leaderId: status.leaderId, leaderEpoch: status.epoch };
      if (description === undefined) {
        const errorMessage = `Node ${status.nodeId} is not the quorum leader`;
        return { ...defaultDescribeQuorumResponse(), topics: [{ topicName: METADATA_TOPIC, partitions: [{ ...partition, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage }] }], nodes };
      }
      const { nowMs, tickMs, ticks } = description;
      const at = (tick: number): bigint => (tick < 0 ? -1n : BigInt(Math.round(nowMs - (ticks - tick) * tickMs)));
      const replica = (r: ReplicaState): DescribeQuorumResponseReplicaState => ({
        replicaId: r.replicaId,
        replicaDirectoryId: ZERO_UUID,
        logEndOffset: BigInt(r.logEndOffset),
        // The leader is always current with itself.
        lastFetchTimestamp: context.apiVersion >= 1 ? (r.replicaId === status.nodeId ? BigInt(nowMs) : at(r.lastFetchTick)) : -1n,
        lastCaughtUpTimestamp: context.apiVersion >= 1 ? (r.replicaId === status.nodeId ? BigInt(nowMs) : at(r.lastCaughtUpTick)) : -1n,
      });
      return {
        ...defaultDescribeQuorumResponse(),
        topics: [
          {
            topicName: METADATA_TOPIC,
            partitions: [
              {
                ...partition,
                highWatermark: BigInt(description.highWatermark),
                currentVoters: description.currentVoters.map(replica),
                observers: description.observers.map(replica),
              },
            ],
          },
        ],
        nodes,
      };
    },
    errorResponse: (_request, errorCode) => ({ ...defaultDescribeQuorumResponse(), errorCode }),
  };
}
