/**
 * The group coordinators of this node: one actor per __consumer_offsets
 * partition this node leads, started when the metadata image makes this node
 * its leader and stopped when it no longer is (Kafka's onElection /
 * onResignation). Handlers route each group to its partition's actor; writes
 * wait for the reply the actor delivers once its records are committed.
 */
import type { ActorFactory } from '../../core/actors/actor.js';
import type { Reply, RequestRef } from '../../core/group/group-api.js';
import type { GroupCoordinatorConfig } from '../../core/group/group-coordinator.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { MetadataImage, TopicImage } from '../../core/raft/metadata/metadata-image.js';
import type { Runtime } from '../../core/actors/runtime.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { CoordinatorPartitions, internalTopic } from '../coordinator/coordinator-partitions.js';
import { CoordinatorUnavailableError } from '../coordinator/coordinator-unavailable-error.js';
import type { Logger } from '../logger.js';
import type { ConsumerOffsetsLog } from './consumer-offsets-log.js';
import {
  groupCoordinatorActor,
  type CoordinatorMessage,
  type CoordinatorOutbox,
  type CoordinatorRead,
  type CoordinatorReadResult,
  type CoordinatorWrite,
} from './group-coordinator-actor.js';

export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';

/** __consumer_offsets in the image (topics are keyed by id there). */
export function offsetsTopic(image: MetadataImage): TopicImage | undefined {
  return internalTopic(image, CONSUMER_OFFSETS_TOPIC);
}

export { CoordinatorUnavailableError };

/** The group.* and offsets.* settings of server.properties, as the state machine wants them. */
function groupCoordinatorConfig(config: BrokerConfig, offsetsTopicNumPartitions: number): Omit<GroupCoordinatorConfig, 'partition' | 'memberIdSuffix'> {
  const v = config.values;
  return {
    offsetsTopicNumPartitions,
    groupMinSessionTimeoutMs: v['group.min.session.timeout.ms'],
    groupMaxSessionTimeoutMs: v['group.max.session.timeout.ms'],
    groupInitialRebalanceDelayMs: v['group.initial.rebalance.delay.ms'],
    groupMaxSize: v['group.max.size'],
    groupNewMemberJoinTimeoutMs: 300_000,
    offsetMetadataMaxBytes: v['offset.metadata.max.bytes'],
    offsetsRetentionMs: v['offsets.retention.minutes'] * 60_000,
    offsetsRetentionCheckIntervalMs: v['offsets.retention.check.interval.ms'],
  };
}

export interface GroupCoordinatorServiceOptions {
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  readonly offsetsLog: ConsumerOffsetsLog;
  readonly runtime: Runtime;
  readonly logger: Logger;
}

interface Pending {
  readonly partition: number;
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: Error) => void;
}

export class GroupCoordinatorService extends CoordinatorPartitions implements CoordinatorOutbox {
  private readonly pending = new Map<RequestRef, Pending>();
  private nextRef = 1;

  constructor(private readonly options: GroupCoordinatorServiceOptions) {
    const { config, metadata, runtime, logger } = options;
    super({
      topic: CONSUMER_OFFSETS_TOPIC,
      configuredPartitions: config.values['offsets.topic.num.partitions'],
      replicationFactor: config.values['offsets.topic.replication.factor'],
      topicConfigs: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'compression.type', value: 'producer' },
        { name: 'segment.bytes', value: String(config.values['offsets.topic.segment.bytes']) },
      ],
      actorPrefix: 'group-coordinator',
      label: 'Group coordinator',
      config,
      metadata,
      runtime,
      logger,
    });
  }

  /**
   * Creates __consumer_offsets on first use (FindCoordinator), compacted, with
   * offsets.topic.num.partitions partitions; resolves once it is in the image.
   */
  ensureOffsetsTopic(): Promise<void> {
    return this.ensureTopic();
  }

  protected actorFactory(): ActorFactory {
    const { config, offsetsLog, logger } = this.options;
    return groupCoordinatorActor({
      config: groupCoordinatorConfig(config, this.numPartitions),
      offsetsCommitTimeoutMs: config.values['offsets.commit.timeout.ms'],
      log: offsetsLog,
      outbox: this,
      logger,
    });
  }

  protected override partitionStopped(partition: number): void {
    this.abandon(partition, ErrorCode.NOT_COORDINATOR);
  }

  /** Sends a writing request to the group's coordinator; resolves with its reply once its records are committed. */
  write(groupId: string, call: CoordinatorWrite): Promise<Reply> {
    const partition = this.partitionFor(groupId);
    const actor = this.actor(partition);
    if (actor === undefined) return Promise.reject(this.notStarted(groupId, partition));
    const ref = this.nextRef++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(ref, { partition, resolve, reject });
      this.options.runtime.send(actor, { op: 'write', ref, call } satisfies CoordinatorMessage).catch((error: unknown) => {
        this.pending.delete(ref);
        reject(new CoordinatorUnavailableError(ErrorCode.NOT_COORDINATOR, `coordinator of partition ${partition}: ${String(error)}`));
      });
    });
  }

  /** Asks the coordinator of `partition` a read-only question. */
  async read<T extends CoordinatorReadResult>(partition: number, call: CoordinatorRead): Promise<T> {
    const actor = this.actor(partition);
    if (actor === undefined) throw this.notStarted(null, partition);
    try {
      return (await this.options.runtime.ask<T>(actor, { op: 'read', call } satisfies CoordinatorMessage)).body;
    } catch (error) {
      throw new CoordinatorUnavailableError(ErrorCode.NOT_COORDINATOR, `coordinator of partition ${partition}: ${String(error)}`);
    }
  }

  /** A transaction marker was written to `__consumer_offsets-<partition>`: its coordinator settles the producer's offsets. */
  transactionCompleted(partition: number, producerId: bigint, committed: boolean): void {
    const actor = this.actor(partition);
    if (actor !== undefined) this.options.runtime.tell(actor, { op: 'txnCompleted', producerId, committed } satisfies CoordinatorMessage);
  }

  deliver(_partition: number, reply: Reply): void {
    const pending = this.pending.get(reply.to);
    if (pending === undefined) return;
    this.pending.delete(reply.to);
    pending.resolve(reply);
  }

  abandon(partition: number, errorCode: number): void {
    for (const [ref, pending] of this.pending) {
      if (pending.partition !== partition) continue;
      this.pending.delete(ref);
      pending.reject(new CoordinatorUnavailableError(errorCode, `coordinator of partition ${partition} failed, restarted or moved`));
    }
  }

  /**
   * No coordinator runs here for `partition`. If the image already makes this
   * node its leader, the coordinator is about to start and load (actors start
   * one by one after the image arrives, e.g. right after __consumer_offsets
   * is created): COORDINATOR_LOAD_IN_PROGRESS, which clients retry here
   * quietly, as Kafka answers until a partition is loaded. Otherwise
   * NOT_COORDINATOR sends the client to find the coordinator again.
   */
  private notStarted(groupId: string | null, partition: number): CoordinatorUnavailableError {
    const what = groupId === null ? `partition ${partition}` : `group ${groupId} (partition ${partition})`;
    const nodeId = this.options.config.nodeId;
    if (this.leads(partition)) {
      return new CoordinatorUnavailableError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, `the coordinator of ${what} is starting on node ${nodeId}`);
    }
    return new CoordinatorUnavailableError(ErrorCode.NOT_COORDINATOR, `node ${nodeId} does not coordinate ${what}`);
  }
}
