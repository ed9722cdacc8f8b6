import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import { defaultPartitionChangeRecord } from '../../protocol/generated/metadata/partition-change-record.js';
import type { PartitionRecord } from '../../protocol/generated/metadata/partition-record.js';
import { ConfigResourceType, type MetadataImage } from '../metadata/metadata-image.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';
import type { ControllerState } from './controller-state.js';

export const LeaderRecoveryState = { recovered: 0, recovering: 1 } as const;

const noLeader = -1;

/**
 * The leader and ISR a partition should have when only `usable` brokers may serve: fenced brokers
 * leave the ISR (but the ISR never becomes empty: its last member stays, so it can lead again
 * cleanly); a leader that is no longer usable is replaced by the first usable ISR member in replica
 * order; outside the ISR only when unclean election is enabled (the ISR is then that leader alone,
 * and its log is marked recovering). Undefined when nothing changes.
 */
export function leaderAndIsrChange(topicId: string, partition: PartitionRecord, usable: (brokerId: number) => boolean, uncleanEnabled: boolean): MetadataRecord | undefined {
  const shrunk = partition.isr.filter(usable);
  let isr = shrunk.length > 0 ? shrunk : partition.isr;
  let leader = partition.leader;
  let leaderRecoveryState = -1;
  if (leader === noLeader || !usable(leader) || !isr.includes(leader)) {
    leader = partition.replicas.find((id) => isr.includes(id) && usable(id)) ?? noLeader;
    if (leader === noLeader && uncleanEnabled) {
      leader = partition.replicas.find(usable) ?? noLeader;
      if (leader !== noLeader) {
        isr = [leader];
        leaderRecoveryState = LeaderRecoveryState.recovering;
      }
    }
  }
  const leaderChanged = leader !== partition.leader;
  const isrChanged = isr.length !== partition.isr.length || isr.some((id, i) => partition.isr[i] !== id);
  if (!leaderChanged && !isrChanged) return undefined;
  return {
    type: MetadataRecordType.PartitionChangeRecord,
    value: {
      ...defaultPartitionChangeRecord(),
      topicId,
      partitionId: partition.partitionId,
      leader: leaderChanged ? leader : -2,
      isr: isrChanged ? isr : null,
      leaderRecoveryState,
    },
  };
}

/** Leader/ISR changes for every partition, given which brokers may serve. */
export function electLeaders(state: ControllerState, usable: (brokerId: number) => boolean): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const topic of [...state.image.topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const unclean = uncleanLeaderElectionEnabled(state, topic.name);
    for (const partition of [...topic.partitions.values()].sort((a, b) => a.partitionId - b.partitionId)) {
      const change = leaderAndIsrChange(topic.topicId, partition, usable, unclean);
      if (change !== undefined) records.push(change);
    }
  }
  return records;
}

function uncleanLeaderElectionEnabled(state: ControllerState, topicName: string): boolean {
  const value = state.image.configs.get(`${ConfigResourceType.topic}/${topicName}`)?.get('unclean.leader.election.enable');
  return value === undefined ? state.config.uncleanLeaderElectionEnable : value === 'true';
}

/** A broker may lead or be in the ISR when it is registered, unfenced and not shutting down. */
export function isUsableBroker(image: MetadataImage, brokerId: number): boolean {
  const broker = image.brokers.get(brokerId);
  return broker !== undefined && !broker.fenced && !broker.inControlledShutdown;
}
