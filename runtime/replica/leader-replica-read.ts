import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { FetchPartitionRequest } from './fetch-session.js';
import { leaderEpochError, type ReadOutcome, type ReplicaManager } from './replica-manager.js';

/** A follower's read: a consumer's fields plus the diverging epoch (KIP-320). */
export interface FollowerReadOutcome extends ReadOutcome {
  readonly divergingEpoch: { epoch: number; endOffset: bigint } | null;
}

const failed = (errorCode: number): FollowerReadOutcome => ({ errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null, divergingEpoch: null });

/**
 * The leader side of a follower's Fetch for one partition (Kafka's
 * Partition.fetchRecords for a replica): the follower's leader epoch is
 * checked, then the partition's actor records its fetch offset (the high
 * watermark may move: the replica manager's purgatories learn it from the
 * reply's state) and reads past the high watermark, or answers the epoch
 * where the follower's log diverged. An ISR expansion the fetch made due goes
 * to the controller.
 */
export async function readForFollower(replicas: ReplicaManager, replicaId: number, p: FetchPartitionRequest, maxBytes: number): Promise<FollowerReadOutcome> {
  const found = replicas.lookup(p.topic, p.partition);
  if (found.partition === undefined) return failed(found.errorCode);
  const local = found.partition;
  const epochError = leaderEpochError(p.currentLeaderEpoch, local.leaderEpoch);
  if (epochError !== ErrorCode.NONE) return failed(epochError);
  if (!local.replicas.includes(replicaId)) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  const answer = await replicas.askReplica(local, {
    op: 'replicaFetch',
    replicaId,
    fetchOffset: Number(p.fetchOffset),
    lastFetchedEpoch: p.lastFetchedEpoch ?? -1,
    maxBytes,
  });
  if (answer === null) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  const { body, payload } = answer;
  if (body.proposal !== null) replicas.isrChanges.propose(local, body.proposal);
  if (body.followerLogEndOffset >= 0) local.followerLogEndOffsets.set(replicaId, { leaderEpoch: body.state.leaderEpoch, logEndOffset: body.followerLogEndOffset });
  const records = payload === undefined ? null : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return {
    errorCode: body.errorCode,
    highWatermark: BigInt(body.highWatermark),
    lastStableOffset: BigInt(body.highWatermark),
    logStartOffset: BigInt(body.logStartOffset),
    records,
    divergingEpoch: body.divergingEpoch === null ? null : { epoch: body.divergingEpoch.epoch, endOffset: BigInt(body.divergingEpoch.endOffset) },
  };
}
