import type { MetadataImage } from '../metadata/metadata-image.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';
import type { PartitionLimits } from './partition-limits.js';

/** Kafka's defaults for the settings the controller reads. */
export interface ControllerConfig {
  readonly clusterId: string;
  /** `broker.session.timeout.ms`: a broker silent this long is fenced. */
  readonly brokerSessionTimeoutMs: number;
  /** `num.partitions` and `default.replication.factor`, used when CreateTopics sends -1. */
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  /** `unclean.leader.election.enable`; a topic config of the same name overrides it. */
  readonly uncleanLeaderElectionEnable: boolean;
  /** `delete.topic.enable`: false answers every DeleteTopics with TOPIC_DELETION_DISABLED. */
  readonly deleteTopicEnable: boolean;
  /** Producer ids handed out per AllocateProducerIds (Kafka's block size). */
  readonly producerIdBlockSize: number;
  /** KIP-578 `max.partitions` and `max.broker.partitions` (POLICY_VIOLATION beyond them). */
  readonly partitionLimits: PartitionLimits;
  /** `auto.leader.rebalance.enable`, every `leader.imbalance.check.interval.seconds`, past `leader.imbalance.per.broker.percentage`. */
  readonly autoLeaderRebalanceEnable: boolean;
  readonly leaderImbalanceCheckIntervalMs: number;
  readonly leaderImbalancePerBrokerPercentage: number;
}

export const defaultControllerConfig = {
  brokerSessionTimeoutMs: 9000,
  numPartitions: 1,
  defaultReplicationFactor: 1,
  uncleanLeaderElectionEnable: false,
  deleteTopicEnable: true,
  producerIdBlockSize: 1000,
  partitionLimits: { maxPartitions: 2147483647, maxBrokerPartitions: 2147483647 },
  autoLeaderRebalanceEnable: true,
  leaderImbalanceCheckIntervalMs: 300_000,
  leaderImbalancePerBrokerPercentage: 10,
} as const;

/**
 * What the active controller works from: the committed image (changed only by replaying records)
 * and soft state that is not in the log (when each broker last sent a heartbeat), rebuilt by a new
 * controller from the heartbeats it receives.
 */
export interface ControllerState {
  readonly config: ControllerConfig;
  readonly image: MetadataImage;
  readonly lastHeartbeatMs: Map<number, number>;
}

/** The inputs a handler may not read itself: the clock, where its records will land, new ids. */
export interface ControllerContext {
  readonly nowMs: number;
  /** Offset the first record will get in `__cluster_metadata`: Kafka uses it as the broker epoch. */
  readonly nextOffset: number;
  readonly newTopicId: () => string;
}

/** Kafka's coordinator shape: records to append through Raft, and the response to send once they commit. */
export interface ControllerResult<Response> {
  readonly records: MetadataRecord[];
  readonly response: Response;
}
