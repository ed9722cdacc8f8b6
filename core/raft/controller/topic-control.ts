import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import { defaultPartitionRecord } from '../../protocol/generated/metadata/partition-record.js';
import {
  defaultCreateTopicsResponse,
  defaultCreateTopicsResponseCreatableTopicResult,
  type CreateTopicsRequest,
  type CreateTopicsRequestCreatableTopic,
  type CreateTopicsResponse,
  type CreateTopicsResponseCreatableTopicResult,
} from '../../protocol/generated/messages/create-topics.js';
import {
  defaultDeleteTopicsResponse,
  defaultDeleteTopicsResponseDeletableTopicResult,
  type DeleteTopicsRequest,
  type DeleteTopicsResponse,
} from '../../protocol/generated/messages/delete-topics.js';
import { ZERO_UUID } from '../../protocol/reader.js';
import { ConfigResourceType } from '../metadata/metadata-image.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';
import type { ControllerContext, ControllerResult, ControllerState } from './controller-state.js';
import { isUsableBroker } from './partition-leader-election.js';
import { placeReplicas } from './replica-placement.js';

const legalTopicName = /^[a-zA-Z0-9._-]+$/;
const maxTopicNameLength = 249;

/** CreateTopics: validates each topic on its own, places replicas rack-aware on unfenced brokers. */
export function createTopics(state: ControllerState, request: CreateTopicsRequest, ctx: ControllerContext): ControllerResult<CreateTopicsResponse> {
  const records: MetadataRecord[] = [];
  const results: CreateTopicsResponseCreatableTopicResult[] = [];
  const seen = new Map<string, number>();
  for (const topic of request.topics) seen.set(topic.name, (seen.get(topic.name) ?? 0) + 1);
  // Leaders of new partitions continue where existing ones leave off, so leadership spreads evenly.
  let startIndex = [...state.image.topics.values()].reduce((sum, t) => sum + t.partitions.size, 0);
  for (const topic of request.topics) {
    const result = { ...defaultCreateTopicsResponseCreatableTopicResult(), name: topic.name };
    const fail = (errorCode: number, errorMessage: string): void => {
      results.push({ ...result, errorCode, errorMessage });
    };
    if (seen.get(topic.name)! > 1) {
      fail(ErrorCode.INVALID_REQUEST, `topic ${topic.name} appears more than once in the request`);
      continue;
    }
    const nameProblem = topicNameProblem(topic.name);
    if (nameProblem !== undefined) {
      fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
      continue;
    }
    if (state.image.topicIdsByName.has(topic.name)) {
      fail(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${topic.name}' already exists`);
      continue;
    }
    const assignment = assignmentFor(state, topic, startIndex);
    if (!Array.isArray(assignment)) {
      fail(assignment.errorCode, assignment.errorMessage);
      continue;
    }
    startIndex += assignment.length;
    const topicId = ctx.newTopicId();
    // As Kafka: a created topic's errorMessage is null (the schema's default is the empty string).
    results.push({ ...result, errorMessage: null, topicId, numPartitions: assignment.length, replicationFactor: assignment[0]!.length, configs: null });
    if (request.validateOnly) continue;
    records.push({ type: MetadataRecordType.TopicRecord, value: { name: topic.name, topicId } });
    for (const config of topic.configs) {
      records.push({ type: MetadataRecordType.ConfigRecord, value: { resourceType: ConfigResourceType.topic, resourceName: topic.name, name: config.name, value: config.value } });
    }
    assignment.forEach((replicas, partitionId) => {
      records.push({
        type: MetadataRecordType.PartitionRecord,
        value: { ...defaultPartitionRecord(), topicId, partitionId, replicas, isr: [...replicas], leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0 },
      });
    });
  }
  return { records, response: { ...defaultCreateTopicsResponse(), topics: results } };
}

/** DeleteTopics by name or by id. */
export function deleteTopics(state: ControllerState, request: DeleteTopicsRequest): ControllerResult<DeleteTopicsResponse> {
  const records: MetadataRecord[] = [];
  const targets = [...request.topicNames.map((name) => ({ name, topicId: undefined as string | undefined })), ...request.topics.map((t) => ({ name: t.name, topicId: t.topicId }))];
  const removed = new Set<string>();
  const responses = targets.map(({ name, topicId }) => {
    const id = name !== null ? state.image.topicIdsByName.get(name) : topicId;
    const topic = id === undefined ? undefined : state.image.topics.get(id);
    const result = { ...defaultDeleteTopicsResponseDeletableTopicResult(), name: name ?? topic?.name ?? null, topicId: topic?.topicId ?? topicId ?? ZERO_UUID };
    if (!state.config.deleteTopicEnable) return { ...result, errorCode: ErrorCode.TOPIC_DELETION_DISABLED };
    if (topic === undefined) return { ...result, errorCode: name !== null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID };
    if (!removed.has(topic.topicId)) records.push({ type: MetadataRecordType.RemoveTopicRecord, value: { topicId: topic.topicId } });
    removed.add(topic.topicId);
    return result;
  });
  return { records, response: { ...defaultDeleteTopicsResponse(), responses } };
}

function topicNameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `topic name '${name}' is illegal`;
  if (name.length > maxTopicNameLength) return `topic name is longer than ${maxTopicNameLength} characters`;
  if (!legalTopicName.test(name)) return `topic name '${name}' has characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return undefined;
}

interface Refusal {
  readonly errorCode: number;
  readonly errorMessage: string;
}

const invalidReplication = (errorMessage: string): Refusal => ({ errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage });
const invalidPartitions = (errorMessage: string): Refusal => ({ errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage });

/** The replicas of each partition, or why there are none. */
function assignmentFor(state: ControllerState, topic: CreateTopicsRequestCreatableTopic, startIndex: number): number[][] | Refusal {
  if (topic.assignments.length > 0) {
    if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'replication factor and partitions must be -1 when assignments are given' };
    const sorted = [...topic.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
    const size = sorted[0]!.brokerIds.length;
    for (const [i, a] of sorted.entries()) {
      if (a.partitionIndex !== i) return invalidPartitions(`partitions must be numbered 0..${sorted.length - 1}`);
      if (a.brokerIds.length !== size || size === 0) return invalidReplication('replication factor must be the same for every partition');
      if (new Set(a.brokerIds).size !== size) return invalidReplication('a replica list repeats a broker');
      if (a.brokerIds.some((id) => !state.image.brokers.has(id))) return invalidReplication('an assignment names an unregistered broker');
    }
    return sorted.map((a) => [...a.brokerIds]);
  }
  const partitions = topic.numPartitions === -1 ? state.config.numPartitions : topic.numPartitions;
  const replicationFactor = topic.replicationFactor === -1 ? state.config.defaultReplicationFactor : topic.replicationFactor;
  if (partitions < 1) return invalidPartitions(`partitions must be at least 1, got ${partitions}`);
  const brokers = [...state.image.brokers.values()].filter((b) => isUsableBroker(state.image, b.brokerId));
  if (replicationFactor < 1 || replicationFactor > brokers.length) {
    return invalidReplication(`replication factor ${replicationFactor} is not between 1 and the ${brokers.length} available brokers`);
  }
  return placeReplicas(brokers, partitions, replicationFactor, startIndex)!;
}
