import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import { defaultPartitionChangeRecord } from '../../protocol/generated/metadata/partition-change-record.js';
import type { PartitionRecord } from '../../protocol/generated/metadata/partition-record.js';
import type { ElectLeadersRequest, ElectLeadersResponse, ElectLeadersResponsePartitionResult } from '../../protocol/generated/messages/elect-leaders.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';
import type { ControllerResult, ControllerState } from './controller-state.js';
import { isUsableBroker, leaderAndIsrChange } from './partition-leader-election.js';

/** ElectLeaders' ElectionType. */
export const ElectionType = { preferred: 0, unclean: 1 } as const;

/** The preferred leader's takeover: it must be usable and in the ISR (a clean election). */
function preferredLeaderRecord(topicId: string, partition: PartitionRecord): MetadataRecord {
  return { type: MetadataRecordType.PartitionChangeRecord, value: { ...defaultPartitionChangeRecord(), topicId, partitionId: partition.partitionId, leader: partition.replicas[0]! } };
}

function electOne(state: ControllerState, topicId: string, partition: PartitionRecord, electionType: number): { errorCode: number; record?: MetadataRecord } {
  const usable = (id: number): boolean => isUsableBroker(state.image, id);
  if (electionType === ElectionType.preferred) {
    const preferred = partition.replicas[0]!;
    if (partition.leader === preferred) return { errorCode: ErrorCode.ELECTION_NOT_NEEDED };
    if (!usable(preferred) || !partition.isr.includes(preferred)) return { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE };
    return { errorCode: ErrorCode.NONE, record: preferredLeaderRecord(topicId, partition) };
  }
  // Unclean: only a partition without a usable leader, and then any usable replica may lead.
  if (partition.leader !== -1 && usable(partition.leader)) return { errorCode: ErrorCode.ELECTION_NOT_NEEDED };
  const record = leaderAndIsrChange(topicId, partition, usable, true);
  if (record === undefined || record.type !== MetadataRecordType.PartitionChangeRecord || record.value.leader === -1 || record.value.leader === -2) {
    return { errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE };
  }
  return { errorCode: ErrorCode.NONE, record };
}

/**
 * ElectLeaders (KIP-460): preferred (the first replica takes over when it is usable and in the ISR)
 * or unclean (a leaderless partition takes any usable replica, whatever the topic's
 * `unclean.leader.election.enable`). Null topicPartitions means every partition, and then, as in
 * Kafka, partitions that need no election are left out of the answer.
 */
export function electLeadersRequest(state: ControllerState, request: ElectLeadersRequest): ControllerResult<ElectLeadersResponse> {
  if (request.electionType !== ElectionType.preferred && request.electionType !== ElectionType.unclean) {
    return { records: [], response: { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] } };
  }
  const all = request.topicPartitions === null;
  const wanted = all
    ? [...state.image.topics.values()].map((t) => ({ topic: t.name, partitions: [...t.partitions.keys()].sort((a, b) => a - b) }))
    : request.topicPartitions!;
  const records: MetadataRecord[] = [];
  const replicaElectionResults = wanted
    .map(({ topic, partitions }) => {
      const topicId = state.image.topicIdsByName.get(topic);
      const image = topicId === undefined ? undefined : state.image.topics.get(topicId);
      const partitionResult: ElectLeadersResponsePartitionResult[] = [];
      for (const partitionId of partitions) {
        const partition = image?.partitions.get(partitionId);
        if (partition === undefined) {
          partitionResult.push({ partitionId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No partition ${topic}-${partitionId}` });
          continue;
        }
        const { errorCode, record } = electOne(state, topicId!, partition, request.electionType);
        if (record !== undefined) records.push(record);
        if (all && errorCode === ErrorCode.ELECTION_NOT_NEEDED) continue;
        partitionResult.push({ partitionId, errorCode, errorMessage: errorCode === ErrorCode.NONE ? null : electionErrorMessage(errorCode) });
      }
      return { topic, partitionResult };
    })
    .filter((result) => result.partitionResult.length > 0);
  return { records, response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults } };
}

function electionErrorMessage(errorCode: number): string {
  switch (errorCode) {
    case ErrorCode.ELECTION_NOT_NEEDED:
      return 'Leader election not needed for topic partition.';
    case ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE:
      return 'Failed to elect leader for partition: the preferred replica is not live or not in the ISR.';
    default:
      return 'Failed to elect leader for partition: no live replica.';
  }
}

/**
 * `auto.leader.rebalance.enable`: for each broker, the partitions it prefers (first replica) but
 * does not lead; when they exceed `leader.imbalance.per.broker.percentage` of what it prefers, those
 * whose preferred replica is usable and in the ISR move back to it (Kafka's imbalance check).
 */
export function rebalancePreferredLeaders(state: ControllerState, imbalancePercentage: number): MetadataRecord[] {
  const preferredCount = new Map<number, number>();
  const notLed = new Map<number, { topicId: string; partition: PartitionRecord }[]>();
  for (const topic of [...state.image.topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const partition of [...topic.partitions.values()].sort((a, b) => a.partitionId - b.partitionId)) {
      const preferred = partition.replicas[0];
      if (preferred === undefined) continue;
      preferredCount.set(preferred, (preferredCount.get(preferred) ?? 0) + 1);
      if (partition.leader !== preferred) notLed.set(preferred, [...(notLed.get(preferred) ?? []), { topicId: topic.topicId, partition }]);
    }
  }
  const records: MetadataRecord[] = [];
  for (const [brokerId, partitions] of [...notLed].sort((a, b) => a[0] - b[0])) {
    if ((partitions.length * 100) / preferredCount.get(brokerId)! <= imbalancePercentage) continue;
    for (const { topicId, partition } of partitions) {
      if (isUsableBroker(state.image, brokerId) && partition.isr.includes(brokerId)) records.push(preferredLeaderRecord(topicId, partition));
    }
  }
  return records;
}
