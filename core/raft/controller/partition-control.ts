import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import { defaultPartitionRecord } from '../../protocol/generated/metadata/partition-record.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/generated/messages/create-partitions.js';
import type { ControllerResult, ControllerState } from './controller-state.js';
import { PartitionCounts, requestPartitionsRefusal } from './partition-limits.js';
import { isUsableBroker } from './partition-leader-election.js';
import { placeReplicas } from './replica-placement.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';

/**
 * CreatePartitions: grows a topic to `count` partitions (never shrinks), with the given replica
 * assignments or rack-aware placement on unfenced brokers at the topic's replication factor.
 */
export function createPartitions(state: ControllerState, request: CreatePartitionsRequest): ControllerResult<CreatePartitionsResponse> {
  const records: MetadataRecord[] = [];
  const names = request.topics.map((t) => t.name);
  let startIndex = [...state.image.topics.values()].reduce((sum, t) => sum + t.partitions.size, 0);
  // Checked before any placement, as for CreateTopics.
  const requested = request.topics.reduce((sum, t) => {
    const existing = state.image.topics.get(state.image.topicIdsByName.get(t.name) ?? '')?.partitions.size ?? 0;
    return sum + Math.max(0, t.count - existing);
  }, 0);
  const tooMany = requestPartitionsRefusal(requested);
  if (tooMany !== undefined) return { records, response: { throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, ...tooMany })) } };
  const counts = new PartitionCounts(state.image, state.config.partitionLimits);
  const results = request.topics.map((topic) => {
    const answer = (errorCode: number, errorMessage: string | null = null) => ({ name: topic.name, errorCode, errorMessage });
    if (names.indexOf(topic.name) !== names.lastIndexOf(topic.name)) return answer(ErrorCode.INVALID_REQUEST, `Topic ${topic.name} appears more than once`);
    const topicId = state.image.topicIdsByName.get(topic.name);
    const image = topicId === undefined ? undefined : state.image.topics.get(topicId);
    if (image === undefined || topicId === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${topic.name} does not exist`);
    const existing = image.partitions.size;
    if (topic.count <= existing) {
      return answer(ErrorCode.INVALID_PARTITIONS, topic.count === existing ? `Topic already has ${existing} partitions.` : `Topic currently has ${existing} partitions, which is higher than the requested ${topic.count}.`);
    }
    const added = topic.count - existing;
    const replicationFactor = image.partitions.get(0)?.replicas.length ?? 1;
    let assignment: number[][];
    if (topic.assignments !== null) {
      if (topic.assignments.length !== added) return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${added} but ${topic.assignments.length} assignments provided.`);
      for (const a of topic.assignments) {
        if (a.brokerIds.length !== replicationFactor || new Set(a.brokerIds).size !== a.brokerIds.length) return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Each assignment needs ${replicationFactor} distinct brokers`);
        if (a.brokerIds.some((id) => !state.image.brokers.has(id))) return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'An assignment names an unregistered broker');
      }
      assignment = topic.assignments.map((a) => [...a.brokerIds]);
    } else {
      const brokers = [...state.image.brokers.values()].filter((b) => isUsableBroker(state.image, b.brokerId));
      const placed = placeReplicas(brokers, added, replicationFactor, startIndex);
      if (placed === undefined) return answer(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partitions ${replicationFactor} times: only ${brokers.length} brokers are available.`);
      assignment = placed;
    }
    const overLimit = counts.admit(assignment);
    if (overLimit !== undefined) return answer(overLimit.errorCode, overLimit.errorMessage);
    startIndex += added;
    if (!request.validateOnly) {
      assignment.forEach((replicas, i) => {
        records.push({
          type: MetadataRecordType.PartitionRecord,
          value: { ...defaultPartitionRecord(), topicId, partitionId: existing + i, replicas, isr: [...replicas], leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0 },
        });
      });
    }
    return answer(ErrorCode.NONE);
  });
  return { records, response: { throttleTimeMs: 0, results } };
}
