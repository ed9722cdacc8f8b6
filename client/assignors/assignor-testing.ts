import { expect } from 'vitest';
import type { TopicPartition } from '../consumer-protocol.js';
import { topicPartitionKey, type MemberSubscription, type PartitionAssignor } from './partition-assignor.js';

/** `tp('t', 0)`: a TopicPartition, short for the tables in the assignor tests. */
export const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });

/** A member's subscription; owned partitions and generation as a v2+ subscription carries them. */
export function member(memberId: string, topics: readonly string[], options: Partial<Omit<MemberSubscription, 'memberId' | 'topics'>> = {}): MemberSubscription {
  return { memberId, topics, groupInstanceId: null, userData: null, ownedPartitions: [], generationId: null, rackId: null, ...options };
}

export const counts = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));

const sizes = (assignment: ReadonlyMap<string, readonly TopicPartition[]>): number[] => [...assignment.values()].map((partitions) => partitions.length);

/** Every member within one partition of every other. */
export function isFullyBalanced(assignment: ReadonlyMap<string, readonly TopicPartition[]>): boolean {
  return Math.max(...sizes(assignment)) - Math.min(...sizes(assignment)) <= 1;
}

/**
 * The checks of Kafka's AbstractStickyAssignorTest.verifyValidityAndBalance:
 * every member present, only subscribed topics, no partition twice, every
 * partition of a subscribed topic assigned, and two members more than one apart
 * share no topic (else a partition could have moved to even them out).
 */
export function expectValidAndBalanced(members: readonly MemberSubscription[], partitionCounts: ReadonlyMap<string, number>, assignment: ReadonlyMap<string, readonly TopicPartition[]>): void {
  expect([...assignment.keys()].sort()).toEqual(members.map((m) => m.memberId).sort());
  const seen = new Set<string>();
  for (const m of members) {
    for (const partition of assignment.get(m.memberId)!) {
      expect(m.topics, `${m.memberId} got ${partition.topic}-${partition.partition}`).toContain(partition.topic);
      expect(seen.has(topicPartitionKey(partition)), `${partition.topic}-${partition.partition} assigned twice`).toBe(false);
      seen.add(topicPartitionKey(partition));
    }
  }
  const subscribed = new Set(members.flatMap((m) => m.topics));
  const expected = [...partitionCounts].filter(([topic]) => subscribed.has(topic)).reduce((sum, [, count]) => sum + count, 0);
  expect(seen.size).toBe(expected);
  for (const a of members) {
    for (const b of members) {
      const mine = assignment.get(a.memberId)!;
      const theirs = assignment.get(b.memberId)!;
      if (mine.length <= theirs.length + 1) continue;
      const theirTopics = new Set(theirs.map((partition) => partition.topic));
      expect(
        mine.filter((partition) => theirTopics.has(partition.topic)),
        `${a.memberId} has ${mine.length}, ${b.memberId} ${theirs.length}, and they share topics`,
      ).toEqual([]);
    }
  }
}

/** The next generation's subscriptions: each member now owns what it was assigned, in generation `generationId`. */
export function nextGeneration(members: readonly MemberSubscription[], assignment: ReadonlyMap<string, readonly TopicPartition[]>, generationId: number, assignor: PartitionAssignor): MemberSubscription[] {
  return members.map((m) => {
    const ownedPartitions = [...(assignment.get(m.memberId) ?? [])];
    const userData = assignor.subscriptionUserData?.({ ownedPartitions, generationId }) ?? null;
    // An eager member revokes everything before it joins: only the user data remembers.
    return { ...m, ownedPartitions: assignor.protocol === 'EAGER' ? [] : ownedPartitions, generationId, userData };
  });
}

/** Sorted copies, for comparing assignments whose order within a member does not matter. */
export function sortedAssignment(assignment: ReadonlyMap<string, readonly TopicPartition[]>): Record<string, string[]> {
  return Object.fromEntries([...assignment].map(([memberId, partitions]) => [memberId, partitions.map((p) => `${p.topic}-${p.partition}`).sort()]));
}
