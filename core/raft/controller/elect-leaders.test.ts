import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType as T } from '../../protocol/generated/metadata/index.js';
import { fenceStaleBrokersAndElect } from './cluster-control.js';
import { Harness } from './controller-test-harness.js';
import { ElectionType, electLeadersRequest, rebalancePreferredLeaders } from './elect-leaders.js';
import { LeaderRecoveryState } from './partition-leader-election.js';

const elect = (h: Harness, electionType: number, topicPartitions: { topic: string; partitions: number[] }[] | null) =>
  h.commit(electLeadersRequest(h.state, { electionType, topicPartitions, timeoutMs: 1000 }));

/** Fences a broker (as a controlled shutdown does) and lets it rejoin: its leaderships stay with the others. */
function bounce(h: Harness, brokerId: number): void {
  h.heartbeat(brokerId, { wantShutDown: true });
  h.heartbeat(brokerId);
}

/** Topic t on brokers first and second, both fenced in turn: no leader, ISR [first]. */
function offlinePartition(): { h: Harness; first: number; second: number } {
  const h = new Harness();
  h.liveBrokers([1, 2]);
  h.createTopic('t', 1, 2);
  const [first, second] = h.partition('t').replicas as [number, number];
  h.heartbeat(second, { wantFence: true });
  h.heartbeat(first, { wantFence: true });
  return { h, first, second };
}

describe('ElectLeaders', () => {
  it('gives a partition back to its preferred replica once that one is in the ISR, in a new leader epoch', () => {
    const h = new Harness();
    h.liveBrokers([1, 2, 3]);
    h.createTopic('orders', 1, 3);
    const preferred = h.partition('orders').replicas[0]!;
    bounce(h, preferred);
    const moved = structuredClone(h.partition('orders'));
    expect(moved.leader).not.toBe(preferred);
    // A fenced replica left the ISR; the leader's AlterPartition lets it back in once caught up.
    expect(moved.isr).not.toContain(preferred);
    expect(elect(h, ElectionType.preferred, [{ topic: 'orders', partitions: [0] }]).replicaElectionResults[0]!.partitionResult).toEqual([
      { partitionId: 0, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: expect.stringContaining('not in the ISR') },
    ]);
    expect(h.expandIsr('orders', 0, preferred)).toBe(ErrorCode.NONE);

    const response = elect(h, ElectionType.preferred, [{ topic: 'orders', partitions: [0] }]);
    expect(response.replicaElectionResults).toEqual([{ topic: 'orders', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.NONE, errorMessage: null }] }]);
    expect(h.partition('orders')).toMatchObject({ leader: preferred, leaderEpoch: moved.leaderEpoch + 1 });

    expect(elect(h, ElectionType.preferred, [{ topic: 'orders', partitions: [0, 7] }, { topic: 'none', partitions: [0] }]).replicaElectionResults).toEqual([
      { topic: 'orders', partitionResult: [
        { partitionId: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: expect.any(String) },
        { partitionId: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: expect.any(String) },
      ] },
      { topic: 'none', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: expect.any(String) }] },
    ]);
    // All partitions (null): those that need no election are left out.
    expect(elect(h, ElectionType.preferred, null).replicaElectionResults).toEqual([]);
  });

  it('elects an out-of-sync replica of a leaderless partition on an unclean election, whatever the topic config says', () => {
    const { h, first, second } = offlinePartition();
    expect(h.partition('t')).toMatchObject({ leader: -1, isr: [first] });
    expect(elect(h, ElectionType.unclean, [{ topic: 't', partitions: [0] }]).replicaElectionResults[0]!.partitionResult[0]!.errorCode).toBe(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
    h.heartbeat(second);
    // Clean rules: the returning broker is out of sync, so the partition stays offline.
    expect(h.partition('t').leader).toBe(-1);
    const epoch = h.partition('t').leaderEpoch;
    expect(elect(h, ElectionType.unclean, null).replicaElectionResults).toEqual([{ topic: 't', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.NONE, errorMessage: null }] }]);
    expect(h.partition('t')).toMatchObject({ leader: second, isr: [second], leaderEpoch: epoch + 1, leaderRecoveryState: LeaderRecoveryState.recovering });
    expect(elect(h, ElectionType.unclean, [{ topic: 't', partitions: [0] }]).replicaElectionResults[0]!.partitionResult[0]!.errorCode).toBe(ErrorCode.ELECTION_NOT_NEEDED);
  });

  it('refuses an unknown election type', () => {
    const h = new Harness();
    expect(elect(h, 5, null)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] });
  });
});

describe("the controller's periodic checks", () => {
  it('elects a leaderless partition once its topic turns unclean.leader.election.enable on', () => {
    const { h, second } = offlinePartition();
    h.heartbeat(second);
    expect(fenceStaleBrokersAndElect(h.state, h.ctx())).toEqual([]);
    h.commit({ records: [{ type: T.ConfigRecord, value: { resourceType: 2, resourceName: 't', name: 'unclean.leader.election.enable', value: 'true' } }], response: undefined });
    h.commit({ records: fenceStaleBrokersAndElect(h.state, h.ctx()), response: undefined });
    expect(h.partition('t')).toMatchObject({ leader: second, isr: [second] });
  });

  it('moves leaderships back to their preferred replicas once a broker leads more than leader.imbalance.per.broker.percentage fewer', () => {
    const h = new Harness();
    h.liveBrokers([1, 2, 3]);
    h.createTopic('orders', 6, 3);
    const preferredBy1 = [0, 1, 2, 3, 4, 5].filter((p) => h.partition('orders', p).replicas[0] === 1);
    expect(preferredBy1).toHaveLength(2);
    bounce(h, 1);
    expect(preferredBy1.map((p) => h.partition('orders', p).leader)).not.toContain(1);
    // Broker 1 is not back in the ISR yet: nothing may move to it.
    expect(rebalancePreferredLeaders(h.state, 10)).toEqual([]);
    for (const p of preferredBy1) expect(h.expandIsr('orders', p, 1)).toBe(ErrorCode.NONE);
    // 2 of 2 preferred partitions not led: 100%, which no threshold below 100 tolerates.
    expect(rebalancePreferredLeaders(h.state, 100)).toEqual([]);
    h.commit({ records: rebalancePreferredLeaders(h.state, 10), response: undefined });
    expect([0, 1, 2, 3, 4, 5].map((p) => h.partition('orders', p).leader)).toEqual([0, 1, 2, 3, 4, 5].map((p) => h.partition('orders', p).replicas[0]));
    expect(rebalancePreferredLeaders(h.state, 10)).toEqual([]);
  });
});
