/**
 * Which __consumer_offsets partition coordinates a group: Kafka's
 * `Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions`, so that a
 * Java client and Freshet agree on the coordinator of every group id.
 */

/** Java's String.hashCode: 31*h + c over UTF-16 code units, in int32 arithmetic. */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  return hash;
}

/** Kafka's Utils.abs: like Math.abs, except that Integer.MIN_VALUE maps to 0. */
function kafkaAbs(value: number): number {
  return value === -0x8000_0000 ? 0 : Math.abs(value);
}

export function coordinatorPartitionFor(groupId: string, offsetsTopicNumPartitions: number): number {
  if (!Number.isInteger(offsetsTopicNumPartitions) || offsetsTopicNumPartitions <= 0) {
    throw new RangeError(`offsets.topic.num.partitions must be a positive integer, got ${offsetsTopicNumPartitions}`);
  }
  return kafkaAbs(javaStringHashCode(groupId)) % offsetsTopicNumPartitions;
}
