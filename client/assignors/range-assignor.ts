import type { TopicPartition } from '../consumer-protocol.js';
import { compareMembers, compareStrings, emptyAssignment, type MemberSubscription, type PartitionAssignor } from './partition-assignor.js';

/**
 * Kafka's RangeAssignor: per topic, the subscribed members in Kafka's member
 * order each take a contiguous range of partitions, the first
 * `partitions % members` one more. Eager.
 */
export const rangeAssignor: PartitionAssignor = {
  name: 'range',
  protocol: 'EAGER',
  assign(partitionCounts: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
    const assignment = emptyAssignment(members);
    const ordered = [...members].sort(compareMembers);
    for (const [topic, count] of [...partitionCounts].sort(([a], [b]) => compareStrings(a, b))) {
      const subscribed = ordered.filter((member) => member.topics.includes(topic));
      if (subscribed.length === 0) continue;
      const base = Math.floor(count / subscribed.length);
      const extra = count % subscribed.length;
      subscribed.forEach((member, i) => {
        const start = i * base + Math.min(i, extra);
        const length = base + (i < extra ? 1 : 0);
        for (let partition = start; partition < start + length; partition++) assignment.get(member.memberId)!.push({ topic, partition });
      });
    }
    return assignment;
  },
};
