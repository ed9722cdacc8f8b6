import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';

const legalTopicName = /^[a-zA-Z0-9._-]{1,249}$/;

/** Kafka's Topic.validate: 1-249 of [a-zA-Z0-9._-], and not "." or "..". */
export function isValidTopicName(name: string): boolean {
  return legalTopicName.test(name) && name !== '.' && name !== '..';
}

/**
 * Creates topics on first use (Metadata with allow_auto_topic_creation, and
 * Produce) when auto.create.topics.enable is on, with num.partitions and
 * default.replication.factor, through the controller. Concurrent requests for
 * one name share one creation.
 */
export class AutoTopicCreator {
  private readonly pending = new Map<string, Promise<number>>();
  private readonly creations;

  constructor(
    private readonly config: BrokerConfig,
    private readonly metadata: ClusterMetadata,
    private readonly log: Logger,
    metrics: BrokerMetrics,
  ) {
    this.creations = metrics.counter({
      name: 'freshet_auto_topic_creations_total',
      help: 'Topics auto-created on first use (Metadata, Produce), and creations the controller refused (partition limits, policies).',
      labelNames: ['result'],
    });
  }

  get enabled(): boolean {
    return this.config.values['auto.create.topics.enable'];
  }

  /** Resolves with the creation's error code (NONE or TOPIC_ALREADY_EXISTS mean the topic is there now). */
  create(name: string): Promise<number> {
    if (!isValidTopicName(name)) return Promise.resolve(ErrorCode.INVALID_TOPIC_EXCEPTION);
    let creation = this.pending.get(name);
    if (creation === undefined) {
      creation = this.metadata
        .createTopics({
          topics: [
            {
              name,
              numPartitions: this.config.values['num.partitions'],
              replicationFactor: this.config.values['default.replication.factor'],
              assignments: [],
              configs: [],
            },
          ],
          timeoutMs: 30_000,
          validateOnly: false,
        })
        .then(
          (response) => {
            const code = response.topics[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
            if (code === ErrorCode.NONE) {
              this.creations.inc({ result: 'created' });
              this.log.info(`Auto-created topic ${name}`);
            } else if (code !== ErrorCode.TOPIC_ALREADY_EXISTS) {
              this.creations.inc({ result: 'refused' });
              this.log.warn(`Auto-creating topic ${name} was refused: ${response.topics[0]?.errorMessage ?? `error ${code}`}`);
            }
            return code;
          },
          (error: unknown) => {
            this.log.error(`Auto-creating topic ${name} failed`, error);
            return ErrorCode.LEADER_NOT_AVAILABLE;
          },
        )
        .finally(() => this.pending.delete(name));
      this.pending.set(name, creation);
    }
    return creation;
  }
}
