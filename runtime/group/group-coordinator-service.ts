/**
 * The group coordinators of this node: one actor per __consumer_offsets
 * partition this node leads, started when the metadata image makes this node
 * its leader and stopped when it no longer is (Kafka's onElection /
 * onResignation). Handlers route each group to its partition's actor; writes
 * wait for the reply the actor delivers once its records are committed.
 */
import type { Reply, RequestRef } from '../../core/group/group-api.js';
import type { GroupCoordinatorConfig } from '../../core/group/group-coordinator.js';
import { coordinatorPartitionFor } from '../../core/group/coordinator-partition.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { MetadataImage, TopicImage } from '../../core/raft/metadata/metadata-image.js';
import type { Runtime } from '../../core/actors/runtime.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
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
  const topicId = image.topicIdsByName.get(CONSUMER_OFFSETS_TOPIC);
  return topicId === undefined ? undefined : image.topics.get(topicId);
}

/** A group whose coordinator is not (or no longer) here: the client must find it again. */
export class CoordinatorUnavailableError extends Error {
  override readonly name = 'CoordinatorUnavailableError';
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

/** The group.* and offsets.* settings of server.properties, as the state machine wants them. */
export function groupCoordinatorConfig(config: BrokerConfig, offsetsTopicNumPartitions: number): Omit<GroupCoordinatorConfig, 'partition' | 'memberIdSuffix'> {
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

export class GroupCoordinatorService implements CoordinatorOutbox {
  private readonly pending = new Map<RequestRef, Pending>();
  /** Partitions whose actor runs here, with the actor's name. */
  private readonly actors = new Map<number, string>();
  private nextRef = 1;
  private creatingTopic: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Serialises actor starts and stops as images arrive. */
  private reconciling: Promise<void> = Promise.resolve();
  private numPartitions: number;

  constructor(private readonly options: GroupCoordinatorServiceOptions) {
    this.numPartitions = options.config.values['offsets.topic.num.partitions'];
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

  /** The partition of __consumer_offsets coordinating `groupId`, counted as the topic exists (else as configured). */
  partitionFor(groupId: string): number {
    return coordinatorPartitionFor(groupId, this.numPartitions);
  }

  /** Partitions whose coordinator runs on this node. */
  localPartitions(): number[] {
    return [...this.actors.keys()].sort((a, b) => a - b);
  }

  /** Partitions the metadata image makes this node lead: their coordinators run here, or are about to start. */
  ledPartitions(): number[] {
    const topic = offsetsTopic(this.options.metadata.image());
    const led = topic === undefined ? [] : [...topic.partitions].filter(([, p]) => p.leader === this.options.config.nodeId).map(([partition]) => partition);
    return [...new Set([...led, ...this.actors.keys()])].sort((a, b) => a - b);
  }

  /**
   * Creates __consumer_offsets on first use (FindCoordinator), compacted, with
   * offsets.topic.num.partitions partitions; resolves once it is in the image.
   */
  ensureOffsetsTopic(): Promise<void> {
    if (offsetsTopic(this.options.metadata.image()) !== undefined) return Promise.resolve();
    this.creatingTopic ??= this.createOffsetsTopic().finally(() => (this.creatingTopic = null));
    return this.creatingTopic;
  }

  /** Sends a writing request to the group's coordinator; resolves with its reply once its records are committed. */
  write(groupId: string, call: CoordinatorWrite): Promise<Reply> {
    const partition = this.partitionFor(groupId);
    const actor = this.actors.get(partition);
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
    const actor = this.actors.get(partition);
    if (actor === undefined) throw this.notStarted(null, partition);
    try {
      return (await this.options.runtime.ask<T>(actor, { op: 'read', call } satisfies CoordinatorMessage)).body;
    } catch (error) {
      throw new CoordinatorUnavailableError(ErrorCode.NOT_COORDINATOR, `coordinator of partition ${partition}: ${String(error)}`);
    }
  }

  /** A transaction marker was written to `__consumer_offsets-<partition>`: its coordinator settles the producer's offsets. */
  transactionCompleted(partition: number, producerId: bigint, committed: boolean): void {
    const actor = this.actors.get(partition);
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
    if (offsetsTopic(this.options.metadata.image())?.partitions.get(partition)?.leader === nodeId) {
      return new CoordinatorUnavailableError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, `the coordinator of ${what} is starting on node ${nodeId}`);
    }
    return new CoordinatorUnavailableError(ErrorCode.NOT_COORDINATOR, `node ${nodeId} does not coordinate ${what}`);
  }

  private onImage(image: MetadataImage): void {
    this.reconciling = this.reconciling.then(() => this.reconcile(image)).catch((error: unknown) => {
      this.options.logger.error('Group coordinator: starting or stopping coordinators failed', error);
    });
  }

  private async reconcile(image: MetadataImage): Promise<void> {
    const topic = offsetsTopic(image);
    const led = new Set<number>();
    if (topic !== undefined) {
      this.numPartitions = topic.partitions.size;
      for (const [partition, record] of topic.partitions) if (record.leader === this.options.config.nodeId) led.add(partition);
    }
    for (const partition of [...this.actors.keys()]) if (!led.has(partition)) await this.stopPartition(partition);
    for (const partition of led) if (!this.actors.has(partition)) await this.startPartition(partition);
  }

  private async startPartition(partition: number): Promise<void> {
    const { runtime, offsetsLog, logger, config } = this.options;
    const name = `group-coordinator-${partition}`;
    await runtime.spawn({
      name,
      role: 'main',
      factory: groupCoordinatorActor({
        config: groupCoordinatorConfig(config, this.numPartitions),
        offsetsCommitTimeoutMs: config.values['offsets.commit.timeout.ms'],
        log: offsetsLog,
        outbox: this,
        logger,
      }),
      args: { partition },
      restart: { maxRestarts: 10, withinMs: 60_000 },
    });
    this.actors.set(partition, name);
    runtime.tell(name, { op: 'load' } satisfies CoordinatorMessage);
  }

  private async stopPartition(partition: number): Promise<void> {
    const name = this.actors.get(partition);
    if (name === undefined) return;
    this.actors.delete(partition);
    await this.options.runtime.stopActor(name);
    this.abandon(partition, ErrorCode.NOT_COORDINATOR);
  }

  private async createOffsetsTopic(): Promise<void> {
    const { config, metadata, logger } = this.options;
    const liveBrokers = [...metadata.image().brokers.values()].filter((b) => !b.fenced).length;
    const replicationFactor = Math.max(1, Math.min(config.values['offsets.topic.replication.factor'], liveBrokers));
    const response = await metadata.createTopics({
      topics: [
        {
          name: CONSUMER_OFFSETS_TOPIC,
          numPartitions: config.values['offsets.topic.num.partitions'],
          replicationFactor,
          assignments: [],
          configs: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'compression.type', value: 'producer' },
            { name: 'segment.bytes', value: String(config.values['offsets.topic.segment.bytes']) },
          ],
        },
      ],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const result = response.topics[0];
    if (result !== undefined && result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      throw new CoordinatorUnavailableError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `creating ${CONSUMER_OFFSETS_TOPIC} failed: error ${result.errorCode} ${result.errorMessage ?? ''}`);
    }
    logger.info(`Created ${CONSUMER_OFFSETS_TOPIC} with ${config.values['offsets.topic.num.partitions']} partitions`);
  }
}
