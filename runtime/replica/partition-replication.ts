import { reply, type ReplyWithPayload } from '../../core/actors/actor.js';
import { fetchingFrom, initialFetchState, truncationOffset } from '../../core/partition/follower-truncation.js';
import { errorCodeOf, type PartitionLeader } from '../../core/partition/partition-leader.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { PartitionState } from './partition-actor.js';
import type { EpochEndOffsetReply, FetchPosition, IsrCheckReply, FollowerReply, ReplicaFetchReply, ReplicationRequest } from './replication-messages.js';

export interface ReplicationContext {
  readonly partition: PartitionLeader;
  readonly nowMs: number;
  /** Fetched batches of a followerAppend (borrowed: read before this returns). */
  readonly payload: Buffer | undefined;
  /** Why the partition is offline, or null. */
  readonly offline: string | null;
  state(): PartitionState;
  /** Notes a storage failure (the partition goes offline). */
  noteFailure(errorCode: number, reason: string): void;
}

/**
 * The partition actor's replication messages: a follower's fetch on the
 * leader, and on a follower the fetched batches, truncations and its fetch
 * position. Synchronous; storage failures answer KAFKA_STORAGE_ERROR as the
 * actor's other operations do.
 */
export function handleReplication(request: ReplicationRequest, ctx: ReplicationContext): ReplicaFetchReply | FollowerReply | EpochEndOffsetReply | IsrCheckReply | ReplyWithPayload | { state: PartitionState } {
  const { partition } = ctx;
  switch (request.op) {
    case 'replicaFetch': {
      const failed = (errorCode: number): ReplicaFetchReply => ({ state: ctx.state(), errorCode, highWatermark: -1, logStartOffset: -1, divergingEpoch: null, proposal: null });
      if (ctx.offline !== null) return failed(ErrorCode.KAFKA_STORAGE_ERROR);
      if (!partition.isLeader) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      const result = partition.readForFollower(request.replicaId, BigInt(request.fetchOffset), request.lastFetchedEpoch, request.maxBytes, ctx.nowMs);
      ctx.noteFailure(result.errorCode, 'a follower read failed');
      const diverging = result.divergingEpoch;
      const answer: ReplicaFetchReply = {
        state: ctx.state(),
        errorCode: result.errorCode,
        highWatermark: Number(result.highWatermark),
        logStartOffset: Number(result.logStartOffset),
        divergingEpoch: diverging === null ? null : { epoch: diverging.epoch, endOffset: Number(diverging.endOffset) },
        proposal: result.proposal,
      };
      return result.records.length > 0 ? reply(answer, result.records, { transfer: true }) : answer;
    }
    case 'maybeShrinkIsr':
      return { state: ctx.state(), proposal: ctx.offline === null ? partition.maybeShrinkIsr(ctx.nowMs, request.replicaLagTimeMaxMs) : null } satisfies IsrCheckReply;
    case 'isrChangeOutcome':
      partition.onIsrChangeOutcome(request.outcome);
      return { state: ctx.state() };
    case 'epochEndOffset': {
      if (ctx.offline !== null) return { state: ctx.state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, leaderEpoch: -1, endOffset: -1 } satisfies EpochEndOffsetReply;
      if (!partition.isLeader) return { state: ctx.state(), errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderEpoch: -1, endOffset: -1 } satisfies EpochEndOffsetReply;
      const found = partition.epochs.endOffsetFor(request.leaderEpoch);
      return { state: ctx.state(), errorCode: ErrorCode.NONE, leaderEpoch: found.leaderEpoch, endOffset: Number(found.endOffset) } satisfies EpochEndOffsetReply;
    }
    case 'fetchPosition':
      return follower(ctx, () => {
        const start = initialFetchState(partition.epochs, partition.highWatermark);
        if (start.kind === 'truncating') partition.truncateTo(start.truncateTo);
        return 0;
      });
    case 'followerAppend':
      return follower(ctx, () => (ctx.payload === undefined ? 0 : partition.appendAsFollower(ctx.payload, BigInt(request.leaderHighWatermark)).recordCount), () => partition.updateFollowerHighWatermark(BigInt(request.leaderHighWatermark)));
    case 'truncateToEpoch':
      return follower(ctx, () => {
        partition.truncateTo(truncationOffset(partition.epochs, { epoch: request.epoch, endOffset: BigInt(request.endOffset) }));
        return 0;
      });
    case 'truncateFullyAndStartAt':
      return follower(ctx, () => {
        partition.log.truncateFullyAndStartAt(BigInt(request.offset));
        // Reloads the producers for the now empty log.
        partition.truncateTo(partition.log.logEndOffset);
        return 0;
      });
    default: {
      const unexpected: never = request;
      return unexpected;
    }
  }
}

/** Runs a follower step and answers with the fetch position after it; a log error is answered with its code. */
function follower(ctx: ReplicationContext, step: () => number, whenEmpty?: () => void): FollowerReply {
  const position = (): FetchPosition => {
    const at = fetchingFrom(ctx.partition.epochs);
    return { fetchOffset: Number(at.fetchOffset), lastFetchedEpoch: at.lastFetchedEpoch };
  };
  if (ctx.offline !== null) return { state: ctx.state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: ctx.offline, position: position(), recordCount: 0 };
  if (ctx.partition.isLeader) return { state: ctx.state(), errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage: 'this replica leads the partition', position: position(), recordCount: 0 };
  try {
    const recordCount = ctx.payload === undefined && whenEmpty !== undefined ? (whenEmpty(), 0) : step();
    return { state: ctx.state(), errorCode: ErrorCode.NONE, errorMessage: null, position: position(), recordCount };
  } catch (error) {
    const errorCode = errorCodeOf(error);
    ctx.noteFailure(errorCode, (error as Error).message);
    return { state: ctx.state(), errorCode, errorMessage: (error as Error).message, position: position(), recordCount: 0 };
  }
}
