import { readConsumerProtocolAssignment, writeConsumerProtocolAssignment } from '../core/protocol/generated/messages/consumer-protocol-assignment.js';
import { ProtocolError } from '../core/protocol/protocol-error.js';
import { Reader } from '../core/protocol/reader.js';
import { Writer } from '../core/protocol/writer.js';

export { decodeSubscription, encodeSubscription } from '../core/group/consumer-protocol.js';

export interface TopicPartition {
  topic: string;
  partition: number;
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
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  const writer = new Writer();
  writer.int16(WRITE_VERSION);
  writeConsumerProtocolAssignment(writer, WRITE_VERSION, {
    assignedPartitions: [...byTopic].map(([topic, indexes]) => ({ topic, partitions: indexes })),
    userData: null,
  });
  return writer.toBuffer();
}

/**
 * Kafka's RangeAssignor: per topic, the subscribed members sorted by id each
 * take a contiguous range of partitions, the first `count % members` one more.
 */
export function rangeAssign(members: readonly { memberId: string; topics: readonly string[] }[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const assignment = new Map<string, TopicPartition[]>(members.map((member) => [member.memberId, []]));
  for (const [topic, count] of [...partitionCounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const subscribed = members
      .filter((member) => member.topics.includes(topic))
      .map((member) => member.memberId)
      .sort();
    if (subscribed.length === 0) continue;
    const base = Math.floor(count / subscribed.length);
    const extra = count % subscribed.length;
    subscribed.forEach((memberId, i) => {
      const start = i * base + Math.min(i, extra);
      const length = base + (i < extra ? 1 : 0);
      for (let partition = start; partition < start + length; partition++) assignment.get(memberId)!.push({ topic, partition });
    });
  }
  return assignment;
}
