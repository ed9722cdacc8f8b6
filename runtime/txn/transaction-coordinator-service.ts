/**
 * The transaction coordinators of this node: one actor per __transaction_state
 * partition this node leads, started and stopped as the metadata image moves
 * leadership (Kafka's onElection / onResignation). Handlers route each
 * transactional id to its partition's actor (`abs(javaHashCode) % partitions`).
 */
import type { ActorFactory } from '../../core/actors/actor.js';
import type { Runtime } from '../../core/actors/runtime.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { MetadataImage, TopicImage } from '../../core/raft/metadata/metadata-image.js';
import type { DescribedTransaction, ListTransactionsResponse } from '../../core/txn/transaction-api.js';
import type { TransactionCoordinatorConfig } from '../../core/txn/transaction-coordinator.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { CoordinatorPartitions, internalTopic } from '../coordinator/coordinator-partitions.js';
import { CoordinatorUnavailableError } from '../coordinator/coordinator-unavailable-error.js';
import type { ConsumerOffsetsLog } from '../group/consumer-offsets-log.js';
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
  return internalTopic(image, TRANSACTION_STATE_TOPIC);
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
  /** Called as each transaction begins (metrics). */
  readonly onTransactionStarted?: () => void;
  readonly runtime: Runtime;
  readonly logger: Logger;
}

/** A generous bound on one call: its append waits at most offsets.commit.timeout.ms. */
const CALL_TIMEOUT_MS = 60_000;

export class TransactionCoordinatorService extends CoordinatorPartitions {
  constructor(private readonly options: TransactionCoordinatorServiceOptions) {
    const { config, metadata, runtime, logger } = options;
    const v = config.values;
    super({
      topic: TRANSACTION_STATE_TOPIC,
      configuredPartitions: v['transaction.state.log.num.partitions'],
      replicationFactor: v['transaction.state.log.replication.factor'],
      topicConfigs: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'compression.type', value: 'uncompressed' },
        { name: 'min.insync.replicas', value: String(v['transaction.state.log.min.isr']) },
        { name: 'segment.bytes', value: String(v['transaction.state.log.segment.bytes']) },
        { name: 'unclean.leader.election.enable', value: 'false' },
      ],
      actorPrefix: 'transaction-coordinator',
      label: 'Transaction coordinator',
      config,
      metadata,
      runtime,
      logger,
    });
  }

  protected actorFactory(): ActorFactory {
    const { config, stateLog, markers, logger } = this.options;
    return transactionCoordinatorActor({
      config: transactionCoordinatorConfig(config),
      appendTimeoutMs: config.values['offsets.commit.timeout.ms'],
      log: stateLog,
      markers,
      coordinatorEpoch: (p) => this.leaderEpoch(p),
      onTransactionStarted: () => this.options.onTransactionStarted?.(),
      logger,
    });
  }

  /** Sends a call to the transactional id's coordinator; its response once its records are committed. */
  async call<Response>(transactionalId: string, call: TxnCall): Promise<Response> {
    const partition = this.partitionFor(transactionalId);
    const actor = this.actor(partition);
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
    const actor = this.actor(partition);
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

  private leaderEpoch(partition: number): number {
    return transactionStateTopic(this.options.metadata.image())?.partitions.get(partition)?.leaderEpoch ?? 0;
  }
}
