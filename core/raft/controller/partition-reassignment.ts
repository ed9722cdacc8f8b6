import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import { defaultPartitionChangeRecord, type PartitionChangeRecord } from '../../protocol/generated/metadata/partition-change-record.js';
import type { PartitionRecord } from '../../protocol/generated/metadata/partition-record.js';
import type {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
  AlterPartitionReassignmentsResponseReassignablePartitionResponse,
} from '../../protocol/generated/messages/alter-partition-reassignments.js';
import type {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
  ListPartitionReassignmentsResponseOngoingPartitionReassignment,
} from '../../protocol/generated/messages/list-partition-reassignments.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';
import type { ControllerResult, ControllerState } from './controller-state.js';
import { isUsableBroker } from './partition-leader-election.js';

/**
 * Where a partition is going (Kafka's PartitionReassignmentReplicas): the target replicas, then the
 * current ones leaving; adding and removing are the differences.
 */
function reassignmentReplicas(current: readonly number[], target: readonly number[]): { replicas: number[]; adding: number[]; removing: number[] } {
  const removing = current.filter((id) => !target.includes(id));
  return { replicas: [...target, ...removing], adding: target.filter((id) => !current.includes(id)), removing };
}

/** The partition's replicas before its reassignment started (all of them when none runs). */
function originalReplicas(partition: PartitionRecord): number[] {
  return partition.replicas.filter((id) => !partition.addingReplicas.includes(id));
}

/** The replicas a reassignment ends with. */
function targetReplicas(partition: PartitionRecord): number[] {
  return partition.replicas.filter((id) => !partition.removingReplicas.includes(id));
}

/**
 * The change that makes `replicas` the partition's replicas: the ISR keeps only its members among
 * them, and a leader outside them hands over to the first of them in the ISR (-1 when none is
 * usable). Undefined when no ISR member would be left: that would lose the committed data.
 */
function settle(topicId: string, partition: PartitionRecord, replicas: number[], isr: readonly number[], state: ControllerState): PartitionChangeRecord | undefined {
  const kept = isr.filter((id) => replicas.includes(id));
  if (kept.length === 0) return undefined;
  const leaderStays = kept.includes(partition.leader);
  const leader = leaderStays ? -2 : (replicas.find((id) => kept.includes(id) && isUsableBroker(state.image, id)) ?? -1);
  return { ...defaultPartitionChangeRecord(), topicId, partitionId: partition.partitionId, replicas, isr: kept, leader, addingReplicas: [], removingReplicas: [] };
}

const noIsrLeft = { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'None of the resulting replicas is in the ISR.' } as const;

/**
 * Completes a reassignment once every adding replica is in `isr` (the ISR an AlterPartition is about
 * to commit), as Kafka's controller does: the record that grows the ISR also drops the leaving
 * replicas. Undefined while some adding replica has not caught up, or no reassignment runs.
 */
export function completedReassignment(topicId: string, partition: PartitionRecord, isr: readonly number[], state: ControllerState): PartitionChangeRecord | undefined {
  if (partition.addingReplicas.length === 0 && partition.removingReplicas.length === 0) return undefined;
  if (!partition.addingReplicas.every((id) => isr.includes(id))) return undefined;
  return settle(topicId, partition, targetReplicas(partition), isr, state);
}

function reassignOne(state: ControllerState, topicId: string, partition: PartitionRecord, target: number[] | null): { errorCode: number; errorMessage: string | null; record?: PartitionChangeRecord } {
  const ongoing = partition.addingReplicas.length > 0 || partition.removingReplicas.length > 0;
  if (target === null) {
    if (!ongoing) return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: 'No reassignment is in progress for this partition.' };
    const record = settle(topicId, partition, originalReplicas(partition), partition.isr, state);
    return record === undefined ? noIsrLeft : { errorCode: ErrorCode.NONE, errorMessage: null, record };
  }
  if (target.length === 0 || new Set(target).size !== target.length) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The target replicas must be a non-empty list without duplicates.' };
  const unknown = target.filter((id) => !state.image.brokers.has(id));
  if (unknown.length > 0) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Brokers ${unknown.join(', ')} are not registered.` };
  // A new target replaces an ongoing reassignment: it starts from the replicas before it.
  const { replicas, adding, removing } = reassignmentReplicas(originalReplicas(partition), target);
  if (adding.length === 0) {
    const record = settle(topicId, partition, target, partition.isr, state);
    return record === undefined ? noIsrLeft : { errorCode: ErrorCode.NONE, errorMessage: null, record };
  }
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    record: { ...defaultPartitionChangeRecord(), topicId, partitionId: partition.partitionId, replicas, addingReplicas: adding, removingReplicas: removing, isr: partition.isr.filter((id) => replicas.includes(id)) },
  };
}

/**
 * AlterPartitionReassignments (KIP-455): new replicas are added first and the partition keeps
 * serving from its current leader; once they have all joined the ISR (the leader's AlterPartition),
 * the leaving replicas are dropped (see completedReassignment). A target without new replicas
 * completes at once; null replicas cancel an ongoing reassignment.
 */
export function alterPartitionReassignments(state: ControllerState, request: AlterPartitionReassignmentsRequest): ControllerResult<AlterPartitionReassignmentsResponse> {
  const records: MetadataRecord[] = [];
  const responses = request.topics.map((topic) => {
    const topicId = state.image.topicIdsByName.get(topic.name);
    const image = topicId === undefined ? undefined : state.image.topics.get(topicId);
    return {
      name: topic.name,
      partitions: topic.partitions.map((p): AlterPartitionReassignmentsResponseReassignablePartitionResponse => {
        const partition = image?.partitions.get(p.partitionIndex);
        if (partition === undefined) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No partition ${topic.name}-${p.partitionIndex}` };
        const { errorCode, errorMessage, record } = reassignOne(state, topicId!, partition, p.replicas === null ? null : [...p.replicas]);
        if (record !== undefined) records.push({ type: MetadataRecordType.PartitionChangeRecord, value: record });
        return { partitionIndex: p.partitionIndex, errorCode, errorMessage };
      }),
    };
  });
  return { records, response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses } };
}

/** ListPartitionReassignments: the ongoing ones, of the partitions asked (null: all). */
export function listPartitionReassignments(state: ControllerState, request: ListPartitionReassignmentsRequest): ControllerResult<ListPartitionReassignmentsResponse> {
  const wanted =
    request.topics ??
    [...state.image.topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => ({ name: t.name, partitionIndexes: [...t.partitions.keys()].sort((a, b) => a - b) }));
  const topics = wanted
    .map((t) => {
      const partitions = state.image.topics.get(state.image.topicIdsByName.get(t.name) ?? '')?.partitions;
      const ongoing: ListPartitionReassignmentsResponseOngoingPartitionReassignment[] = [];
      for (const index of t.partitionIndexes) {
        const p = partitions?.get(index);
        if (p === undefined || (p.addingReplicas.length === 0 && p.removingReplicas.length === 0)) continue;
        ongoing.push({ partitionIndex: index, replicas: [...p.replicas], addingReplicas: [...p.addingReplicas], removingReplicas: [...p.removingReplicas] });
      }
      return { name: t.name, partitions: ongoing };
    })
    .filter((t) => t.partitions.length > 0);
  return { records: [], response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics } };
}
