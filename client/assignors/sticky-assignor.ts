import { ProtocolError } from '../../core/protocol/protocol-error.js';
import { Reader } from '../../core/protocol/reader.js';
import { Writer } from '../../core/protocol/writer.js';
import type { TopicPartition } from '../consumer-protocol.js';
import { DEFAULT_GENERATION, type MemberState, type MemberSubscription, type PartitionAssignor } from './partition-assignor.js';
import { stickyAssign } from './sticky-assignment.js';

/**
 * The user data of Kafka's (eager) StickyAssignor: the member's previous
 * assignment as [topic, [partition…]…] then its generation (the v0 layout has
 * no generation). An eager member revokes everything before it joins, so the
 * leader learns what it owned only from here.
 */
export function encodeStickyUserData(state: MemberState): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of state.ownedPartitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  const writer = new Writer();
  writer.arrayLength(byTopic.size);
  for (const [topic, partitions] of byTopic) {
    writer.string(topic);
    writer.arrayLength(partitions.length);
    for (const partition of partitions) writer.int32(partition);
  }
  writer.int32(state.generationId);
  return writer.toBuffer();
}

/** The previous assignment and generation in a StickyAssignor user data; bytes that do not parse count as nothing owned. */
export function decodeStickyUserData(bytes: Buffer | null): { ownedPartitions: TopicPartition[]; generationId: number } {
  if (bytes === null || bytes.length === 0) return { ownedPartitions: [], generationId: DEFAULT_GENERATION };
  try {
    const reader = new Reader(bytes);
    const ownedPartitions: TopicPartition[] = [];
    const topics = reader.arrayLength('StickyAssignorUserData.previous_assignment');
    for (let i = 0; i < topics; i++) {
      const topic = reader.string('StickyAssignorUserData.topic');
      const count = reader.arrayLength('StickyAssignorUserData.partitions');
      for (let j = 0; j < count; j++) ownedPartitions.push({ topic, partition: reader.int32('StickyAssignorUserData.partitions') });
    }
    const generationId = reader.remaining >= 4 ? reader.int32('StickyAssignorUserData.generation') : DEFAULT_GENERATION;
    return { ownedPartitions, generationId };
  } catch (error) {
    if (error instanceof ProtocolError) return { ownedPartitions: [], generationId: DEFAULT_GENERATION };
    throw error;
  }
}

/** Kafka's StickyAssignor: balanced and sticky, eager (members revoke all, the previous assignment rides in the user data). */
export const stickyAssignor: PartitionAssignor = {
  name: 'sticky',
  protocol: 'EAGER',
  assign(partitionCounts: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
    return stickyAssign(
      partitionCounts,
      members.map((member) => ({ memberId: member.memberId, topics: member.topics, ...decodeStickyUserData(member.userData) })),
    );
  },
  subscriptionUserData(state: MemberState): Buffer | null {
    return state.generationId === DEFAULT_GENERATION && state.ownedPartitions.length === 0 ? null : encodeStickyUserData(state);
  },
};
