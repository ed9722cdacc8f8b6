import type { Runtime } from '../../core/actors/runtime.js';
import type { BrokerConfig, Endpoint } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { createDeleteGroupsHandler } from '../handlers/delete-groups.js';
import { createDescribeGroupsHandler } from '../handlers/describe-groups.js';
import { createFindCoordinatorHandler, type CoordinatorTopic } from '../handlers/find-coordinator.js';
import { createHeartbeatHandler } from '../handlers/heartbeat.js';
import { createJoinGroupHandler } from '../handlers/join-group.js';
import { createLeaveGroupHandler } from '../handlers/leave-group.js';
import { createListGroupsHandler } from '../handlers/list-groups.js';
import { createOffsetCommitHandler } from '../handlers/offset-commit.js';
import { createOffsetDeleteHandler } from '../handlers/offset-delete.js';
import { createOffsetFetchHandler } from '../handlers/offset-fetch.js';
import { createSyncGroupHandler } from '../handlers/sync-group.js';
import { createTxnOffsetCommitHandler } from '../handlers/txn-offset-commit.js';
import type { ApiHandler } from '../handlers/registry.js';
import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { ConsumerOffsetsLog } from './consumer-offsets-log.js';
import { GroupCoordinatorService } from './group-coordinator-service.js';
import { registerGroupLagMetrics, type LeaderHighWatermark } from './group-lag-metrics.js';
import { registerGroupMetrics } from './group-metrics.js';

export interface GroupCoordinatorOptions {
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  /** `replicaOffsetsLog(replicaManager)` in the broker. */
  readonly offsetsLog: ConsumerOffsetsLog;
  readonly runtime: Runtime;
  readonly log: Logger;
  /** When given, group gauges are exported on /metrics. */
  readonly metrics?: BrokerMetrics;
  /** For the lag gauge: the high watermark of a partition this node leads. */
  readonly leaderHighWatermark?: LeaderHighWatermark;
}

export interface GroupCoordinator {
  readonly service: GroupCoordinatorService;
  /** The group APIs, for the broker listeners' registry. */
  readonly handlers: readonly ApiHandler[];
  /** Where FindCoordinator sends clients when the image does not list this node yet: the broker's bound advertised listeners. */
  useAdvertisedListeners(listeners: () => readonly Endpoint[]): void;
  /** FindCoordinator answers transaction keys from these (the transaction coordinators start after the groups). */
  useTransactionCoordinators(topic: CoordinatorTopic): void;
  stop(): Promise<void>;
}

/** Starts the group coordinators this node leads (following the image) and returns the group API handlers. */
export function startGroupCoordinator(options: GroupCoordinatorOptions): GroupCoordinator {
  const service = new GroupCoordinatorService({ ...options, logger: options.log });
  service.start();
  if (options.metrics !== undefined) {
    registerGroupMetrics(options.metrics, service);
    if (options.leaderHighWatermark !== undefined) registerGroupLagMetrics(options.metrics, service, options.leaderHighWatermark);
  }
  let advertised = (): readonly Endpoint[] => options.config.advertisedListeners;
  let transactionTopic: CoordinatorTopic | null = null;
  const handlers: ApiHandler[] = [
    createFindCoordinatorHandler(service, options.metadata, () => advertised(), () => transactionTopic),
    createJoinGroupHandler(service),
    createSyncGroupHandler(service),
    createHeartbeatHandler(service),
    createLeaveGroupHandler(service),
    createOffsetCommitHandler(service, options.metadata),
    createOffsetFetchHandler(service),
    createListGroupsHandler(service),
    createDescribeGroupsHandler(service),
    createDeleteGroupsHandler(service),
    createTxnOffsetCommitHandler(service),
    createOffsetDeleteHandler(service),
  ] as ApiHandler[];
  return {
    service,
    handlers,
    useAdvertisedListeners: (listeners) => void (advertised = listeners),
    useTransactionCoordinators: (topic) => void (transactionTopic = topic),
    stop: () => service.stop(),
  };
}
