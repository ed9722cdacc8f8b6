import type { Runtime } from '../../core/actors/runtime.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { replicaOffsetsLog, type PartitionReplicas } from '../group/replica-offsets-log.js';
import type { CoordinatorTopic } from '../coordinator/coordinator-topic.js';
import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import { BrokerChannels } from './broker-channels.js';
import { TRANSACTION_STATE_TOPIC, type TxnMarkerWriter } from './transaction-coordinator-actor.js';
import { registerLastStableOffsetLag, registerTransactionMetrics } from './transaction-metrics.js';
import { TransactionCoordinatorService, transactionStateTopic } from './transaction-coordinator-service.js';
import { replicaMarkerWriter, type MarkerReplicas } from './txn-marker-writer.js';

export interface TransactionCoordinatorOptions {
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  readonly replicas: Omit<PartitionReplicas, 'localPartitions'> & MarkerReplicas & Pick<ReplicaManager, 'onTxnMarker' | 'localPartitions'>;
  readonly runtime: Runtime;
  readonly log: Logger;
  /** When given, transaction metrics are exported on /metrics. */
  readonly metrics?: BrokerMetrics;
}

export interface TransactionCoordinators {
  readonly service: TransactionCoordinatorService;
  /** For FindCoordinator's transaction keys. */
  readonly topic: CoordinatorTopic;
  /** Requests to other brokers (markers, and the produce path's verification). */
  readonly brokers: BrokerChannels;
  stop(): Promise<void>;
}

/** Starts the transaction coordinators this node leads (following the image); their APIs are in runtime/handlers/api-handler-table.ts. */
export function startTransactionCoordinator(options: TransactionCoordinatorOptions): TransactionCoordinators {
  const { config, metadata, replicas, runtime, log } = options;
  const writeTimeoutMs = config.values['offsets.commit.timeout.ms'];
  const brokers = new BrokerChannels({ nodeId: config.nodeId, metadata, listenerName: config.interBrokerListenerName });
  const writer = replicaMarkerWriter({ replicas, brokers, timeoutMs: writeTimeoutMs, logger: log });
  let counters: ReturnType<typeof registerTransactionMetrics> | null = null;
  const markers: TxnMarkerWriter = {
    write: async (marker, coordinatorEpoch, stopped) => {
      await writer.write(marker, coordinatorEpoch, stopped);
      if (!stopped()) counters?.transactionEnded(marker.committed);
    },
  };
  const onTransactionStarted = (): void => counters?.transactionStarted();
  const service = new TransactionCoordinatorService({ config, metadata, stateLog: replicaOffsetsLog(replicas, TRANSACTION_STATE_TOPIC), markers, onTransactionStarted, runtime, logger: log });
  service.start();
  if (options.metrics !== undefined) {
    counters = registerTransactionMetrics(options.metrics, service);
    const { markerWritten } = counters;
    replicas.onTxnMarker((_topic, _partition, marker) => markerWritten(marker.committed));
    registerLastStableOffsetLag(options.metrics, () => replicas.localPartitions());
  }
  return {
    service,
    topic: { name: TRANSACTION_STATE_TOPIC, ensureTopic: () => service.ensureTopic(), topic: transactionStateTopic },
    brokers,
    stop: async () => {
      await service.stop();
      brokers.close();
    },
  };
}
