import type { TopicPartition } from '../consumer-protocol.js';
import { compareMembers, compareStrings, emptyAssignment, type MemberSubscription, type PartitionAssignor } from './partition-assignor.js';

/**
 * Kafka's RoundRobinAssignor: every subscribed partition, sorted by topic and
 * partition, goes to the next member (in Kafka's member order, circularly)
 * that subscribes to its topic. Eager.
 */
export const roundRobinAssignor: PartitionAssignor = {
  name: 'roundrobin',
  protocol: 'EAGER',
  assign(partitionCounts: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
    const assignment = emptyAssignment(members);
    const ordered = [...members].sort(compareMembers);
    const topics = [...new Set(members.flatMap((member) => member.topics))].filter((topic) => partitionCounts.has(topic)).sort(compareStrings);
    let next = 0;
    for (const topic of topics) {
      for (let partition = 0; partition < partitionCounts.get(topic)!; partition++) {
        // Some member subscribes to the topic, so this ends within one turn.
        while (!ordered[next % ordered.length]!.topics.includes(topic)) next++;
        assignment.get(ordered[next % ordered.length]!.memberId)!.push({ topic, partition });
        next++;
      }
    }
    return assignment;
  },
};
