/**
 * The transaction coordinators of this node: one actor per __transaction_state
 * partition this node leads, started and stopped as the metadata image moves
 * leadership (Kafka's onElection / onResignation). Handlers route each
 * transactional id to its partition's actor (`abs(javaHashCode) % partitions`).
 */
import type { Runtime } from '../../core/actors/runtime.js';
import { coordinatorPartitionFor } from '../../core/group/coordinator-partition.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { MetadataImage, TopicImage } from '../../core/raft/metadata/metadata-image.js';
import type { DescribedTransaction, ListTransactionsResponse } from '../../core/txn/transaction-api.js';
import type { TransactionCoordinatorConfig } from '../../core/txn/transaction-coordinator.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { ConsumerOffsetsLog } from '../group/consumer-offsets-log.js';
import { CoordinatorUnavailableError } from '../group/group-coordinator-service.js';
import type { Logger } from '../logger.js';
import {
  TRANSACTION_STATE_TOPIC,
  transactionCoordinatorActor,
  type TxnCall,
  type TxnCallResult,
  type TxnMarkerWriter,
  type TxnMessage,
  type TxnRead,
} from './transaction-coordinator-actor.js';

export function transactionStateTopic(image: MetadataImage): TopicImage | undefined {
  const topicId = image.topicIdsByName.get(TRANSACTION_STATE_TOPIC);
  return topicId === undefined ? undefined : image.topics.get(topicId);
}

/** The transaction.* settings of server.properties, as the state machine wants them. */
export function transactionCoordinatorConfig(config: BrokerConfig): TransactionCoordinatorConfig {
  const v = config.values;
  return {
    transactionMaxTimeoutMs: v['transaction.max.timeout.ms'],
    transactionalIdExpirationMs: v['transactional.id.expiration.ms'],
    abortTimedOutTransactionsIntervalMs: v['transaction.abort.timed.out.transaction.cleanup.interval.ms'],
    removeExpiredTransactionalIdsIntervalMs: v['transaction.remove.expired.transaction.cleanup.interval.ms'],
  };
}

export interface TransactionCoordinatorServiceOptions {
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  readonly stateLog: ConsumerOffsetsLog;
  readonly markers: TxnMarkerWriter;
  readonly runtime: Runtime;
  readonly logger: Logger;
}

/** A generous bound on one call: its append waits at most offsets.commit.timeout.ms. */
const CALL_TIMEOUT_MS = 60_000;

export class TransactionCoordinatorService {
  private readonly actors = new Map<number, string>();
  private creatingTopic: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private reconciling: Promise<void> = Promise.resolve();
  private numPartitions: number;

  constructor(private readonly options: TransactionCoordinatorServiceOptions) {
    this.numPartitions = options.config.values['transaction.state.log.num.partitions'];
  }

  start(): void {
    this.unsubscribe = this.options.metadata.onChange((image) => this.onImage(image));
    this.onImage(this.options.metadata.image());
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.reconciling;
    await Promise.all([...this.actors.keys()].map((partition) => this.stopPartition(partition)));
  }

  partitionFor(transactionalId: string): number {
    return coordinatorPartitionFor(transactionalId, this.numPartitions);
  }

  localPartitions(): number[] {
    return [...this.actors.keys()].sort((a, b) => a - b);
  }

  /** Creates __transaction_state on first use (FindCoordinator), compacted; resolves once it is in the image. */
  ensureTopic(): Promise<void> {
    if (transactionStateTopic(this.options.metadata.image()) !== undefined) return Promise.resolve();
    this.creatingTopic ??= this.createTopic().finally(() => (this.creatingTopic = null));
    return this.creatingTopic;
  }

  /** Sends a call to the transactional id's coordinator; its response once its records are committed. */
  async call<Response>(transactionalId: string, call: TxnCall): Promise<Response> {
    const partition = this.partitionFor(transactionalId);
    const actor = this.actors.get(partition);
    if (actor === undefined) throw this.notCoordinator(partition);
    let result: TxnCallResult;
    try {
      result = (await this.options.runtime.ask<TxnCallResult>(actor, { op: 'call', call } satisfies TxnMessage, { timeoutMs: CALL_TIMEOUT_MS })).body;
    } catch (error) {
      throw new CoordinatorUnavailableError(ErrorCode.NOT_COORDINATOR, `transaction coordinator of partition ${partition}: ${String(error)}`);
    }
    if ('failed' in result) throw new CoordinatorUnavailableError(result.failed, `transaction coordinator of partition ${partition} could not write`);
    return result.response as Response;
  }

  async read<T extends DescribedTransaction[] | ListTransactionsResponse>(partition: number, read: TxnRead): Promise<T> {
    const actor = this.actors.get(partition);
    if (actor === undefined) throw this.notCoordinator(partition);
    try {
      return (await this.options.runtime.ask<T>(actor, { op: 'read', read } satisfies TxnMessage, { timeoutMs: CALL_TIMEOUT_MS })).body;
    } catch (error) {
      throw new CoordinatorUnavailableError(ErrorCode.NOT_COORDINATOR, `transaction coordinator of partition ${partition}: ${String(error)}`);
    }
  }

  private notCoordinator(partition: number): CoordinatorUnavailableError {
    return new CoordinatorUnavailableError(ErrorCode.NOT_COORDINATOR, `node ${this.options.config.nodeId} does not coordinate ${TRANSACTION_STATE_TOPIC}-${partition}`);
  }

  private onImage(image: MetadataImage): void {
    this.reconciling = this.reconciling.then(() => this.reconcile(image)).catch((error: unknown) => {
      this.options.logger.error('Transaction coordinator: starting or stopping coordinators failed', error);
    });
  }

  private async reconcile(image: MetadataImage): Promise<void> {
    const topic = transactionStateTopic(image);
    const led = new Map<number, number>();
    if (topic !== undefined) {
      this.numPartitions = topic.partitions.size;
      for (const [partition, record] of topic.partitions) if (record.leader === this.options.config.nodeId) led.set(partition, record.leaderEpoch);
    }
    for (const partition of [...this.actors.keys()]) if (!led.has(partition)) await this.stopPartition(partition);
    for (const partition of led.keys()) if (!this.actors.has(partition)) await this.startPartition(partition);
  }

  private leaderEpoch(partition: number): number {
    return transactionStateTopic(this.options.metadata.image())?.partitions.get(partition)?.leaderEpoch ?? 0;
  }

  private async startPartition(partition: number): Promise<void> {
    const { runtime, stateLog, markers, logger, config } = this.options;
    const name = `transaction-coordinator-${partition}`;
    await runtime.spawn({
      name,
      role: 'main',
      factory: transactionCoordinatorActor({
        config: transactionCoordinatorConfig(config),
        appendTimeoutMs: config.values['offsets.commit.timeout.ms'],
        log: stateLog,
        markers,
        coordinatorEpoch: (p) => this.leaderEpoch(p),
        logger,
      }),
      args: { partition },
      restart: { maxRestarts: 10, withinMs: 60_000 },
    });
    this.actors.set(partition, name);
    runtime.tell(name, { op: 'load' } satisfies TxnMessage);
  }

  private async stopPartition(partition: number): Promise<void> {
    const name = this.actors.get(partition);
    if (name === undefined) return;
    this.actors.delete(partition);
    await this.options.runtime.stopActor(name);
  }

  private async createTopic(): Promise<void> {
    const { config, metadata, logger } = this.options;
    const v = config.values;
    const liveBrokers = [...metadata.image().brokers.values()].filter((b) => !b.fenced).length;
    const replicationFactor = Math.max(1, Math.min(v['transaction.state.log.replication.factor'], liveBrokers));
    const response = await metadata.createTopics({
      topics: [
        {
          name: TRANSACTION_STATE_TOPIC,
          numPartitions: v['transaction.state.log.num.partitions'],
          replicationFactor,
          assignments: [],
          configs: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'compression.type', value: 'uncompressed' },
            { name: 'min.insync.replicas', value: String(v['transaction.state.log.min.isr']) },
            { name: 'segment.bytes', value: String(v['transaction.state.log.segment.bytes']) },
            { name: 'unclean.leader.election.enable', value: 'false' },
          ],
        },
      ],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const result = response.topics[0];
    if (result !== undefined && result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      throw new CoordinatorUnavailableError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `creating ${TRANSACTION_STATE_TOPIC} failed: error ${result.errorCode} ${result.errorMessage ?? ''}`);
    }
    logger.info(`Created ${TRANSACTION_STATE_TOPIC} with ${v['transaction.state.log.num.partitions']} partitions`);
  }
}
