import type { PartitionLeadership } from '../../core/partition/partition-leader.js';
import type { PartitionRecord } from '../../core/protocol/generated/metadata/partition-record.js';
import type { PartitionState } from './partition-messages.js';

/** A partition this broker holds a replica of (leader or follower), as seen from the main thread. */
export interface LocalPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly actor: string;
  readonly logDir: string;
  /** Settles once the actor has opened (and recovered) the log, or failed to (then `opened` stays false). */
  ready: Promise<void>;
  /** False until the actor runs; while its log cannot be opened, `state.offline` says why and opening is retried. */
  opened: boolean;
  /** Refreshed from every actor reply. */
  state: PartitionState;
  leaderEpoch: number;
  /** The leader's broker id: this broker's own, or the one its replica fetches from. */
  leaderId: number;
  partitionEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  /** The topic configs the actor was last given, to notice changes. */
  configsKey: string;
  /** Batch bytes appended since open: how a waiting fetch measures what arrived (fetch.min.bytes). */
  appendedBytes: number;
  /** As leader: each follower's log end offset from its last fetch, with the leader epoch it fetched in (for the follower lag gauge). */
  readonly followerLogEndOffsets: Map<number, { readonly leaderEpoch: number; readonly logEndOffset: number }>;
}

export type PartitionLookup =
  | { readonly errorCode: number; readonly partition?: undefined }
  | { readonly errorCode: 0; readonly partition: LocalPartition };

/** The key partitions, purgatories and checkpoints use: `topic-partition`. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export function leadershipOf(record: PartitionRecord): PartitionLeadership {
  return { leaderEpoch: record.leaderEpoch, replicas: [...record.replicas], isr: [...record.isr], leaderId: record.leader, partitionEpoch: record.partitionEpoch };
}
