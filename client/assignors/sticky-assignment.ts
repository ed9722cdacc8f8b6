import type { TopicPartition } from '../consumer-protocol.js';
import { compareStrings, compareTopicPartitions, topicPartitionKey } from './partition-assignor.js';

/** One member as the sticky algorithm sees it: what it subscribes to and what it owned in which generation. */
export interface StickyMember {
  memberId: string;
  topics: readonly string[];
  ownedPartitions: readonly TopicPartition[];
  generationId: number;
}

/** Partition, then topic: the order in which a member keeps its owned partitions (as Kafka's sticky assignors). */
function compareByPartition(a: TopicPartition, b: TopicPartition): number {
  return a.partition - b.partition || compareStrings(a.topic, b.topic);
}

/**
 * Kafka's sticky assignment (AbstractStickyAssignor): as balanced as the
 * subscriptions allow, and moving as few owned partitions as that takes.
 * A partition claimed by several members goes to the claim of the highest
 * generation; claims tied in one generation are all dropped (the partition is
 * reassigned). With identical subscriptions every member ends with
 * floor(n/m) or ceil(n/m) partitions and keeps owned ones up to its quota;
 * otherwise unowned partitions go to the least loaded member able to take them
 * (the most constrained first), then partitions move from members with two
 * more than another that could take them until none can.
 */
export function stickyAssign(partitionCounts: ReadonlyMap<string, number>, members: readonly StickyMember[]): Map<string, TopicPartition[]> {
  const ordered = [...members].sort((a, b) => compareStrings(a.memberId, b.memberId));
  const subscribed = new Set(ordered.flatMap((member) => member.topics).filter((topic) => partitionCounts.has(topic)));
  const allPartitions: TopicPartition[] = [];
  for (const topic of [...subscribed].sort(compareStrings)) {
    for (let partition = 0; partition < partitionCounts.get(topic)!; partition++) allPartitions.push({ topic, partition });
  }
  const owned = resolveOwnership(partitionCounts, ordered);
  const firstTopics = new Set(ordered[0]?.topics ?? []);
  const uniform = ordered.every((member) => member.topics.length === firstTopics.size && member.topics.every((topic) => firstTopics.has(topic)));
  return uniform ? constrainedAssign(allPartitions, ordered, owned) : generalAssign(allPartitions, ordered, owned);
}

/** Each member's valid owned partitions, sorted by partition then topic. */
function resolveOwnership(partitionCounts: ReadonlyMap<string, number>, members: readonly StickyMember[]): Map<string, TopicPartition[]> {
  const claims = new Map<string, { memberId: string; generationId: number; tied: boolean; tp: TopicPartition }>();
  for (const member of members) {
    for (const tp of member.ownedPartitions) {
      const count = partitionCounts.get(tp.topic);
      if (count === undefined || tp.partition >= count || !member.topics.includes(tp.topic)) continue;
      const key = topicPartitionKey(tp);
      const claim = claims.get(key);
      if (claim === undefined || member.generationId > claim.generationId) claims.set(key, { memberId: member.memberId, generationId: member.generationId, tied: false, tp });
      else if (member.generationId === claim.generationId) claim.tied = true;
    }
  }
  const owned = new Map<string, TopicPartition[]>(members.map((member) => [member.memberId, []]));
  for (const claim of claims.values()) if (!claim.tied) owned.get(claim.memberId)!.push({ topic: claim.tp.topic, partition: claim.tp.partition });
  for (const partitions of owned.values()) partitions.sort(compareByPartition);
  return owned;
}

/** Identical subscriptions: quotas, owned partitions kept up to the quota, the rest round robin over the members still short. */
function constrainedAssign(allPartitions: readonly TopicPartition[], members: readonly StickyMember[], owned: Map<string, TopicPartition[]>): Map<string, TopicPartition[]> {
  const assignment = new Map<string, TopicPartition[]>();
  if (members.length === 0) return assignment;
  const minQuota = Math.floor(allPartitions.length / members.length);
  const maxQuota = Math.ceil(allPartitions.length / members.length);
  const expectedOverMin = allPartitions.length % members.length;
  let overMin = 0;
  const underMin: string[] = [];
  let exactlyMin: string[] = [];
  for (const { memberId } of members) {
    const mine = owned.get(memberId)!;
    if (mine.length < minQuota) {
      assignment.set(memberId, [...mine]);
      underMin.push(memberId);
    } else if (mine.length >= maxQuota && overMin < expectedOverMin) {
      overMin++;
      if (overMin === expectedOverMin) exactlyMin = [];
      assignment.set(memberId, mine.slice(0, maxQuota));
    } else {
      assignment.set(memberId, mine.slice(0, minQuota));
      if (overMin < expectedOverMin) exactlyMin.push(memberId);
    }
  }
  const taken = new Set([...assignment.values()].flat().map(topicPartitionKey));
  let next = 0;
  for (const tp of allPartitions) {
    if (taken.has(topicPartitionKey(tp))) continue;
    let memberId: string;
    const fromUnderMin = underMin.length > 0;
    if (fromUnderMin) {
      if (next >= underMin.length) next = 0;
      memberId = underMin[next]!;
    } else {
      const first = exactlyMin.shift();
      if (first === undefined) throw new Error('sticky assignment: no member left to take a partition');
      memberId = first;
    }
    const mine = assignment.get(memberId)!;
    mine.push(tp);
    if (fromUnderMin && mine.length === minQuota) {
      underMin.splice(next, 1);
      exactlyMin.push(memberId);
    } else if (fromUnderMin) {
      next++;
    }
  }
  return assignment;
}

/** Different subscriptions: keep every valid owned partition, place the rest on the least loaded, then even out. */
function generalAssign(allPartitions: readonly TopicPartition[], members: readonly StickyMember[], owned: Map<string, TopicPartition[]>): Map<string, TopicPartition[]> {
  const assignment = new Map(members.map((member) => [member.memberId, [...owned.get(member.memberId)!]]));
  const subscribers = new Map<string, StickyMember[]>();
  for (const member of members) for (const topic of member.topics) subscribers.set(topic, [...(subscribers.get(topic) ?? []), member]);
  const taken = new Set([...assignment.values()].flat().map(topicPartitionKey));
  const unassigned = allPartitions
    .filter((tp) => !taken.has(topicPartitionKey(tp)))
    .sort((a, b) => subscribers.get(a.topic)!.length - subscribers.get(b.topic)!.length || compareTopicPartitions(a, b));
  const load = (member: StickyMember): number => assignment.get(member.memberId)!.length;
  for (const tp of unassigned) {
    const target = subscribers.get(tp.topic)!.reduce((best, member) => (load(member) < load(best) ? member : best));
    assignment.get(target.memberId)!.push(tp);
  }
  // Each move lowers the sum of squared loads, so this ends; the bound only guards against a bug.
  for (let moves = 0; moves <= allPartitions.length * members.length; moves++) {
    if (!moveOnePartition(members, assignment, owned)) break;
  }
  return assignment;
}

/** Moves one partition from a member to another with at least two fewer that subscribes to its topic; false when none can move. */
function moveOnePartition(members: readonly StickyMember[], assignment: Map<string, TopicPartition[]>, owned: Map<string, TopicPartition[]>): boolean {
  const byLoad = [...members].sort((a, b) => assignment.get(b.memberId)!.length - assignment.get(a.memberId)!.length || compareStrings(a.memberId, b.memberId));
  for (const from of byLoad) {
    const theirs = assignment.get(from.memberId)!;
    const previouslyOwned = new Set(owned.get(from.memberId)!.map(topicPartitionKey));
    for (const to of [...byLoad].reverse()) {
      if (assignment.get(to.memberId)!.length >= theirs.length - 1) break;
      // Give away a partition the member did not own before, if it can: that revokes nothing.
      const movable = theirs.filter((tp) => to.topics.includes(tp.topic));
      const pick = movable.findLast((tp) => !previouslyOwned.has(topicPartitionKey(tp))) ?? movable.at(-1);
      if (pick === undefined) continue;
      theirs.splice(theirs.indexOf(pick), 1);
      assignment.get(to.memberId)!.push(pick);
      return true;
    }
  }
  return false;
}
