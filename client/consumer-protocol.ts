import { readConsumerProtocolAssignment, writeConsumerProtocolAssignment } from '../core/protocol/generated/messages/consumer-protocol-assignment.js';
import { readConsumerProtocolSubscription, writeConsumerProtocolSubscription } from '../core/protocol/generated/messages/consumer-protocol-subscription.js';
import { ProtocolError } from '../core/protocol/protocol-error.js';
import { Reader } from '../core/protocol/reader.js';
import { Writer } from '../core/protocol/writer.js';

export { decodeSubscription, encodeSubscription } from '../core/group/consumer-protocol.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A member's whole subscription: what the sticky assignors need besides the topics. */
export interface MemberSubscriptionBytes {
  topics: readonly string[];
  userData: Buffer | null;
  ownedPartitions: readonly TopicPartition[];
  /** Null when the subscription is older than v2, which has no generation. */
  generationId: number | null;
  rackId: string | null;
}

/** The subscription version a member writes, and the newest it reads: v3 carries owned partitions, generation and rack, as Kafka's consumer sends. */
const SUBSCRIPTION_WRITE_VERSION = 3;

/** A member's JoinGroup metadata with owned partitions (cooperative rebalancing), generation and rack. */
export function encodeMemberSubscription(subscription: MemberSubscriptionBytes): Buffer {
  const byTopic = groupByTopic(subscription.ownedPartitions);
  const writer = new Writer();
  writer.int16(SUBSCRIPTION_WRITE_VERSION);
  writeConsumerProtocolSubscription(writer, SUBSCRIPTION_WRITE_VERSION, {
    topics: [...subscription.topics],
    userData: subscription.userData,
    ownedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    generationId: subscription.generationId ?? -1,
    rackId: subscription.rackId,
  });
  return writer.toBuffer();
}

/**
 * Every field of a member's subscription, as the group leader reads it; newer
 * versions read as the newest we know, and kafkajs's v0 layout labelled v1
 * read again as v0 (as `decodeSubscription` does). Bytes that do not parse
 * raise ProtocolError.
 */
export function decodeMemberSubscription(bytes: Buffer): MemberSubscriptionBytes {
  const version = new Reader(bytes).int16('ConsumerProtocolSubscription.version');
  if (version < 0) throw new ProtocolError(`version ${version}`, 'ConsumerProtocolSubscription.version');
  const read = (asVersion: number): MemberSubscriptionBytes => {
    const reader = new Reader(bytes, 2);
    const subscription = readConsumerProtocolSubscription(reader, asVersion);
    return {
      topics: subscription.topics,
      userData: subscription.userData,
      ownedPartitions: subscription.ownedPartitions.flatMap((owned) => owned.partitions.map((partition) => ({ topic: owned.topic, partition }))),
      generationId: asVersion >= 2 ? subscription.generationId : null,
      rackId: subscription.rackId,
    };
  };
  try {
    return read(Math.min(version, SUBSCRIPTION_WRITE_VERSION));
  } catch (error) {
    if (version === 0 || !(error instanceof ProtocolError)) throw error;
    return read(0);
  }
}

function groupByTopic(partitions: readonly TopicPartition[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return byTopic;
}

/** The newest ConsumerProtocol version we know; newer ones are read as this one, as Kafka's ConsumerProtocol does. */
const ASSIGNMENT_MAX_VERSION = 3;
/** The version we write: v0 carries all a range assignment needs and every client reads it. */
const WRITE_VERSION = 0;

/**
 * The partitions in a consumer-group member's assignment bytes (int16 version,
 * then ConsumerProtocolAssignment). Empty bytes, as during a rebalance, mean
 * no partitions; bytes that do not parse raise ProtocolError.
 */
export function decodeMemberAssignment(bytes: Buffer): TopicPartition[] {
  if (bytes.length === 0) return [];
  const reader = new Reader(bytes);
  const version = reader.int16('ConsumerProtocolAssignment.version');
  if (version < 0) throw new ProtocolError(`version ${version}`, 'ConsumerProtocolAssignment.version');
  const assignment = readConsumerProtocolAssignment(reader, Math.min(version, ASSIGNMENT_MAX_VERSION));
  return assignment.assignedPartitions.flatMap((topic) => topic.partitions.map((partition) => ({ topic: topic.topic, partition })));
}

/** A member's assignment bytes for SyncGroup. */
export function encodeAssignment(partitions: readonly TopicPartition[]): Buffer {
  const byTopic = groupByTopic(partitions);
  const writer = new Writer();
  writer.int16(WRITE_VERSION);
  writeConsumerProtocolAssignment(writer, WRITE_VERSION, {
    assignedPartitions: [...byTopic].map(([topic, indexes]) => ({ topic, partitions: indexes })),
    userData: null,
  });
  return writer.toBuffer();
}
