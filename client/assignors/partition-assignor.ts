import type { TopicPartition } from '../consumer-protocol.js';

/** What the group leader knows of one member from its JoinGroup subscription. */
export interface MemberSubscription {
  memberId: string;
  /** `group.instance.id` of a static member, null for a dynamic one. */
  groupInstanceId: string | null;
  topics: readonly string[];
  /** The assignor's own bytes (the sticky assignors keep the previous assignment or generation there). */
  userData: Buffer | null;
  /** The partitions the member owns now (ConsumerProtocolSubscription v1+; empty after an eager revocation). */
  ownedPartitions: readonly TopicPartition[];
  /** The generation of `ownedPartitions` (v2+), null when the subscription is older. */
  generationId: number | null;
  rackId: string | null;
}

/** What a member knows when it joins: its partitions and the generation it got them in. */
export interface MemberState {
  ownedPartitions: readonly TopicPartition[];
  generationId: number;
}

/** Kafka's RebalanceProtocol: EAGER revokes everything before joining, COOPERATIVE only what moves. */
export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE';

/**
 * A client-side partition assignor, named as in `partition.assignment.strategy`.
 * `assign` runs on the group leader: the partition count of every subscribed topic
 * (topics that do not exist are absent) and each member's subscription in,
 * each member's partitions out (every member present, possibly with none).
 */
export interface PartitionAssignor {
  readonly name: string;
  readonly protocol: RebalanceProtocol;
  assign(partitionCounts: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): Map<string, TopicPartition[]>;
  /** The user data a member puts in its subscription (null: none). */
  subscriptionUserData?(state: MemberState): Buffer | null;
}

/** The generation a member knows nothing of. */
export const DEFAULT_GENERATION = -1;

/**
 * Kafka's member order for range and round robin: static members by
 * `group.instance.id` first (so a restarted static member keeps its share),
 * then dynamic ones by member id.
 */
export function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** Java's String.compareTo order for the ASCII names Kafka allows. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Topic, then partition. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

export function topicPartitionKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/** An empty assignment for every member. */
export function emptyAssignment(members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  return new Map(members.map((member) => [member.memberId, []]));
}
