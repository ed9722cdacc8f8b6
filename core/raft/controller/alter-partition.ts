import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import { defaultPartitionChangeRecord } from '../../protocol/generated/metadata/partition-change-record.js';
import {
  defaultAlterPartitionResponse,
  defaultAlterPartitionResponsePartitionData,
  type AlterPartitionRequest,
  type AlterPartitionRequestPartitionData,
  type AlterPartitionResponse,
  type AlterPartitionResponsePartitionData,
} from '../../protocol/generated/messages/alter-partition.js';
import { ZERO_UUID } from '../../protocol/reader.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';
import type { ControllerResult, ControllerState } from './controller-state.js';
import { isUsableBroker } from './partition-leader-election.js';
import { completedReassignment } from './partition-reassignment.js';

/**
 * AlterPartition: a partition leader asks to change its ISR. Refused unless the sender is the
 * registered broker epoch, the leader, at the current leader epoch and partition epoch, and every
 * new ISR member is an unfenced replica. On success the response carries the next partition epoch.
 */
export function alterPartition(state: ControllerState, request: AlterPartitionRequest): ControllerResult<AlterPartitionResponse> {
  const broker = state.image.brokers.get(request.brokerId);
  if (broker === undefined || (request.brokerEpoch !== -1n && broker.brokerEpoch !== request.brokerEpoch)) {
    return { records: [], response: { ...defaultAlterPartitionResponse(), errorCode: ErrorCode.STALE_BROKER_EPOCH } };
  }
  const records: MetadataRecord[] = [];
  const topics = request.topics.map((topicData) => {
    const topicId = topicData.topicId !== ZERO_UUID ? topicData.topicId : state.image.topicIdsByName.get(topicData.topicName);
    const topic = topicId === undefined ? undefined : state.image.topics.get(topicId);
    return {
      topicName: topicData.topicName,
      topicId: topicData.topicId,
      partitions: topicData.partitions.map((p): AlterPartitionResponsePartitionData => {
        const partition = topic?.partitions.get(p.partitionIndex);
        const base = { ...defaultAlterPartitionResponsePartitionData(), partitionIndex: p.partitionIndex };
        if (topic === undefined || partition === undefined) {
          return { ...base, errorCode: topicData.topicId !== ZERO_UUID ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        }
        const errorCode = refusal(state, request.brokerId, partition, p);
        const current = { leaderId: partition.leader, leaderEpoch: partition.leaderEpoch, isr: [...partition.isr], leaderRecoveryState: partition.leaderRecoveryState, partitionEpoch: partition.partitionEpoch };
        if (errorCode !== ErrorCode.NONE) return { ...base, ...current, errorCode };
        const newIsr = requestedIsr(p);
        // The ISR that takes in the last adding replica also ends the reassignment, in one record.
        const completion = completedReassignment(topic.topicId, partition, newIsr, state);
        if (completion !== undefined) {
          records.push({ type: MetadataRecordType.PartitionChangeRecord, value: completion });
          const leaderChanged = completion.leader !== -2;
          return { ...base, ...current, isr: completion.isr!, partitionEpoch: partition.partitionEpoch + 1, ...(leaderChanged ? { leaderId: completion.leader, leaderEpoch: partition.leaderEpoch + 1 } : {}) };
        }
        records.push({ type: MetadataRecordType.PartitionChangeRecord, value: { ...defaultPartitionChangeRecord(), topicId: topic.topicId, partitionId: p.partitionIndex, isr: newIsr } });
        return { ...base, ...current, isr: newIsr, partitionEpoch: partition.partitionEpoch + 1 };
      }),
    };
  });
  return { records, response: { ...defaultAlterPartitionResponse(), topics } };
}

function requestedIsr(p: AlterPartitionRequestPartitionData): number[] {
  return p.newIsrWithEpochs.length > 0 ? p.newIsrWithEpochs.map((b) => b.brokerId) : [...p.newIsr];
}

function refusal(
  state: ControllerState,
  brokerId: number,
  partition: { leader: number; leaderEpoch: number; partitionEpoch: number; replicas: number[] },
  p: AlterPartitionRequestPartitionData,
): number {
  if (partition.leader !== brokerId) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  if (p.leaderEpoch < partition.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
  if (p.leaderEpoch > partition.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
  if (p.partitionEpoch !== partition.partitionEpoch) return ErrorCode.INVALID_UPDATE_VERSION;
  const isr = requestedIsr(p);
  if (!isr.includes(brokerId) || new Set(isr).size !== isr.length) return ErrorCode.INVALID_REQUEST;
  for (const member of p.newIsrWithEpochs) {
    const registered = state.image.brokers.get(member.brokerId);
    if (member.brokerEpoch !== -1n && registered?.brokerEpoch !== member.brokerEpoch) return ErrorCode.INELIGIBLE_REPLICA;
  }
  if (isr.some((id) => !partition.replicas.includes(id) || !isUsableBroker(state.image, id))) return ErrorCode.INELIGIBLE_REPLICA;
  return ErrorCode.NONE;
}
