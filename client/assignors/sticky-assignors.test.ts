import { describe, expect, it } from 'vitest';
import type { TopicPartition } from '../consumer-protocol.js';
import { counts, expectValidAndBalanced, isFullyBalanced, member, sortedAssignment, tp } from './assignor-testing.js';
import { cooperativeStickyAssignor, partitionsTransferringOwnership } from './cooperative-sticky-assignor.js';
import { topicPartitionKey, type MemberSubscription, type PartitionAssignor } from './partition-assignor.js';
import { stickyAssignor } from './sticky-assignor.js';

/** A member that owned `owned` in `generationId`, told the way this assignor's members tell it. */
function owning(assignor: PartitionAssignor, m: MemberSubscription, owned: readonly TopicPartition[], generationId: number): MemberSubscription {
  const userData = assignor.subscriptionUserData?.({ ownedPartitions: owned, generationId }) ?? null;
  return assignor.protocol === 'EAGER' ? { ...m, userData, ownedPartitions: [], generationId } : { ...m, userData, ownedPartitions: owned, generationId };
}

/**
 * One rebalance as the group sees it. Eager: one assignment. Cooperative:
 * as Kafka's CooperativeStickyAssignorTest, no partition may be given to one
 * member while another still owns it, and while some member loses partitions
 * the group rebalances again (at most four times) from what each now owns.
 */
function rebalance(assignor: PartitionAssignor, partitionCounts: Map<string, number>, members: MemberSubscription[], generationId: number): { assignment: Map<string, TopicPartition[]>; members: MemberSubscription[]; rounds: number } {
  let current = members;
  for (let rounds = 1; ; rounds++) {
    const assignment = assignor.assign(partitionCounts, current);
    if (assignor.protocol === 'EAGER') return { assignment, members: current, rounds };
    const revoked = new Set<string>();
    const added = new Set<string>();
    for (const m of current) {
      const owned = new Set(m.ownedPartitions.map(topicPartitionKey));
      const assigned = new Set(assignment.get(m.memberId)!.map(topicPartitionKey));
      for (const key of owned) if (!assigned.has(key)) revoked.add(key);
      for (const key of assigned) if (!owned.has(key)) added.add(key);
    }
    expect([...added].filter((key) => revoked.has(key)), 'partitions given while still owned elsewhere').toEqual([]);
    if (revoked.size === 0) return { assignment, members: current, rounds };
    expect(rounds).toBeLessThan(4);
    current = current.map((m) => owning(assignor, m, assignment.get(m.memberId)!, generationId + rounds));
  }
}

/** The next generation's members: each owns what it was assigned. */
const advance = (assignor: PartitionAssignor, members: readonly MemberSubscription[], assignment: Map<string, TopicPartition[]>, generationId: number) =>
  members.map((m) => owning(assignor, m, assignment.get(m.memberId)!, generationId));

/** Partitions of one topic that moved both ways between two members: Kafka's test of stickiness. */
function movedBothWays(before: Map<string, TopicPartition[]>, after: Map<string, TopicPartition[]>): string[] {
  const ownerBefore = new Map<string, string>();
  for (const [memberId, partitions] of before) for (const p of partitions) ownerBefore.set(topicPartitionKey(p), memberId);
  const moves = new Set<string>();
  for (const [memberId, partitions] of after) {
    for (const p of partitions) {
      const from = ownerBefore.get(topicPartitionKey(p));
      if (from !== undefined && from !== memberId && after.has(from)) moves.add(`${p.topic}\u0000${from}\u0000${memberId}`);
    }
  }
  return [...moves].filter((move) => {
    const [topic, from, to] = move.split('\u0000');
    return moves.has(`${topic}\u0000${to}\u0000${from}`);
  });
}

/** A deterministic pseudo-random sequence (mulberry32), so a failing case replays from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The cases of Kafka's AbstractStickyAssignorTest, StickyAssignorTest and CooperativeStickyAssignorTest, written again here.
describe.each([stickyAssignor, cooperativeStickyAssignor])('$name assignor', (assignor) => {
  it('gives one member all partitions of its subscribed topics, and nothing of a topic that does not exist', () => {
    expect(assignor.assign(counts({}), [member('c1', [])])).toEqual(new Map([['c1', []]]));
    expect(assignor.assign(counts({ t1: 1 }), [member('c1', ['missing'])])).toEqual(new Map([['c1', []]]));
    expect(assignor.assign(counts({ t1: 3, other: 2 }), [member('c1', ['t1'])]).get('c1')).toEqual([tp('t1', 0), tp('t1', 1), tp('t1', 2)]);
    expect(assignor.assign(counts({ t1: 1, t2: 2 }), [member('c1', ['t1', 't2'])]).get('c1')).toEqual([tp('t1', 0), tp('t2', 0), tp('t2', 1)]);
  });

  it('balances two members over one or two partitions', () => {
    const one = assignor.assign(counts({ t: 1 }), [member('c1', ['t']), member('c2', ['t'])]);
    expect(sortedAssignment(one)).toEqual({ c1: ['t-0'], c2: [] });
    const two = assignor.assign(counts({ t: 2 }), [member('c1', ['t']), member('c2', ['t'])]);
    expect(sortedAssignment(two)).toEqual({ c1: ['t-0'], c2: ['t-1'] });
  });

  it('keeps a member on what it owned when another joins, and moves only what the newcomer needs', () => {
    const partitionCounts = counts({ t: 3 });
    let members = [member('c1', ['t'])];
    let { assignment } = rebalance(assignor, partitionCounts, members, 1);
    expect(assignment.get('c1')).toEqual([tp('t', 0), tp('t', 1), tp('t', 2)]);

    members = [...advance(assignor, members, assignment, 1), owning(assignor, member('c2', ['t']), [], 1)];
    if (assignor.protocol === 'COOPERATIVE') {
      // Phase one: t-2 moves, so c1 gives it up and nobody gets it yet.
      expect(sortedAssignment(assignor.assign(partitionCounts, members))).toEqual({ c1: ['t-0', 't-1'], c2: [] });
    }
    ({ assignment } = rebalance(assignor, partitionCounts, members, 2));
    expect(assignment.get('c1')).toEqual([tp('t', 0), tp('t', 1)]);
    expect(assignment.get('c2')).toEqual([tp('t', 2)]);

    members = advance(assignor, members, assignment, 4).filter((m) => m.memberId === 'c2');
    const last = rebalance(assignor, partitionCounts, members, 4);
    expect(last.rounds).toBe(1);
    expect(sortedAssignment(last.assignment)).toEqual({ c2: ['t-0', 't-1', 't-2'] });
  });

  it('adds and removes two members over two topics with the partitions Kafka picks', () => {
    const partitionCounts = counts({ topic1: 3, topic2: 4 });
    const both = ['topic1', 'topic2'];
    let members = [member('consumer1', both), member('consumer2', both)];
    let { assignment } = rebalance(assignor, partitionCounts, members, 1);
    expect(assignment.get('consumer1')).toEqual([tp('topic1', 0), tp('topic1', 2), tp('topic2', 1), tp('topic2', 3)]);
    expect(assignment.get('consumer2')).toEqual([tp('topic1', 1), tp('topic2', 0), tp('topic2', 2)]);

    members = [...advance(assignor, members, assignment, 1), owning(assignor, member('consumer3', both), [], 1), owning(assignor, member('consumer4', both), [], 1)];
    if (assignor.protocol === 'COOPERATIVE') {
      const firstPhase = assignor.assign(partitionCounts, members);
      expect(sortedAssignment(firstPhase)).toEqual({ consumer1: ['topic1-0', 'topic2-1'], consumer2: ['topic1-1', 'topic2-0'], consumer3: [], consumer4: [] });
    }
    ({ assignment } = rebalance(assignor, partitionCounts, members, 2));
    expect(assignment.get('consumer1')).toEqual([tp('topic1', 0), tp('topic2', 1)]);
    expect(assignment.get('consumer2')).toEqual([tp('topic2', 0), tp('topic1', 1)]);
    expect(assignment.get('consumer3')).toEqual([tp('topic1', 2), tp('topic2', 3)]);
    expect(assignment.get('consumer4')).toEqual([tp('topic2', 2)]);

    members = advance(assignor, members, assignment, 4).filter((m) => m.memberId === 'consumer3' || m.memberId === 'consumer4');
    ({ assignment } = rebalance(assignor, partitionCounts, members, 4));
    expect(assignment.get('consumer3')).toEqual([tp('topic1', 2), tp('topic2', 3), tp('topic1', 0), tp('topic2', 1)]);
    expect(assignment.get('consumer4')).toEqual([tp('topic2', 2), tp('topic1', 1), tp('topic2', 0)]);
  });

  it('balances the case round robin handles poorly (different subscriptions)', () => {
    const partitionCounts = counts({ topic1: 2, topic2: 1, topic3: 2, topic4: 1, topic5: 2 });
    const all = ['topic1', 'topic2', 'topic3', 'topic4', 'topic5'];
    const odd = ['topic1', 'topic3', 'topic5'];
    const members = [member('consumer1', all), member('consumer2', odd), member('consumer3', odd), member('consumer4', all)];
    const { assignment } = rebalance(assignor, partitionCounts, members, 1);
    expectValidAndBalanced(members, partitionCounts, assignment);
    expect(isFullyBalanced(assignment)).toBe(true);
  });

  it('keeps each member on its partitions when a topic is added and when one is deleted', () => {
    const partitionCounts = counts({ topic: 3 });
    let members = [member('c1', ['topic']), member('c2', ['topic'])];
    let { assignment } = rebalance(assignor, partitionCounts, members, 1);
    const first = new Map(assignment);

    partitionCounts.set('topic2', 3);
    members = advance(assignor, members, assignment, 1).map((m) => ({ ...m, topics: ['topic', 'topic2'] }));
    ({ assignment } = rebalance(assignor, partitionCounts, members, 2));
    expectValidAndBalanced(members, partitionCounts, assignment);
    for (const id of ['c1', 'c2']) {
      expect(assignment.get(id)).toHaveLength(3);
      expect(assignment.get(id)).toEqual(expect.arrayContaining(first.get(id)!));
    }
    const second = new Map(assignment);

    partitionCounts.delete('topic');
    members = advance(assignor, members, assignment, 2).map((m) => ({ ...m, topics: ['topic2'] }));
    ({ assignment } = rebalance(assignor, partitionCounts, members, 3));
    expectValidAndBalanced(members, partitionCounts, assignment);
    for (const id of ['c1', 'c2']) expect(second.get(id)).toEqual(expect.arrayContaining(assignment.get(id)!));
  });

  it('gives nothing and fails nothing when the only subscribed topic is deleted', () => {
    const members = [owning(assignor, member('c1', ['gone']), [tp('gone', 0), tp('gone', 1)], 1)];
    expect(rebalance(assignor, counts({}), members, 2).assignment).toEqual(new Map([['c1', []]]));
  });

  it('stays valid, balanced and sticky when one of nineteen differently subscribed members leaves', () => {
    const partitionCounts = new Map<string, number>();
    let members: MemberSubscription[] = [];
    for (let i = 1; i < 20; i++) {
      partitionCounts.set(`topic${String(i).padStart(2, '0')}`, i);
      members.push(member(`consumer${String(i).padStart(2, '0')}`, [...partitionCounts.keys()]));
    }
    const before = rebalance(assignor, partitionCounts, members, 1);
    expectValidAndBalanced(before.members, partitionCounts, before.assignment);
    members = advance(assignor, members, before.assignment, 1).filter((m) => m.memberId !== 'consumer10');
    const after = rebalance(assignor, partitionCounts, members, 2);
    expectValidAndBalanced(after.members, partitionCounts, after.assignment);
    expect(movedBothWays(before.assignment, after.assignment)).toEqual([]);
  });

  it('stays valid and balanced over seeded random subscriptions and membership changes', () => {
    const next = random(7);
    const partitionCounts = new Map<string, number>();
    for (let i = 0; i < 15; i++) partitionCounts.set(`t${i}`, 1 + Math.floor(next() * 10));
    const topics = [...partitionCounts.keys()];
    const pick = () => topics.filter(() => next() < 0.4);
    let members = Array.from({ length: 12 }, (_, i) => member(`c${String(i).padStart(2, '0')}`, pick()));
    let { assignment } = rebalance(assignor, partitionCounts, members, 1);
    expectValidAndBalanced(members, partitionCounts, assignment);
    for (let generation = 2; generation < 8; generation++) {
      members = advance(assignor, members, assignment, generation).filter(() => next() > 0.15);
      members.push(member(`n${generation}`, pick()));
      const previous = assignment;
      ({ assignment } = rebalance(assignor, partitionCounts, members, generation));
      expectValidAndBalanced(members, partitionCounts, assignment);
      expect(movedBothWays(previous, assignment)).toEqual([]);
    }
  });

  it('fully balances many members with the same subscription', () => {
    const partitionCounts = new Map(Array.from({ length: 15 }, (_, i) => [`t${i}`, 1 + ((i * 7) % 13)] as const));
    const members = Array.from({ length: 9 }, (_, i) => member(`c${i}`, [...partitionCounts.keys()]));
    const { assignment } = rebalance(assignor, partitionCounts, members, 1);
    expectValidAndBalanced(members, partitionCounts, assignment);
    expect(isFullyBalanced(assignment)).toBe(true);
  });

  it('lets the member of the newer generation keep a partition two members claim', () => {
    const partitionCounts = counts({ topic: 3, topic2: 3 });
    const both = ['topic', 'topic2'];
    const claimed = [tp('topic', 0), tp('topic', 2), tp('topic2', 1)];
    for (const staleGeneration of [9, -1]) {
      const members = [owning(assignor, member('c1', both), claimed, 10), owning(assignor, member('c2', both), claimed, staleGeneration)];
      const { assignment } = rebalance(assignor, partitionCounts, members, 11);
      expect(sortedAssignment(assignment)).toEqual({ c1: ['topic-0', 'topic-2', 'topic2-1'], c2: ['topic-1', 'topic2-0', 'topic2-2'] });
    }
  });

  it('assigns every partition to the claim of the highest generation and keeps members of older generations on the rest', () => {
    const partitionCounts = counts({ topic: 3, topic2: 3, topic3: 3 });
    const all = ['topic', 'topic2', 'topic3'];
    const members = [
      owning(assignor, member('c1', all), [tp('topic', 0), tp('topic2', 0), tp('topic3', 0)], 10),
      owning(assignor, member('c2', all), [tp('topic', 1), tp('topic2', 1), tp('topic3', 1)], 9),
      owning(assignor, member('c3', all), [tp('topic2', 1), tp('topic3', 0), tp('topic3', 2)], 8),
    ];
    const { assignment } = rebalance(assignor, partitionCounts, members, 11);
    expect(sortedAssignment(assignment)).toEqual({
      c1: ['topic-0', 'topic2-0', 'topic3-0'],
      c2: ['topic-1', 'topic2-1', 'topic3-1'],
      c3: ['topic-2', 'topic2-2', 'topic3-2'],
    });

    const four = counts({ topic: 3, topic1: 3, topic2: 3, topic3: 3 });
    const every = ['topic', 'topic1', 'topic2', 'topic3'];
    const current = [
      owning(assignor, member('c1', every), [], -1),
      owning(assignor, member('c2', every), [tp('topic', 0), tp('topic2', 0), tp('topic1', 0)], 9),
      owning(assignor, member('c3', every), [tp('topic3', 2), tp('topic2', 2), tp('topic1', 1)], 8),
      owning(assignor, member('c4', every), [tp('topic3', 1), tp('topic', 1), tp('topic', 2)], 7),
    ];
    const kept = rebalance(assignor, four, current, 11);
    expect(sortedAssignment(kept.assignment).c1).toEqual(['topic1-2', 'topic2-1', 'topic3-0']);
    expect(kept.rounds).toBe(1);
  });

  it('takes a partition claimed twice in one generation away from both claimants', () => {
    const partitionCounts = counts({ topic: 3 });
    const members = [
      owning(assignor, member('c1', ['topic']), [tp('topic', 0), tp('topic', 1)], 5),
      owning(assignor, member('c2', ['topic']), [tp('topic', 0), tp('topic', 2)], 5),
      owning(assignor, member('c3', ['topic']), [], 5),
    ];
    if (assignor.protocol === 'COOPERATIVE') {
      expect(partitionsTransferringOwnership(members, new Map([['c3', [tp('topic', 0)]]]))).toEqual(new Map([[topicPartitionKey(tp('topic', 0)), 'c3']]));
      expect(sortedAssignment(assignor.assign(partitionCounts, members))).toEqual({ c1: ['topic-1'], c2: ['topic-2'], c3: [] });
    }
    const { assignment } = rebalance(assignor, partitionCounts, members, 6);
    expect(sortedAssignment(assignment)).toEqual({ c1: ['topic-1'], c2: ['topic-2'], c3: ['topic-0'] });
  });
});

describe('cooperativeStickyAssignor', () => {
  it('never takes a partition from a member that keeps it, so the keepers consume throughout', () => {
    const partitionCounts = counts({ t: 12 });
    const first = cooperativeStickyAssignor.assign(partitionCounts, [member('a', ['t']), member('b', ['t'])]);
    const members = [
      member('a', ['t'], { ownedPartitions: first.get('a')!, generationId: 1 }),
      member('b', ['t'], { ownedPartitions: first.get('b')!, generationId: 1 }),
      member('c', ['t'], { generationId: -1 }),
    ];
    const phaseOne = cooperativeStickyAssignor.assign(partitionCounts, members);
    // Each old member keeps a subset of what it owned and gains nothing; the newcomer waits.
    for (const id of ['a', 'b']) {
      expect(first.get(id)).toEqual(expect.arrayContaining(phaseOne.get(id)!));
      expect(phaseOne.get(id)).toHaveLength(4);
    }
    expect(phaseOne.get('c')).toEqual([]);
    const phaseTwo = cooperativeStickyAssignor.assign(
      partitionCounts,
      members.map((m) => ({ ...m, ownedPartitions: phaseOne.get(m.memberId)!, generationId: 2 })),
    );
    expect(phaseTwo.get('a')).toEqual(phaseOne.get('a'));
    expect(phaseTwo.get('b')).toEqual(phaseOne.get('b'));
    expect(phaseTwo.get('c')).toHaveLength(4);
  });

  it('reads the generation from the user data of a subscription older than v2', () => {
    const claimed = [tp('t', 0)];
    const userData = (generationId: number) => cooperativeStickyAssignor.subscriptionUserData!({ ownedPartitions: claimed, generationId });
    const assignment = cooperativeStickyAssignor.assign(counts({ t: 2 }), [
      member('old', ['t'], { ownedPartitions: claimed, generationId: null, userData: userData(3) }),
      member('new', ['t'], { ownedPartitions: claimed, generationId: null, userData: userData(4) }),
    ]);
    // Read as one generation both claims would be dropped and t-0 held back from both.
    expect(sortedAssignment(assignment)).toEqual({ new: ['t-0'], old: ['t-1'] });
  });
});

describe('stickyAssignor user data', () => {
  it('round-trips the previous assignment and generation, and reads bytes it cannot parse as nothing owned', async () => {
    const { decodeStickyUserData, encodeStickyUserData } = await import('./sticky-assignor.js');
    const owned = [tp('a', 0), tp('a', 3), tp('b', 1)];
    expect(decodeStickyUserData(encodeStickyUserData({ ownedPartitions: owned, generationId: 7 }))).toEqual({ ownedPartitions: owned, generationId: 7 });
    // The v0 layout: the assignment without a generation.
    const v0 = encodeStickyUserData({ ownedPartitions: owned, generationId: 7 }).subarray(0, -4);
    expect(decodeStickyUserData(v0)).toEqual({ ownedPartitions: owned, generationId: -1 });
    expect(decodeStickyUserData(Buffer.from([0, 0, 0, 9, 1]))).toEqual({ ownedPartitions: [], generationId: -1 });
  });
});
