/**
 * The lifecycle both coordinators (group, transaction) share: one actor per
 * partition of their internal topic that this node leads, started when the
 * metadata image makes this node its leader and stopped when it no longer is
 * (Kafka's onElection / onResignation), and the topic created on first use.
 */
import type { ActorFactory } from '../../core/actors/actor.js';
import type { Runtime } from '../../core/actors/runtime.js';
import { coordinatorPartitionFor } from '../../core/group/coordinator-partition.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { MetadataImage, TopicImage } from '../../core/raft/metadata/metadata-image.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { Logger } from '../logger.js';
import { CoordinatorUnavailableError } from './coordinator-unavailable-error.js';

/** An internal topic in the image (topics are keyed by id there). */
export function internalTopic(image: MetadataImage, name: string): TopicImage | undefined {
  const topicId = image.topicIdsByName.get(name);
  return topicId === undefined ? undefined : image.topics.get(topicId);
}

export interface CoordinatorPartitionsOptions {
  /** The internal topic, e.g. __consumer_offsets. */
  readonly topic: string;
  /** Its partition count as configured, used until the topic exists. */
  readonly configuredPartitions: number;
  readonly replicationFactor: number;
  /** The topic's configs when this node creates it. */
  readonly topicConfigs: ReadonlyArray<{ name: string; value: string }>;
  /** Actor names are `<actorPrefix>-<partition>`. */
  readonly actorPrefix: string;
  /** Names the coordinator in the log, e.g. 'Group coordinator'. */
  readonly label: string;
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  readonly runtime: Runtime;
  readonly logger: Logger;
}

/** The base of each coordinator service: it supplies its actors' factory. */
export abstract class CoordinatorPartitions {
  /** Partitions whose actor runs here, with the actor's name. */
  private readonly actors = new Map<number, string>();
  private creatingTopic: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Serialises actor starts and stops as images arrive. */
  private reconciling: Promise<void> = Promise.resolve();
  private partitionCount: number;

  constructor(private readonly coordination: CoordinatorPartitionsOptions) {
    this.partitionCount = coordination.configuredPartitions;
  }

  /** The factory of a partition's actor, built as it starts. */
  protected abstract actorFactory(): ActorFactory;

  /** After a partition's actor stopped (the group side fails the requests it still owed). */
  protected partitionStopped(_partition: number): void {}

  /** The topic's partition count: as the topic exists, else as configured. */
  get numPartitions(): number {
    return this.partitionCount;
  }

  start(): void {
    this.unsubscribe = this.coordination.metadata.onChange((image) => this.onImage(image));
    this.onImage(this.coordination.metadata.image());
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.reconciling;
    await Promise.all([...this.actors.keys()].map((partition) => this.stopPartition(partition)));
  }

  /** The topic in `image` (by default the current one). */
  private topicImage(image: MetadataImage = this.coordination.metadata.image()): TopicImage | undefined {
    return internalTopic(image, this.coordination.topic);
  }

  /** The partition coordinating `key` (group or transactional id). */
  partitionFor(key: string): number {
    return coordinatorPartitionFor(key, this.partitionCount);
  }

  /** The actor of `partition`, if it runs here. */
  protected actor(partition: number): string | undefined {
    return this.actors.get(partition);
  }

  /** Partitions whose coordinator runs on this node. */
  localPartitions(): number[] {
    return [...this.actors.keys()].sort((a, b) => a - b);
  }

  /** Partitions the metadata image makes this node lead: their coordinators run here, or are about to start. */
  ledPartitions(): number[] {
    const topic = this.topicImage();
    const led = topic === undefined ? [] : [...topic.partitions].filter(([, p]) => p.leader === this.coordination.config.nodeId).map(([partition]) => partition);
    return [...new Set([...led, ...this.actors.keys()])].sort((a, b) => a - b);
  }

  /** Whether the image makes this node the leader of `partition`. */
  protected leads(partition: number): boolean {
    return this.topicImage()?.partitions.get(partition)?.leader === this.coordination.config.nodeId;
  }

  /** Creates the topic on first use (FindCoordinator); resolves once it is in the image. */
  ensureTopic(): Promise<void> {
    if (this.topicImage() !== undefined) return Promise.resolve();
    this.creatingTopic ??= this.createTopic().finally(() => (this.creatingTopic = null));
    return this.creatingTopic;
  }

  private onImage(image: MetadataImage): void {
    this.reconciling = this.reconciling.then(() => this.reconcile(image)).catch((error: unknown) => {
      this.coordination.logger.error(`${this.coordination.label}: starting or stopping coordinators failed`, error);
    });
  }

  private async reconcile(image: MetadataImage): Promise<void> {
    const topic = this.topicImage(image);
    const led = new Set<number>();
    if (topic !== undefined) {
      this.partitionCount = topic.partitions.size;
      for (const [partition, record] of topic.partitions) if (record.leader === this.coordination.config.nodeId) led.add(partition);
    }
    for (const partition of [...this.actors.keys()]) if (!led.has(partition)) await this.stopPartition(partition);
    for (const partition of led) if (!this.actors.has(partition)) await this.startPartition(partition);
  }

  private async startPartition(partition: number): Promise<void> {
    const { runtime, actorPrefix } = this.coordination;
    const name = `${actorPrefix}-${partition}`;
    await runtime.spawn({ name, role: 'main', factory: this.actorFactory(), args: { partition }, restart: { maxRestarts: 10, withinMs: 60_000 } });
    this.actors.set(partition, name);
    runtime.tell(name, { op: 'load' });
  }

  private async stopPartition(partition: number): Promise<void> {
    const name = this.actors.get(partition);
    if (name === undefined) return;
    this.actors.delete(partition);
    await this.coordination.runtime.stopActor(name);
    this.partitionStopped(partition);
  }

  private async createTopic(): Promise<void> {
    const { topic, configuredPartitions, topicConfigs, metadata, logger } = this.coordination;
    const liveBrokers = [...metadata.image().brokers.values()].filter((b) => !b.fenced).length;
    const replicationFactor = Math.max(1, Math.min(this.coordination.replicationFactor, liveBrokers));
    const response = await metadata.createTopics({
      topics: [{ name: topic, numPartitions: configuredPartitions, replicationFactor, assignments: [], configs: [...topicConfigs] }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const result = response.topics[0];
    if (result !== undefined && result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      throw new CoordinatorUnavailableError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `creating ${topic} failed: error ${result.errorCode} ${result.errorMessage ?? ''}`);
    }
    logger.info(`Created ${topic} with ${configuredPartitions} partitions`);
  }
}
