import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { BeginQuorumEpochRequest as WireBeginRequest, BeginQuorumEpochResponse as WireBeginResponse } from '../../core/protocol/generated/messages/begin-quorum-epoch.js';
import type { EndQuorumEpochRequest as WireEndRequest, EndQuorumEpochResponse as WireEndResponse } from '../../core/protocol/generated/messages/end-quorum-epoch.js';
import {
  defaultFetchRequest,
  defaultFetchRequestFetchPartition,
  defaultFetchResponse,
  defaultFetchResponsePartitionData,
  type FetchRequest as WireFetchRequest,
  type FetchResponse as WireFetchResponse,
} from '../../core/protocol/generated/messages/fetch.js';
import type { FetchSnapshotRequest as WireSnapshotRequest, FetchSnapshotResponse as WireSnapshotResponse } from '../../core/protocol/generated/messages/fetch-snapshot.js';
import type { VoteRequest as WireVoteRequest, VoteResponse as WireVoteResponse } from '../../core/protocol/generated/messages/vote.js';
import { ProtocolError } from '../../core/protocol/protocol-error.js';
import { ZERO_UUID } from '../../core/protocol/reader.js';
import type { RaftErrorCode, RaftMessageBody } from '../../core/raft/raft-messages.js';
import { batchesToEntries, entriesToBatches } from './raft-entry-batches.js';
import { METADATA_TOPIC } from './metadata-log-storage.js';

/** Kafka's fixed id of `__cluster_metadata` (Uuid.METADATA_TOPIC_ID), used by Fetch v13+. */
const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** The versions this node sends; its handlers accept every version of each schema. */
const raftApiVersions = {
  [ApiKey.Vote]: 1,
  [ApiKey.BeginQuorumEpoch]: 1,
  [ApiKey.EndQuorumEpoch]: 1,
  [ApiKey.Fetch]: 17,
  [ApiKey.FetchSnapshot]: 1,
} as const;

/**
 * Vote v1 has no PreVote field (KIP-996 adds it in v2, beyond these schemas): a pre-vote travels
 * as a Vote with this client id, which the receiving handler reads from the request header.
 */
const PRE_VOTE_CLIENT_ID = 'freshet-raft-prevote';
const RAFT_CLIENT_ID = 'freshet-raft';

const partitionIndex = 0;

export interface WireRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly clientId: string;
  readonly body: unknown;
}

/** A RaftNode request as the Kafka request that carries it. */
export function raftRequestToWire(body: RaftMessageBody, clusterId: string, toId: number): WireRequest {
  switch (body.type) {
    case 'VoteRequest': {
      const request: WireVoteRequest = {
        clusterId,
        voterId: toId,
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex, candidateEpoch: body.candidateEpoch, candidateId: body.candidateId, candidateDirectoryId: ZERO_UUID, voterDirectoryId: ZERO_UUID, lastOffsetEpoch: body.lastOffsetEpoch, lastOffset: BigInt(body.lastOffset) }] }],
      };
      return { apiKey: ApiKey.Vote, apiVersion: raftApiVersions[ApiKey.Vote], clientId: body.preVote ? PRE_VOTE_CLIENT_ID : RAFT_CLIENT_ID, body: request };
    }
    case 'BeginQuorumEpochRequest': {
      const request: WireBeginRequest = {
        clusterId,
        voterId: toId,
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex, voterDirectoryId: ZERO_UUID, leaderId: body.leaderId, leaderEpoch: body.leaderEpoch }] }],
        leaderEndpoints: [],
      };
      return { apiKey: ApiKey.BeginQuorumEpoch, apiVersion: raftApiVersions[ApiKey.BeginQuorumEpoch], clientId: RAFT_CLIENT_ID, body: request };
    }
    case 'EndQuorumEpochRequest': {
      const request: WireEndRequest = {
        clusterId,
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex, leaderId: body.leaderId, leaderEpoch: body.leaderEpoch, preferredSuccessors: [], preferredCandidates: body.preferredCandidates.map((candidateId) => ({ candidateId, candidateDirectoryId: ZERO_UUID })) }] }],
        leaderEndpoints: [],
      };
      return { apiKey: ApiKey.EndQuorumEpoch, apiVersion: raftApiVersions[ApiKey.EndQuorumEpoch], clientId: RAFT_CLIENT_ID, body: request };
    }
    case 'FetchRequest': {
      const request: WireFetchRequest = {
        ...defaultFetchRequest(),
        clusterId,
        replicaState: { replicaId: body.replicaId, replicaEpoch: -1n },
        maxWaitMs: 500,
        maxBytes: body.maxEntries * 1024,
        topics: [{ topic: METADATA_TOPIC, topicId: METADATA_TOPIC_ID, partitions: [{ ...defaultFetchRequestFetchPartition(), partition: partitionIndex, currentLeaderEpoch: body.currentLeaderEpoch, fetchOffset: BigInt(body.fetchOffset), lastFetchedEpoch: body.lastFetchedEpoch, partitionMaxBytes: body.maxEntries * 1024 }] }],
      };
      return { apiKey: ApiKey.Fetch, apiVersion: raftApiVersions[ApiKey.Fetch], clientId: RAFT_CLIENT_ID, body: request };
    }
    case 'FetchSnapshotRequest': {
      const request: WireSnapshotRequest = {
        clusterId,
        replicaId: body.replicaId,
        maxBytes: body.maxBytes,
        topics: [{ name: METADATA_TOPIC, partitions: [{ partition: partitionIndex, currentLeaderEpoch: body.currentLeaderEpoch, snapshotId: { endOffset: BigInt(body.snapshotId.endOffset), epoch: body.snapshotId.epoch }, position: BigInt(body.position), replicaDirectoryId: ZERO_UUID }] }],
      };
      return { apiKey: ApiKey.FetchSnapshot, apiVersion: raftApiVersions[ApiKey.FetchSnapshot], clientId: RAFT_CLIENT_ID, body: request };
    }
    default:
      throw new Error(`${body.type} is not a request`);
  }
}

function onlyPartition<P>(topics: readonly { partitions: readonly P[] }[] | undefined, what: string): P {
  const partition = topics?.[0]?.partitions[0];
  if (partition === undefined) throw new ProtocolError(`${what} names no ${METADATA_TOPIC} partition`, what);
  return partition;
}

const asRaftError = (code: number): RaftErrorCode => code as RaftErrorCode;

/** The answer to a request this node sent, as a RaftNode message body. */
export function wireResponseToRaft(apiKey: number, response: unknown, sent: RaftMessageBody): RaftMessageBody {
  switch (apiKey) {
    case ApiKey.Vote: {
      const r = response as WireVoteResponse;
      const p = onlyPartition(r.topics, 'VoteResponse');
      return { type: 'VoteResponse', errorCode: asRaftError(r.errorCode || p.errorCode), leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, voteGranted: p.voteGranted, preVote: sent.type === 'VoteRequest' && sent.preVote };
    }
    case ApiKey.BeginQuorumEpoch: {
      const r = response as WireBeginResponse;
      const p = onlyPartition(r.topics, 'BeginQuorumEpochResponse');
      return { type: 'BeginQuorumEpochResponse', errorCode: asRaftError(r.errorCode || p.errorCode), leaderId: p.leaderId, leaderEpoch: p.leaderEpoch };
    }
    case ApiKey.EndQuorumEpoch: {
      const r = response as WireEndResponse;
      const p = onlyPartition(r.topics, 'EndQuorumEpochResponse');
      return { type: 'EndQuorumEpochResponse', errorCode: asRaftError(r.errorCode || p.errorCode), leaderId: p.leaderId, leaderEpoch: p.leaderEpoch };
    }
    case ApiKey.Fetch: {
      const r = response as WireFetchResponse;
      const p = onlyPartition(r.responses, 'FetchResponse');
      return {
        type: 'FetchResponse',
        errorCode: asRaftError(r.errorCode || p.errorCode),
        highWatermark: Number(p.highWatermark),
        currentLeader: { leaderId: p.currentLeader.leaderId, leaderEpoch: p.currentLeader.leaderEpoch },
        divergingEpoch: p.divergingEpoch.epoch >= 0 ? { epoch: p.divergingEpoch.epoch, endOffset: Number(p.divergingEpoch.endOffset) } : undefined,
        snapshotId: p.snapshotId.endOffset >= 0n ? { endOffset: Number(p.snapshotId.endOffset), epoch: p.snapshotId.epoch } : undefined,
        records: p.records === null || p.records.length === 0 ? [] : batchesToEntries(p.records),
      };
    }
    case ApiKey.FetchSnapshot: {
      const r = response as WireSnapshotResponse;
      const p = onlyPartition(r.topics, 'FetchSnapshotResponse');
      return {
        type: 'FetchSnapshotResponse',
        errorCode: asRaftError(r.errorCode || p.errorCode),
        currentLeader: { leaderId: p.currentLeader.leaderId, leaderEpoch: p.currentLeader.leaderEpoch },
        snapshotId: { endOffset: Number(p.snapshotId.endOffset), epoch: p.snapshotId.epoch },
        size: Number(p.size),
        position: Number(p.position),
        unalignedRecords: p.unalignedRecords,
      };
    }
    default:
      throw new Error(`apiKey ${apiKey} is not a Raft API`);
  }
}

export interface InboundRaftRequest {
  readonly from: number;
  readonly body: RaftMessageBody;
}

/** A Kafka request received on the controller listener, as a RaftNode message (from = the sender's node id). */
export function wireRequestToRaft(apiKey: number, request: unknown, clientId: string | null): InboundRaftRequest {
  switch (apiKey) {
    case ApiKey.Vote: {
      const p = onlyPartition((request as WireVoteRequest).topics, 'VoteRequest');
      return {
        from: p.candidateId,
        body: { type: 'VoteRequest', candidateEpoch: p.candidateEpoch, candidateId: p.candidateId, lastOffsetEpoch: p.lastOffsetEpoch, lastOffset: Number(p.lastOffset), preVote: clientId === PRE_VOTE_CLIENT_ID },
      };
    }
    case ApiKey.BeginQuorumEpoch: {
      const p = onlyPartition((request as WireBeginRequest).topics, 'BeginQuorumEpochRequest');
      return { from: p.leaderId, body: { type: 'BeginQuorumEpochRequest', leaderId: p.leaderId, leaderEpoch: p.leaderEpoch } };
    }
    case ApiKey.EndQuorumEpoch: {
      const p = onlyPartition((request as WireEndRequest).topics, 'EndQuorumEpochRequest');
      const preferredCandidates = p.preferredCandidates.length > 0 ? p.preferredCandidates.map((c) => c.candidateId) : p.preferredSuccessors;
      return { from: p.leaderId, body: { type: 'EndQuorumEpochRequest', leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, preferredCandidates } };
    }
    case ApiKey.Fetch: {
      const r = request as WireFetchRequest;
      const p = onlyPartition(r.topics, 'FetchRequest');
      const replicaId = r.replicaState.replicaId >= 0 ? r.replicaState.replicaId : r.replicaId;
      return {
        from: replicaId,
        body: { type: 'FetchRequest', replicaId, currentLeaderEpoch: p.currentLeaderEpoch, fetchOffset: Number(p.fetchOffset), lastFetchedEpoch: p.lastFetchedEpoch, maxEntries: Math.max(1, Math.floor(p.partitionMaxBytes / 1024)) },
      };
    }
    case ApiKey.FetchSnapshot: {
      const r = request as WireSnapshotRequest;
      const p = onlyPartition(r.topics, 'FetchSnapshotRequest');
      return {
        from: r.replicaId,
        body: {
          type: 'FetchSnapshotRequest',
          replicaId: r.replicaId,
          currentLeaderEpoch: p.currentLeaderEpoch,
          snapshotId: { endOffset: Number(p.snapshotId.endOffset), epoch: p.snapshotId.epoch },
          position: Number(p.position),
          maxBytes: r.maxBytes,
        },
      };
    }
    default:
      throw new Error(`apiKey ${apiKey} is not a Raft API`);
  }
}

/** A RaftNode answer as the Kafka response to the request it answers. */
export function raftResponseToWire(body: RaftMessageBody, voters: readonly number[], nowMs: number): unknown {
  switch (body.type) {
    case 'VoteResponse':
      return {
        errorCode: 0,
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex, errorCode: body.errorCode, leaderId: body.leaderId, leaderEpoch: body.leaderEpoch, voteGranted: body.voteGranted }] }],
        nodeEndpoints: [],
      } satisfies WireVoteResponse;
    case 'BeginQuorumEpochResponse':
      return { errorCode: 0, topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex, errorCode: body.errorCode, leaderId: body.leaderId, leaderEpoch: body.leaderEpoch }] }], nodeEndpoints: [] } satisfies WireBeginResponse;
    case 'EndQuorumEpochResponse':
      return { errorCode: 0, topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex, errorCode: body.errorCode, leaderId: body.leaderId, leaderEpoch: body.leaderEpoch }] }], nodeEndpoints: [] } satisfies WireEndResponse;
    case 'FetchResponse':
      return {
        ...defaultFetchResponse(),
        responses: [
          {
            topic: METADATA_TOPIC,
            topicId: METADATA_TOPIC_ID,
            partitions: [
              {
                ...defaultFetchResponsePartitionData(),
                partitionIndex,
                errorCode: body.errorCode,
                highWatermark: BigInt(body.highWatermark),
                currentLeader: { ...body.currentLeader },
                divergingEpoch: body.divergingEpoch === undefined ? { epoch: -1, endOffset: -1n } : { epoch: body.divergingEpoch.epoch, endOffset: BigInt(body.divergingEpoch.endOffset) },
                snapshotId: body.snapshotId === undefined ? { endOffset: -1n, epoch: -1 } : { endOffset: BigInt(body.snapshotId.endOffset), epoch: body.snapshotId.epoch },
                records: entriesToBatches(body.records, voters, nowMs),
              },
            ],
          },
        ],
      } satisfies WireFetchResponse;
    case 'FetchSnapshotResponse':
      // The piece of the checkpoint file's bytes (record batches) from position, cut anywhere.
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        topics: [
          {
            name: METADATA_TOPIC,
            partitions: [
              {
                index: partitionIndex,
                errorCode: body.errorCode,
                snapshotId: { endOffset: BigInt(body.snapshotId.endOffset), epoch: body.snapshotId.epoch },
                currentLeader: { ...body.currentLeader },
                size: BigInt(body.size),
                position: BigInt(body.position),
                unalignedRecords: Buffer.from(body.unalignedRecords.buffer, body.unalignedRecords.byteOffset, body.unalignedRecords.byteLength),
              },
            ],
          },
        ],
        nodeEndpoints: [],
      } satisfies WireSnapshotResponse;
    default:
      throw new Error(`${body.type} is not a response`);
  }
}
