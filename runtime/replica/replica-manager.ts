import type { ActorMessage } from '../../core/actors/actor.js';
import type { LogFileSystem } from '../../core/log/log-file-system.js';
import { NodeFileSystem } from '../../core/log/node-file-system.js';
import type { ProducerDescription } from '../../core/partition/partition-leader.js';
import type { AppendOrigin } from '../../core/protocol/records/record-validator.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { DelayedOperationPurgatory } from '../purgatory/delayed-operation-purgatory.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { ReplyTo } from './partition-messages.js';
import type { ReplicationRequest } from './replication-messages.js';
import { IsrChangeManager } from './isr-change-manager.js';
import { ReplicaFetcherManager, type FollowedPartition } from './replica-fetcher-manager.js';
import { applyImageChanges } from './image-changes.js';
import { partitionKey, type LocalPartition, type PartitionLookup } from './local-partition.js';
import { LogDirCheckpoints } from './log-dir-checkpoints.js';
import { PartitionAppends, type AppendOutcome, type TxnMarkerWritten } from './partition-appends.js';
import { PartitionReads, type ReadOutcome } from './partition-reads.js';
import { PartitionRegistry, type PartitionActorHost } from './partition-registry.js';
import { nodeScheduler, type Scheduler } from './scheduler.js';
import { ReplicaMetrics } from './replica-metrics.js';
import { ReplicaPurgatories } from './replica-purgatories.js';

export type { LocalPartition, PartitionLookup } from './local-partition.js';
export type { AppendOutcome, TxnMarkerWritten } from './partition-appends.js';
export { leaderEpochError, type ReadOutcome } from './partition-reads.js';

/** Kafka's log.flush.offset.checkpoint.interval.ms default. */
const CHECKPOINT_INTERVAL_MS = 60_000;

export interface ReplicaManagerOptions {
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  readonly runtime: PartitionActorHost;
  readonly metrics: BrokerMetrics;
  readonly log: Logger;
  /** Segment files the io threads may hold open at once, together (see open-file-limit.ts). */
  readonly logOpenFiles?: number;
  /** Time and timers (purgatory deadlines, checkpoints, ISR checks, retries): Node's unless a test gives a virtual one. */
  readonly scheduler?: Scheduler;
  /** Where the checkpoint files are read and written: the disk unless a test gives a MemoryFileSystem. */
  readonly fs?: LogFileSystem;
}

/**
 * The partitions this broker holds a replica of: follows the metadata image
 * (becoming leader or follower, reconfiguring, deleting), and offers the data
 * path over them. The jobs live beside it: the image's changes
 * (image-changes.ts), the registry and the actors' lifecycle
 * (partition-registry.ts), appends (partition-appends.ts), reads
 * (partition-reads.ts), the purgatories (replica-purgatories.ts), the
 * checkpoints (log-dir-checkpoints.ts) and the metrics (replica-metrics.ts).
 */
export class ReplicaManager {
  readonly scheduler: Scheduler;
  private readonly purgatories: ReplicaPurgatories;
  readonly producePurgatory: DelayedOperationPurgatory<string>;
  readonly fetchPurgatory: DelayedOperationPurgatory<string>;
  private readonly checkpoints: LogDirCheckpoints;
  private readonly registry: PartitionRegistry;
  private readonly appends: PartitionAppends;
  private readonly reads: PartitionReads;
  private cancelCheckpoints: () => void;
  private readonly unsubscribe: () => void;
  private stopped = false;
  /** The ISR changes this broker's leaders send the controller (AlterPartition). */
  readonly isrChanges: IsrChangeManager;
  private readonly replicaFetchers: ReplicaFetcherManager;

  private constructor(private readonly options: ReplicaManagerOptions) {
    this.scheduler = options.scheduler ?? nodeScheduler;
    this.purgatories = new ReplicaPurgatories(this.scheduler);
    this.producePurgatory = this.purgatories.produce;
    this.fetchPurgatory = this.purgatories.fetch;
    this.checkpoints = new LogDirCheckpoints(options.config.logDirs, options.fs ?? new NodeFileSystem(), options.log);
    this.registry = new PartitionRegistry(options, this.checkpoints, this.purgatories, this.scheduler);
    const registry = this.registry;
    const metrics = new ReplicaMetrics(options.metrics, {
      partitions: () => registry.values(),
      get partitionCount() {
        return registry.size;
      },
      purgatories: [this.producePurgatory, this.fetchPurgatory],
      runtime: options.runtime,
    });
    this.appends = new PartitionAppends(registry, this.purgatories, metrics);
    this.reads = new PartitionReads(registry, metrics, () => this.writeCheckpoints());
    this.isrChanges = new IsrChangeManager(this, options, this.scheduler);
    this.replicaFetchers = new ReplicaFetcherManager(this, options, this.scheduler);
    this.cancelCheckpoints = this.scheduleCheckpoints();
    this.unsubscribe = options.metadata.onChange((image) => void this.applyImage(image));
  }

  private scheduleCheckpoints(): () => void {
    return this.scheduler.after(CHECKPOINT_INTERVAL_MS, () => {
      this.writeCheckpoints();
      if (!this.stopped) this.cancelCheckpoints = this.scheduleCheckpoints();
    });
  }

  /** Starts following the metadata image; resolves once the partitions it names are open. */
  static async start(options: ReplicaManagerOptions): Promise<ReplicaManager> {
    const manager = new ReplicaManager(options);
    await manager.applyImage(options.metadata.image());
    return manager;
  }

  get nodeId(): number {
    return this.options.config.nodeId;
  }

  /** Called after every successful append with the partition's key (`topic-partition`); the group coordinator can use it. */
  onAppend(listener: (key: string) => void): () => void {
    this.appends.appendListeners.add(listener);
    return () => this.appends.appendListeners.delete(listener);
  }

  /** Told of every transaction marker written and committed here (by a local coordinator or WriteTxnMarkers). */
  onTxnMarker(listener: (topic: string, partition: number, marker: TxnMarkerWritten) => void): () => void {
    this.appends.markerListeners.add(listener);
    return () => this.appends.markerListeners.delete(listener);
  }

  /** Opens partitions this broker now holds, updates changed ones (leader or follower), closes those it no longer holds and deletes those whose topic is gone. */
  applyImage(image: MetadataImage): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const steps = applyImageChanges(image, { config: this.options.config, registry: this.registry, checkpoints: this.checkpoints, purgatories: this.purgatories });
    this.replicaFetchers.update(this.followedPartitions());
    return Promise.all(steps).then(() => undefined);
  }

  /** The partitions this broker follows, with their leaders, for the replica fetchers. */
  private followedPartitions(): FollowedPartition[] {
    return this.registry
      .values()
      .filter((p) => p.leaderId !== this.nodeId && p.leaderId >= 0)
      .map((p) => ({ topic: p.topic, topicId: p.topicId, partition: p.partition, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch }));
  }

  // ---- lookups ----

  /** The partition if this broker leads it; else UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER as the image says. */
  lookup(topic: string, partition: number): PartitionLookup {
    return this.registry.lookup(topic, partition);
  }

  topicNameOf(topicId: string): string | undefined {
    return this.options.metadata.image().topics.get(topicId)?.name;
  }

  localPartitions(): readonly LocalPartition[] {
    return this.registry.values();
  }

  /** This broker's replica of the partition, leader or follower (replication's own asks). */
  localReplica(topic: string, partition: number): LocalPartition | undefined {
    return this.registry.get(partitionKey(topic, partition));
  }

  /**
   * Asks a partition's actor a replication message (see partition-replication.ts) and takes in the
   * state its reply carries; null when the partition went away meanwhile.
   */
  async askReplica<R extends ReplicationRequest>(local: LocalPartition, request: R, payload?: Buffer): Promise<ActorMessage<ReplyTo<R>> | null> {
    const answer = await this.registry.ask(local, request, payload);
    // An error code: the partition went away or its log is not open; replication retries later.
    if (typeof answer === 'number') return null;
    this.registry.updateState(local, answer.body.state);
    return answer;
  }

  /** Whether this node's replica of the partition is offline: a storage failure since the broker started (see partition-actor.ts). */
  isOffline(topic: string, partition: number): boolean {
    return (this.localReplica(topic, partition)?.state.offline ?? null) !== null;
  }

  // ---- data path ----

  /**
   * Appends one partition's produced batch. acks=0/1 resolve after the
   * leader's append; acks=-1 waits in the produce purgatory until the high
   * watermark passes the batch (or `timeoutMs`: REQUEST_TIMED_OUT).
   */
  append(topic: string, partition: number, records: Buffer, acks: number, timeoutMs: number, origin: AppendOrigin = 'client'): Promise<AppendOutcome> {
    return this.appends.append(topic, partition, records, acks, timeoutMs, origin);
  }

  /** WriteTxnMarkers: the control batch ending a producer's transaction here, committed (acks=-1) as Kafka writes it. */
  writeTxnMarker(topic: string, partition: number, marker: TxnMarkerWritten, timeoutMs: number): Promise<AppendOutcome> {
    return this.appends.writeTxnMarker(topic, partition, marker, timeoutMs);
  }

  /** Reads from one partition for a consumer (up to HW, or LSO under read_committed); with `rackId` (Fetch v11+) a follower serves too (KIP-392). */
  read(topic: string, partition: number, fetchOffset: bigint, maxBytes: number, isolationLevel: number, minOneMessage: boolean, currentLeaderEpoch = -1, rackId: string | null = null): Promise<ReadOutcome> {
    const rack = rackId === null ? null : { rackId, rackAware: this.options.config.values['replica.selector.class'] !== '', image: () => this.options.metadata.image() };
    return this.reads.read(topic, partition, fetchOffset, maxBytes, isolationLevel, minOneMessage, currentLeaderEpoch, rack);
  }

  listOffset(topic: string, partition: number, timestamp: bigint, isolationLevel: number): Promise<{ errorCode: number; offset: bigint; timestamp: bigint; leaderEpoch: number }> {
    return this.reads.listOffset(topic, partition, timestamp, isolationLevel);
  }

  /** DescribeProducers: the producers the partition's leader remembers. */
  describeProducers(topic: string, partition: number): Promise<{ errorCode: number; producers: ProducerDescription[] }> {
    return this.reads.describeProducers(topic, partition);
  }

  deleteRecords(topic: string, partition: number, offset: bigint): Promise<{ errorCode: number; lowWatermark: bigint }> {
    return this.reads.deleteRecords(topic, partition, offset);
  }

  /** Arms one timer for the earliest deadline over both purgatories. */
  armPurgatoryTimer(): void {
    this.purgatories.armTimer();
  }

  /** Kafka's recovery-point, log-start-offset and cleaner-offset checkpoints, from the offsets the actors last reported. */
  writeCheckpoints(): void {
    this.checkpoints.write(this.registry.values());
  }

  /** Answers every waiting request, refreshes the offsets and writes the checkpoints; the runtime then closes the logs. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.registry.stopOpening();
    this.unsubscribe();
    this.cancelCheckpoints();
    this.isrChanges.stop();
    await this.replicaFetchers.stop();
    this.purgatories.stop();
    await this.registry.whenSettled();
    // Flushed first, so the recovery points written are the log ends.
    await Promise.allSettled(this.registry.values().map((p) => this.registry.askState(p, { op: 'flush' })));
    this.writeCheckpoints();
  }

  /** Completes waiting fetches now (clean shutdown starts here so long polls do not hold it up). */
  completeDelayed(): void {
    this.purgatories.shutdown();
  }
}
