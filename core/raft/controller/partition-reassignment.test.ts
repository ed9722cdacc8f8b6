import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { Harness } from './controller-test-harness.js';
import { alterPartitionReassignments, listPartitionReassignments } from './partition-reassignment.js';

const reassign = (h: Harness, topic: string, partitions: { partitionIndex: number; replicas: number[] | null }[]) =>
  h.commit(alterPartitionReassignments(h.state, { timeoutMs: 1000, topics: [{ name: topic, partitions }] })).responses[0]!.partitions;
const ongoing = (h: Harness) => h.commit(listPartitionReassignments(h.state, { timeoutMs: 1000, topics: null })).topics;

describe('partition reassignment', () => {
  it('adds the new replicas first, keeps the leader serving, and drops the leaving ones once the new ones joined the ISR', () => {
    const h = new Harness();
    h.liveBrokers([1, 2, 3, 4]);
    h.createTopic('t', 1, 1);
    const [from] = h.partition('t').replicas as [number];
    const to = [1, 2, 3, 4].filter((id) => id !== from).slice(0, 2);
    expect(reassign(h, 't', [{ partitionIndex: 0, replicas: to }])).toEqual([{ partitionIndex: 0, errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(h.partition('t')).toMatchObject({ replicas: [...to, from], addingReplicas: to, removingReplicas: [from], isr: [from], leader: from });
    expect(ongoing(h)).toEqual([{ name: 't', partitions: [{ partitionIndex: 0, replicas: [...to, from], addingReplicas: to, removingReplicas: [from] }] }]);

    // The first new replica catches up: still adding the second.
    expect(h.expandIsr('t', 0, to[0]!)).toBe(ErrorCode.NONE);
    expect(h.partition('t')).toMatchObject({ replicas: [...to, from], isr: [from, to[0]], leader: from });
    const epoch = h.partition('t').leaderEpoch;
    // The second one too: the same record ends the reassignment and the leaving leader hands over.
    expect(h.expandIsr('t', 0, to[1]!)).toBe(ErrorCode.NONE);
    expect(h.partition('t')).toMatchObject({ replicas: to, addingReplicas: [], removingReplicas: [], isr: [to[0], to[1]], leader: to[0], leaderEpoch: epoch + 1 });
    expect(ongoing(h)).toEqual([]);
  });

  it('completes at once when the target only removes replicas, and cancels an ongoing one back to the original replicas', () => {
    const h = new Harness();
    h.liveBrokers([1, 2, 3]);
    h.createTopic('t', 1, 3);
    const replicas = [...h.partition('t').replicas];
    const leader = h.partition('t').leader;
    const keep = [leader, replicas.find((id) => id !== leader)!];
    reassign(h, 't', [{ partitionIndex: 0, replicas: keep }]);
    expect(h.partition('t')).toMatchObject({ replicas: keep, isr: keep, leader, addingReplicas: [], removingReplicas: [] });

    const added = replicas.find((id) => !keep.includes(id))!;
    reassign(h, 't', [{ partitionIndex: 0, replicas: [added] }]);
    expect(h.partition('t')).toMatchObject({ replicas: [added, ...keep], addingReplicas: [added], removingReplicas: keep });
    expect(reassign(h, 't', [{ partitionIndex: 0, replicas: null }])).toEqual([{ partitionIndex: 0, errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(h.partition('t')).toMatchObject({ replicas: keep, isr: keep, leader, addingReplicas: [], removingReplicas: [] });
    expect(reassign(h, 't', [{ partitionIndex: 0, replicas: null }])[0]!.errorCode).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
  });

  it('refuses unknown partitions, unregistered brokers, duplicates, and a target without an ISR member', () => {
    const h = new Harness();
    h.liveBrokers([1, 2, 3]);
    h.createTopic('t', 1, 2);
    const { isr, replicas } = h.partition('t');
    const outside = [1, 2, 3].find((id) => !replicas.includes(id))!;
    const codes = reassign(h, 't', [
      { partitionIndex: 1, replicas: [1] },
      { partitionIndex: 0, replicas: [1, 9] },
      { partitionIndex: 0, replicas: [1, 1] },
      { partitionIndex: 0, replicas: [] },
    ]).map((p) => p.errorCode);
    expect(codes).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT]);
    expect(reassign(h, 'none', [{ partitionIndex: 0, replicas: [1] }])[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // Moving to the one broker outside: it is added first, so the data can follow.
    expect(reassign(h, 't', [{ partitionIndex: 0, replicas: [outside] }])[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(h.partition('t').isr).toEqual(isr);
    expect(reassign(h, 't', [{ partitionIndex: 0, replicas: null }])[0]!.errorCode).toBe(ErrorCode.NONE);
    // Shrinking to a replica that fell out of the ISR would leave no copy of the committed data.
    const follower = replicas.find((id) => id !== h.partition('t').leader)!;
    h.heartbeat(follower, { wantFence: true });
    expect(reassign(h, 't', [{ partitionIndex: 0, replicas: [follower] }])[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'None of the resulting replicas is in the ISR.' });
  });
});
