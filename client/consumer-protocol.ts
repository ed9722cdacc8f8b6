import { readConsumerProtocolAssignment } from '../core/protocol/generated/messages/consumer-protocol-assignment.js';
import { ProtocolError } from '../core/protocol/protocol-error.js';
import { Reader } from '../core/protocol/reader.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** The newest ConsumerProtocolAssignment version we know; newer ones are read as this one, as Kafka's ConsumerProtocol does. */
const ASSIGNMENT_MAX_VERSION = 3;

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
