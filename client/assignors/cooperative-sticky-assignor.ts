import { ProtocolError } from '../../core/protocol/protocol-error.js';
import { Reader } from '../../core/protocol/reader.js';
import { Writer } from '../../core/protocol/writer.js';
import type { TopicPartition } from '../consumer-protocol.js';
import { DEFAULT_GENERATION, topicPartitionKey, type MemberState, type MemberSubscription, type PartitionAssignor } from './partition-assignor.js';
import { stickyAssign } from './sticky-assignment.js';

/** CooperativeStickyAssignor's user data: the generation as an int32, for subscriptions older than v2 that have no field for it. */
export function encodeGenerationUserData(generationId: number): Buffer {
  const writer = new Writer();
  writer.int32(generationId);
  return writer.toBuffer();
}

/** The member's generation: the v2+ subscription field, else the user data, else unknown. */
function memberGeneration(member: MemberSubscription): number {
  if (member.generationId !== null) return member.generationId;
  if (member.userData === null) return DEFAULT_GENERATION;
  try {
    return new Reader(member.userData).int32('CooperativeStickyAssignorUserData.generation');
  } catch (error) {
    if (error instanceof ProtocolError) return DEFAULT_GENERATION;
    throw error;
  }
}

/**
 * The partitions the sticky assignment gives a member that another member
 * still owns (as it said in its subscription): those must be revoked by their
 * owner first, so the leader leaves them out of this round (KIP-429).
 */
export function partitionsTransferringOwnership(members: readonly MemberSubscription[], assignment: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, string> {
  const added = new Map<string, string>();
  const revoked = new Set<string>();
  for (const member of members) {
    const owned = new Set(member.ownedPartitions.map(topicPartitionKey));
    const assigned = new Set((assignment.get(member.memberId) ?? []).map(topicPartitionKey));
    for (const key of assigned) if (!owned.has(key)) added.set(key, member.memberId);
    for (const key of owned) if (!assigned.has(key)) revoked.add(key);
  }
  return new Map([...added].filter(([key]) => revoked.has(key)));
}

/**
 * Kafka's CooperativeStickyAssignor (incremental cooperative rebalancing,
 * KIP-429): the sticky assignment, minus every partition that moves from one
 * member to another. The owner sees it missing from its assignment and revokes
 * it, which triggers a second rebalance in which it is free to move. Members
 * keep consuming the partitions they keep throughout.
 */
export const cooperativeStickyAssignor: PartitionAssignor = {
  name: 'cooperative-sticky',
  protocol: 'COOPERATIVE',
  assign(partitionCounts: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
    const assignment = stickyAssign(
      partitionCounts,
      members.map((member) => ({ memberId: member.memberId, topics: member.topics, ownedPartitions: member.ownedPartitions, generationId: memberGeneration(member) })),
    );
    const transferring = partitionsTransferringOwnership(members, assignment);
    for (const [memberId, partitions] of assignment) {
      assignment.set(
        memberId,
        partitions.filter((tp) => transferring.get(topicPartitionKey(tp)) !== memberId),
      );
    }
    return assignment;
  },
  subscriptionUserData(state: MemberState): Buffer | null {
    return encodeGenerationUserData(state.generationId);
  },
};
