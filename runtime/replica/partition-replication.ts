import { fetchingFrom, initialFetchState, truncationOffset } from '../../core/partition/follower-truncation.js';
import { errorCodeOf, type PartitionLeader } from '../../core/partition/partition-leader.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { withRecords, type Answer, type HandlerHost, type MessageOf } from './partition-messages.js';
import type { EpochEndOffsetReply, FetchPosition, FollowerReply, IsrCheckReply, ReplicaFetchReply, ReplicationRequest } from './replication-messages.js';

type ReplicationOp = ReplicationRequest['op'];
export type ReplicationHandlers = { readonly [K in ReplicationOp]: (message: MessageOf<K>, payload: Buffer | undefined) => Answer<K> };

/**
 * The partition actor's replication messages: a follower's fetch on the
 * leader, and on a follower the fetched batches (borrowed: read before the
 * handler returns), truncations and its fetch position. Synchronous; storage
 * failures answer KAFKA_STORAGE_ERROR as the actor's other operations do.
 */
export function replicationHandlers(host: HandlerHost): ReplicationHandlers {
  const { partition } = host;
  return {
    replicaFetch(request) {
      const failed = (errorCode: number): ReplicaFetchReply => ({ state: host.state(), errorCode, highWatermark: -1, logStartOffset: -1, divergingEpoch: null, proposal: null, followerLogEndOffset: -1 });
      if (host.refusal() !== null) return failed(ErrorCode.KAFKA_STORAGE_ERROR);
      if (!partition.isLeader) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      const result = partition.readForFollower(request.replicaId, BigInt(request.fetchOffset), request.lastFetchedEpoch, request.maxBytes, host.nowMs());
      host.noteFailure(result.errorCode, 'a follower read failed');
      const diverging = result.divergingEpoch;
      const answer: ReplicaFetchReply = {
        state: host.state(),
        errorCode: result.errorCode,
        highWatermark: Number(result.highWatermark),
        logStartOffset: Number(result.logStartOffset),
        divergingEpoch: diverging === null ? null : { epoch: diverging.epoch, endOffset: Number(diverging.endOffset) },
        proposal: result.proposal,
        followerLogEndOffset: Number(partition.replicaTracker.follower(request.replicaId)?.logEndOffset ?? -1n),
      };
      return withRecords(answer, result.records);
    },
    maybeShrinkIsr(request): IsrCheckReply {
      return { state: host.state(), proposal: host.refusal() === null ? partition.maybeShrinkIsr(host.nowMs(), request.replicaLagTimeMaxMs) : null };
    },
    isrChangeOutcome(request) {
      partition.onIsrChangeOutcome(request.outcome);
      return { state: host.state() };
    },
    epochEndOffset(request): EpochEndOffsetReply {
      if (host.refusal() !== null) return { state: host.state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, leaderEpoch: -1, endOffset: -1 };
      if (!partition.isLeader) return { state: host.state(), errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderEpoch: -1, endOffset: -1 };
      const found = partition.epochs.endOffsetFor(request.leaderEpoch);
      return { state: host.state(), errorCode: ErrorCode.NONE, leaderEpoch: found.leaderEpoch, endOffset: Number(found.endOffset) };
    },
    fetchPosition: () =>
      follower(host, undefined, () => {
        const start = initialFetchState(partition.epochs, partition.highWatermark);
        if (start.kind === 'truncating') partition.truncateTo(start.truncateTo);
        return 0;
      }),
    followerAppend: (request, payload) =>
      follower(
        host,
        payload,
        () => (payload === undefined ? 0 : partition.appendAsFollower(payload, BigInt(request.leaderHighWatermark)).recordCount),
        () => partition.updateFollowerHighWatermark(BigInt(request.leaderHighWatermark)),
      ),
    truncateToEpoch: (request) =>
      follower(host, undefined, () => {
        partition.truncateTo(truncationOffset(partition.epochs, { epoch: request.epoch, endOffset: BigInt(request.endOffset) }));
        return 0;
      }),
    truncateFullyAndStartAt: (request) =>
      follower(host, undefined, () => {
        partition.log.truncateFullyAndStartAt(BigInt(request.offset));
        // Reloads the producers for the now empty log.
        partition.truncateTo(partition.log.logEndOffset);
        return 0;
      }),
  };
}

/** Runs a follower step and answers with the fetch position after it; a log error is answered with its code. */
function follower(host: HandlerHost, payload: Buffer | undefined, step: () => number, whenEmpty?: () => void): FollowerReply {
  const position = (): FetchPosition => {
    const at = fetchingFrom(host.partition.epochs);
    return { fetchOffset: Number(at.fetchOffset), lastFetchedEpoch: at.lastFetchedEpoch };
  };
  const offline = host.refusal();
  if (offline !== null) return { state: host.state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: offline, position: position(), recordCount: 0 };
  if (host.partition.isLeader) return { state: host.state(), errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage: 'this replica leads the partition', position: position(), recordCount: 0 };
  try {
    const recordCount = payload === undefined && whenEmpty !== undefined ? (whenEmpty(), 0) : step();
    return { state: host.state(), errorCode: ErrorCode.NONE, errorMessage: null, position: position(), recordCount };
  } catch (error) {
    const errorCode = errorCodeOf(error);
    host.noteFailure(errorCode, (error as Error).message);
    return { state: host.state(), errorCode, errorMessage: (error as Error).message, position: position(), recordCount: 0 };
  }
}
