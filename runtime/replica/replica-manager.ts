import { existsSync, readdirSync } from 'node:fs';
import type { ActorMessage } from '../../core/actors/actor.js';
import type { Runtime } from '../../core/actors/runtime.js';
import { ThreadRole } from '../../core/actors/placement.js';
import { CLEANER_OFFSET_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, parsePartitionDir } from '../../core/log/log-manager.js';
import { OffsetCheckpointFile } from '../../core/log/checkpoint-file.js';
import { NodeFileSystem } from '../../core/log/node-file-system.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { batchViews } from '../../core/protocol/record-batch-header.js';
import type { AppendOrigin, RecordError } from '../../core/protocol/records/record-validator.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { ProducerDescription } from '../../core/partition/partition-leader.js';
import { ConfigResourceType } from '../../core/raft/metadata/metadata-image.js';
import { DelayedOperationPurgatory } from '../purgatory/delayed-operation-purgatory.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type {
  AppendReply,
  ProducersReply,
  DeleteRecordsReply,
  ListOffsetReply,
  PartitionActorArgs,
  PartitionRequest,
  PartitionState,
  ReadReply,
} from './partition-actor.js';
import { topicSettings } from './topic-config.js';
import type { PartitionLeadership } from '../../core/partition/partition-leader.js';
import type { PartitionRecord } from '../../core/protocol/generated/metadata/partition-record.js';
import type { ReplicationRequest } from './replication-messages.js';
import { IsrChangeManager } from './isr-change-manager.js';
import { ReplicaFetcherManager, type FollowedPartition } from './replica-fetcher-manager.js';
import { dynamicBrokerConfigs, effectiveBrokerConfig } from '../config/dynamic-broker-config.js';

const partitionActorModule = new URL(import.meta.url.endsWith('.ts') ? './partition-actor.ts' : './partition-actor.js', import.meta.url);
/** Kafka's log.flush.offset.checkpoint.interval.ms default. */
const CHECKPOINT_INTERVAL_MS = 60_000;
const ASK_TIMEOUT_MS = 30_000;
/** A log that failed to open (EMFILE, a bad dir) is retried after this, doubling up to the maximum. */
const OPEN_RETRY_BACKOFF_MS = 1_000;
const OPEN_RETRY_BACKOFF_MAX_MS = 30_000;

/** A log dir's checkpoint files (Kafka's names and format). */
interface LogDirCheckpoints {
  readonly recoveryPoints: OffsetCheckpointFile;
  readonly logStartOffsets: OffsetCheckpointFile;
  readonly cleanerOffsets: OffsetCheckpointFile;
}

/** What the checkpoints (then the actors' reports) say of a partition's log, kept across its actor's restarts. */
interface KnownOffsets {
  logDir: string;
  recoveryPoint?: bigint;
  logStartOffset?: bigint;
  cleanerOffset?: bigint;
}

/** A partition this broker holds a replica of (leader or follower), as seen from the main thread. */
export interface LocalPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly actor: string;
  readonly logDir: string;
  /** Settles once the actor has opened (and recovered) the log, or failed to (then `opened` stays false). */
  ready: Promise<void>;
  /** False until the actor runs; while its log cannot be opened, `state.offline` says why and opening is retried. */
  opened: boolean;
  /** Refreshed from every actor reply. */
  state: PartitionState;
  leaderEpoch: number;
  /** The leader's broker id: this broker's own, or the one its replica fetches from. */
  leaderId: number;
  partitionEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  /** The topic configs the actor was last given, to notice changes. */
  configsKey: string;
  /** Batch bytes appended since open: how a waiting fetch measures what arrived (fetch.min.bytes). */
  appendedBytes: number;
}

export type PartitionLookup =
  | { readonly errorCode: number; readonly partition?: undefined }
  | { readonly errorCode: 0; readonly partition: LocalPartition };

export interface AppendOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly baseOffset: bigint;
  readonly logAppendTimeMs: bigint;
  readonly logStartOffset: bigint;
  readonly recordCount: number;
  /** Produce v8+ record_errors, when records made the batch invalid. */
  readonly recordErrors?: readonly RecordError[];
}

export interface ReadOutcome {
  readonly errorCode: number;
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
  readonly logStartOffset: bigint;
  readonly records: Buffer | null;
  /** read_committed: the transactions aborted in the range read. */
  readonly abortedTransactions?: ReadonlyArray<{ producerId: bigint; firstOffset: bigint }>;
}

export interface TxnMarkerWritten {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
}

export interface ReplicaManagerOptions {
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  readonly runtime: Runtime;
  readonly metrics: BrokerMetrics;
  readonly log: Logger;
  /** Segment files the io threads may hold open at once, together (see open-file-limit.ts). */
  readonly logOpenFiles?: number;
}

/**
 * The partitions this broker leads: one partition actor each on the io
 * threads, created, reconfigured and deleted as the metadata image says.
 * Offers append (acks 0/1/-1 with the produce purgatory), read, ListOffsets
 * and DeleteRecords per partition, and keeps the log dirs' checkpoints from
 * what the actors report.
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, LocalPartition>();
  /** Per topic-partition key, the chain of create/delete steps, so they never overlap. */
  private readonly transitions = new Map<string, Promise<void>>();
  readonly producePurgatory = new DelayedOperationPurgatory<string>('Produce');
  readonly fetchPurgatory = new DelayedOperationPurgatory<string>('Fetch');
  private readonly fs = new NodeFileSystem();
  private readonly checkpoints: Map<string, LogDirCheckpoints>;
  private readonly knownOffsets = new Map<string, KnownOffsets>();
  private purgatoryTimer: NodeJS.Timeout | null = null;
  private purgatoryDeadlineMs = Infinity;
  private readonly checkpointTimer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly appendListeners = new Set<(key: string) => void>();
  private readonly markerListeners = new Set<(topic: string, partition: number, marker: TxnMarkerWritten) => void>();
  private stopped = false;
  /** The ISR changes this broker's leaders send the controller (AlterPartition). */
  readonly isrChanges: IsrChangeManager;
  private readonly replicaFetchers: ReplicaFetcherManager;
  private readonly messagesIn;
  private readonly bytesIn;
  private readonly messagesOut;
  private readonly bytesOut;

  private constructor(private readonly options: ReplicaManagerOptions) {
    const { metrics, config } = options;
    this.checkpoints = new Map(
      config.logDirs.map((dir) => [
        dir,
        {
          recoveryPoints: new OffsetCheckpointFile(this.fs, dir, RECOVERY_POINT_CHECKPOINT),
          logStartOffsets: new OffsetCheckpointFile(this.fs, dir, LOG_START_OFFSET_CHECKPOINT),
          cleanerOffsets: new OffsetCheckpointFile(this.fs, dir, CLEANER_OFFSET_CHECKPOINT),
        },
      ]),
    );
    this.loadCheckpoints();
    this.messagesIn = metrics.counter({ name: 'freshet_topic_messages_in_total', help: 'Records appended, by topic (from batch headers).', labelNames: ['topic'] });
    this.bytesIn = metrics.counter({ name: 'freshet_topic_bytes_in_total', help: 'Record batch bytes appended, by topic.', labelNames: ['topic'] });
    this.messagesOut = metrics.counter({ name: 'freshet_topic_messages_out_total', help: 'Records sent to consumers, by topic (from batch headers).', labelNames: ['topic'] });
    this.bytesOut = metrics.counter({ name: 'freshet_topic_bytes_out_total', help: 'Record batch bytes sent to consumers, by topic.', labelNames: ['topic'] });
    const partitions = this.partitions;
    metrics.gauge({
      name: 'freshet_replica_partitions',
      help: 'Partitions this broker holds a replica of (leading or following).',
      collect() {
        this.set(partitions.size);
      },
    });
    metrics.gauge({
      name: 'freshet_log_size_bytes',
      help: 'Bytes on disk per partition, as last reported by its actor.',
      labelNames: ['topic', 'partition'],
      collect() {
        this.reset();
        for (const p of partitions.values()) this.set({ topic: p.topic, partition: String(p.partition) }, p.state.sizeBytes);
      },
    });
    const purgatories = [this.producePurgatory, this.fetchPurgatory];
    metrics.gauge({
      name: 'freshet_purgatory_size',
      help: 'Requests waiting in a purgatory (Produce acks=-1, Fetch long-poll).',
      labelNames: ['purgatory'],
      collect() {
        for (const purgatory of purgatories) this.set({ purgatory: purgatory.name }, purgatory.size);
      },
    });
    const runtime = options.runtime;
    metrics.gauge({
      name: 'freshet_actor_queue_depth',
      help: 'Messages queued per actor mailbox and records per inbound ring, by thread.',
      labelNames: ['thread', 'queue'],
      async collect() {
        this.reset();
        for (const depths of await runtime.depths()) {
          let mailboxMessages = 0;
          for (const mailbox of Object.values(depths.mailboxes)) mailboxMessages += mailbox.messages;
          let ringRecords = 0;
          for (const ring of Object.values(depths.inboundRings)) ringRecords += ring.records;
          this.set({ thread: String(depths.thread), queue: 'mailbox' }, mailboxMessages);
          this.set({ thread: String(depths.thread), queue: 'ring' }, ringRecords);
        }
      },
    });
    this.isrChanges = new IsrChangeManager(this, options);
    this.replicaFetchers = new ReplicaFetcherManager(this, options);
    this.checkpointTimer = setInterval(() => this.writeCheckpoints(), CHECKPOINT_INTERVAL_MS);
    this.checkpointTimer.unref();
    this.unsubscribe = options.metadata.onChange((image) => void this.applyImage(image));
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
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Told of every transaction marker written and committed here (by a local coordinator or WriteTxnMarkers). */
  onTxnMarker(listener: (topic: string, partition: number, marker: TxnMarkerWritten) => void): () => void {
    this.markerListeners.add(listener);
    return () => this.markerListeners.delete(listener);
  }

  // ---- metadata ----

  /** Opens partitions this broker now leads, updates changed ones, deletes those whose topic is gone. */
  applyImage(image: MetadataImage): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const wanted = new Set<string>();
    const steps: Promise<void>[] = [];
    // Dynamic broker configs change the defaults of every topic: they are part of each key.
    const config = effectiveBrokerConfig(this.options.config, image);
    const brokerConfigsKey = JSON.stringify([...dynamicBrokerConfigs(image, ''), ...dynamicBrokerConfigs(image, String(this.nodeId))]);
    for (const topic of image.topics.values()) {
      const configs = image.configs.get(`${ConfigResourceType.topic}/${topic.name}`);
      const configsKey = JSON.stringify([...(configs ?? [])].sort()) + brokerConfigsKey;
      for (const [partitionId, record] of topic.partitions) {
        if (!record.replicas.includes(this.nodeId)) continue;
        const key = `${topic.name}-${partitionId}`;
        wanted.add(key);
        const existing = this.partitions.get(key);
        if (existing !== undefined && existing.topicId !== topic.topicId) {
          this.partitions.delete(key);
          // The new topic of that name starts a new log: the old one's offsets must not reach its actor.
          this.knownOffsets.delete(key);
          steps.push(this.transition(key, () => this.closePartition(existing, true)));
        }
        if (existing === undefined || existing.topicId !== topic.topicId) {
          steps.push(this.openPartition(topic.name, topic.topicId, partitionId, record, configs, configsKey));
          continue;
        }
        if (existing.leaderEpoch !== record.leaderEpoch || existing.partitionEpoch !== record.partitionEpoch || existing.isr.join() !== record.isr.join() || existing.replicas.join() !== record.replicas.join()) {
          const leaderMoved = existing.leaderId !== record.leader;
          existing.leaderEpoch = record.leaderEpoch;
          existing.leaderId = record.leader;
          // Produces and fetches waiting on a leadership this broker lost answer NOT_LEADER_OR_FOLLOWER now.
          if (leaderMoved) {
            this.producePurgatory.checkAndComplete(key);
            this.fetchPurgatory.checkAndComplete(key);
          }
          existing.partitionEpoch = record.partitionEpoch;
          existing.replicas = [...record.replicas];
          existing.isr = [...record.isr];
          const leadership = leadershipOf(record);
          steps.push(this.transition(key, () => this.askState(existing, { op: 'leadership', leadership })));
        }
        if (existing.configsKey !== configsKey) {
          existing.configsKey = configsKey;
          const settings = topicSettings(config, configs);
          steps.push(this.transition(key, () => this.askState(existing, { op: 'settings', logConfig: settings.logConfig, settings: settings.leader })));
        }
      }
    }
    for (const [key, partition] of [...this.partitions]) {
      if (wanted.has(key)) continue;
      this.partitions.delete(key);
      // Topic deleted: the log goes too. Leadership moved elsewhere: the log stays for a follower.
      const stillExists = image.topics.get(partition.topicId)?.partitions.has(partition.partition) ?? false;
      steps.push(this.transition(key, () => this.closePartition(partition, !stillExists)));
    }
    this.replicaFetchers.update(this.followedPartitions());
    return Promise.all(steps).then(() => undefined);
  }

  /** The partitions this broker follows, with their leaders, for the replica fetchers. */
  private followedPartitions(): FollowedPartition[] {
    return [...this.partitions.values()].filter((p) => p.leaderId !== this.nodeId && p.leaderId >= 0).map((p) => ({ topic: p.topic, topicId: p.topicId, partition: p.partition, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch }));
  }

  private transition(key: string, step: () => Promise<void>): Promise<void> {
    const next = (this.transitions.get(key) ?? Promise.resolve()).then(step).catch((error: unknown) => {
      this.options.log.error(`Partition ${key}: ${String(error)}`, error);
    });
    this.transitions.set(key, next);
    return next;
  }

  /**
   * Registers the partition at once (so lookups find it and wait for it) and
   * spawns its actor after any earlier step on the same key (a deletion).
   */
  private openPartition(
    topic: string,
    topicId: string,
    partitionId: number,
    record: PartitionRecord,
    configs: ReadonlyMap<string, string> | undefined,
    configsKey: string,
  ): Promise<void> {
    const key = `${topic}-${partitionId}`;
    const known = this.knownOffsets.get(key);
    const logDir = known?.logDir ?? this.chooseLogDir();
    const settings = topicSettings(effectiveBrokerConfig(this.options.config, this.options.metadata.image()), configs);
    const args: PartitionActorArgs = {
      logDir,
      topic,
      partition: partitionId,
      brokerId: this.nodeId,
      leadership: leadershipOf(record),
      logConfig: settings.logConfig,
      settings: settings.leader,
      ...(known?.recoveryPoint !== undefined ? { recoveryPoint: known.recoveryPoint.toString() } : {}),
      ...(known?.logStartOffset !== undefined ? { logStartOffset: known.logStartOffset.toString() } : {}),
      ...(known?.cleanerOffset !== undefined ? { cleanerOffset: known.cleanerOffset.toString() } : {}),
      cleanerEnabled: this.options.config.values['log.cleaner.enable'],
      housekeepingIntervalMs: Math.min(this.options.config.values['log.retention.check.interval.ms'], 30_000),
      ...(this.options.logOpenFiles === undefined ? {} : { maxOpenFiles: Math.max(1, Math.floor(this.options.logOpenFiles / this.options.config.values['num.io.threads'])) }),
    };
    const local: LocalPartition = {
      topic,
      topicId,
      partition: partitionId,
      actor: `partition-${topicId}-${partitionId}`,
      logDir,
      ready: Promise.resolve(),
      state: {
        logStartOffset: 0,
        logEndOffset: 0,
        highWatermark: 0,
        lastStableOffset: 0,
        recoveryPoint: 0,
        cleanerOffset: null,
        sizeBytes: 0,
        leaderEpoch: record.leaderEpoch,
        offline: null,
        isLeader: record.leader === this.nodeId,
        notEnoughReplicasAfterAppend: false,
      },
      leaderEpoch: record.leaderEpoch,
      leaderId: record.leader,
      partitionEpoch: record.partitionEpoch,
      replicas: [...record.replicas],
      isr: [...record.isr],
      configsKey,
      appendedBytes: 0,
      opened: false,
    };
    this.partitions.set(key, local);
    this.knownOffsets.set(key, { logDir });
    local.ready = this.transition(key, () => this.startActor(local, args, 0));
    return local.ready;
  }

  /**
   * Spawns the partition's actor. A log that cannot be opened leaves the partition offline
   * (KAFKA_STORAGE_ERROR, an offline replica in Metadata), never missing, and is retried with
   * back-off until it opens or the partition goes away.
   */
  private async startActor(local: LocalPartition, args: PartitionActorArgs, failures: number): Promise<void> {
    const key = `${local.topic}-${local.partition}`;
    try {
      await this.options.runtime.spawn({
        name: local.actor,
        role: ThreadRole.io,
        module: partitionActorModule,
        exportName: 'partitionActor',
        args,
        topicPartition: { topic: local.topic, partition: local.partition },
      });
    } catch (error) {
      if (this.stopped || this.partitions.get(key) !== local) return;
      const delayMs = Math.min(OPEN_RETRY_BACKOFF_MS * 2 ** failures, OPEN_RETRY_BACKOFF_MAX_MS);
      const reason = `the log could not be opened: ${error instanceof Error ? error.message : String(error)}`;
      local.state = { ...local.state, offline: reason };
      this.options.log.error(`Partition ${key} is offline (KAFKA_STORAGE_ERROR), retrying in ${delayMs} ms: ${reason}`);
      setTimeout(() => {
        if (this.stopped || this.partitions.get(key) !== local) return;
        const settings = topicSettings(this.options.config, this.options.metadata.image().configs.get(`${ConfigResourceType.topic}/${local.topic}`));
        const current: PartitionActorArgs = {
          ...args,
          leadership: { leaderEpoch: local.leaderEpoch, replicas: [...local.replicas], isr: [...local.isr] },
          logConfig: settings.logConfig,
          settings: settings.leader,
        };
        local.ready = this.transition(key, () => this.startActor(local, current, failures + 1));
      }, delayMs).unref();
      return;
    }
    local.opened = true;
    if (failures > 0) this.options.log.info(`Partition ${key} is online: its log opened after ${failures} failed attempts`);
    await this.askState(local, { op: 'offsets' });
  }

  private async closePartition(partition: LocalPartition, deleteLog: boolean): Promise<void> {
    const key = `${partition.topic}-${partition.partition}`;
    await partition.ready;
    if (!partition.opened) return;
    if (deleteLog) {
      await this.options.runtime.ask(partition.actor, { op: 'delete' } satisfies PartitionRequest, { timeoutMs: ASK_TIMEOUT_MS });
      if (!this.partitions.has(key)) this.knownOffsets.delete(key);
      this.options.log.info(`Deleted the log of ${key}`);
    }
    await this.options.runtime.stopActor(partition.actor);
    // Whoever waits on it learns it is gone.
    this.producePurgatory.checkAndComplete(key);
    this.fetchPurgatory.checkAndComplete(key);
  }

  /**
   * Asks the partition's actor once it is open. Resolves with an error code instead when the
   * partition went away meanwhile (topic deleted, leadership moved: NOT_LEADER_OR_FOLLOWER, and the
   * client refreshes metadata) or its log could not be opened (KAFKA_STORAGE_ERROR).
   */
  private askPartition<Reply>(local: LocalPartition, request: PartitionRequest, payload?: Buffer): Promise<ActorMessage<Reply> | number> {
    return local.ready
      .then<ActorMessage<Reply> | number>(() => {
        if (this.partitions.get(`${local.topic}-${local.partition}`) !== local) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
        if (!local.opened) return ErrorCode.KAFKA_STORAGE_ERROR;
        return this.options.runtime.ask<Reply>(local.actor, request, { timeoutMs: ASK_TIMEOUT_MS, ...(payload === undefined ? {} : { payload }) });
      })
      .catch((error: unknown) => {
        if (this.partitions.get(`${local.topic}-${local.partition}`) !== local) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
        throw error;
      });
  }

  private async askState(partition: LocalPartition, request: PartitionRequest): Promise<void> {
    // A partition whose log is not open yet gets the current leadership and settings when it opens.
    if (!partition.opened) return;
    const { body } = await this.options.runtime.ask<PartitionState>(partition.actor, request, { timeoutMs: ASK_TIMEOUT_MS });
    this.updateState(partition, body);
  }

  private chooseLogDir(): string {
    const dirs = this.options.config.logDirs;
    const counts = new Map(dirs.map((dir) => [dir, 0]));
    for (const { logDir } of this.knownOffsets.values()) counts.set(logDir, (counts.get(logDir) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[1] - b[1])[0]![0];
  }

  // ---- lookups ----

  /** The partition if this broker leads it; else UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER as the image says. */
  lookup(topic: string, partition: number): PartitionLookup {
    const local = this.partitions.get(`${topic}-${partition}`);
    if (local !== undefined && local.leaderId === this.nodeId) return { errorCode: ErrorCode.NONE, partition: local };
    const image = this.options.metadata.image();
    const topicId = image.topicIdsByName.get(topic);
    const record = topicId === undefined ? undefined : image.topics.get(topicId)?.partitions.get(partition);
    if (record === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    // Another broker leads it (or this one has not applied the change yet): the client refreshes its metadata.
    return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  }

  topicNameOf(topicId: string): string | undefined {
    return this.options.metadata.image().topics.get(topicId)?.name;
  }

  localPartitions(): readonly LocalPartition[] {
    return [...this.partitions.values()];
  }

  /** This broker's replica of the partition, leader or follower (replication's own asks). */
  localReplica(topic: string, partition: number): LocalPartition | undefined {
    return this.partitions.get(`${topic}-${partition}`);
  }

  /**
   * Asks a partition's actor a replication message (see partition-replication.ts) and takes in the
   * state its reply carries; null when the partition went away meanwhile.
   */
  async askReplica<Reply extends { readonly state: PartitionState }>(local: LocalPartition, request: ReplicationRequest, payload?: Buffer): Promise<ActorMessage<Reply> | null> {
    const answer = await this.askPartition<Reply>(local, request, payload);
    // An error code: the partition went away or its log is not open; replication retries later.
    if (typeof answer === 'number') return null;
    this.updateState(local, answer.body.state);
    return answer;
  }

  /** Whether this node's replica of the partition is offline: a storage failure since the broker started (see partition-actor.ts). */
  isOffline(topic: string, partition: number): boolean {
    return (this.partitions.get(`${topic}-${partition}`)?.state.offline ?? null) !== null;
  }

  // ---- data path ----

  /**
   * Appends one partition's produced batch. acks=0/1 resolve after the
   * leader's append; acks=-1 waits in the produce purgatory until the high
   * watermark passes the batch (or `timeoutMs`: REQUEST_TIMED_OUT).
   */
  async append(topic: string, partition: number, records: Buffer, acks: number, timeoutMs: number, origin: AppendOrigin = 'client'): Promise<AppendOutcome> {
    const found = this.lookup(topic, partition);
    if (found.partition === undefined) return appendError(found.errorCode, null);
    const local = found.partition;
    // The ask is enqueued before any await, so one connection's appends keep their order.
    const answer = await this.askPartition<AppendReply>(local, { op: 'append', acks, ...(origin === 'client' ? {} : { origin }) }, records);
    if (typeof answer === 'number') return this.askFailed(local, answer);
    return this.completeAppend(local, answer.body, acks, timeoutMs);
  }

  /** WriteTxnMarkers: the control batch ending a producer's transaction here, committed (acks=-1) as Kafka writes it. */
  async writeTxnMarker(topic: string, partition: number, marker: TxnMarkerWritten, timeoutMs: number): Promise<AppendOutcome> {
    const found = this.lookup(topic, partition);
    if (found.partition === undefined) return appendError(found.errorCode, null);
    const request: PartitionRequest = { op: 'marker', producerId: marker.producerId.toString(), producerEpoch: marker.producerEpoch, committed: marker.committed, coordinatorEpoch: marker.coordinatorEpoch };
    const answer = await this.askPartition<AppendReply>(found.partition, request);
    if (typeof answer === 'number') return this.askFailed(found.partition, answer);
    const outcome = await this.completeAppend(found.partition, answer.body, -1, timeoutMs);
    if (outcome.errorCode === ErrorCode.NONE) for (const listener of this.markerListeners) listener(topic, partition, marker);
    return outcome;
  }

  /** An append whose partition went away (NOT_LEADER_OR_FOLLOWER) or whose log is not open (KAFKA_STORAGE_ERROR). */
  private askFailed(local: LocalPartition, errorCode: number): AppendOutcome {
    return appendError(errorCode, errorCode === ErrorCode.KAFKA_STORAGE_ERROR ? local.state.offline : 'the partition moved or was deleted');
  }

  private completeAppend(local: LocalPartition, body: AppendReply, acks: number, timeoutMs: number): Promise<AppendOutcome> | AppendOutcome {
    const { topic, partition } = local;
    this.updateState(local, body.state);
    const outcome: AppendOutcome = {
      errorCode: body.errorCode,
      errorMessage: body.errorMessage,
      baseOffset: BigInt(body.baseOffset),
      logAppendTimeMs: BigInt(body.logAppendTimeMs),
      logStartOffset: BigInt(body.state.logStartOffset),
      recordCount: body.recordCount,
      ...(body.recordErrors === undefined ? {} : { recordErrors: body.recordErrors }),
    };
    if (body.errorCode !== ErrorCode.NONE) return outcome;
    if (body.recordCount > 0) {
      local.appendedBytes += body.bytes;
      this.messagesIn.inc({ topic }, body.recordCount);
      this.bytesIn.inc({ topic }, body.bytes);
      const key = `${topic}-${partition}`;
      for (const listener of this.appendListeners) listener(key);
      this.fetchPurgatory.checkAndComplete(key);
    }
    if (acks !== -1 || body.state.highWatermark > body.lastOffset) return outcome;
    return this.waitForHighWatermark(local, BigInt(body.lastOffset) + 1n, timeoutMs, outcome);
  }

  private waitForHighWatermark(local: LocalPartition, requiredOffset: bigint, timeoutMs: number, outcome: AppendOutcome): Promise<AppendOutcome> {
    const key = `${local.topic}-${local.partition}`;
    return new Promise((resolve) => {
      this.producePurgatory.tryCompleteElseWatch(
        {
          deadlineMs: Date.now() + timeoutMs,
          tryComplete: () => {
            if (this.partitions.get(key) !== local || local.leaderId !== this.nodeId) {
              resolve(appendError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'leadership moved while waiting for acks=-1'));
              return true;
            }
            if (BigInt(local.state.highWatermark) < requiredOffset) return false;
            // Kafka's checkEnoughReplicasReachOffset: the ISR shrank below min.insync.replicas while it waited.
            if (local.state.notEnoughReplicasAfterAppend) {
              resolve({ ...outcome, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, errorMessage: 'the ISR shrank below min.insync.replicas' });
              return true;
            }
            resolve(outcome);
            return true;
          },
          onExpiration: () => resolve({ ...outcome, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'the ISR did not reach the batch in time' }),
        },
        [key],
      );
      this.armPurgatoryTimer();
    });
  }

  /** Reads from one partition for a consumer (up to HW, or LSO under read_committed). */
  async read(
    topic: string,
    partition: number,
    fetchOffset: bigint,
    maxBytes: number,
    isolationLevel: number,
    minOneMessage: boolean,
    currentLeaderEpoch = -1,
  ): Promise<ReadOutcome> {
    const found = this.lookup(topic, partition);
    if (found.partition === undefined) return { errorCode: found.errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null };
    const local = found.partition;
    const epochError = leaderEpochError(currentLeaderEpoch, local.leaderEpoch);
    if (epochError !== ErrorCode.NONE) return { errorCode: epochError, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null };
    const request: PartitionRequest = { op: 'read', fetchOffset: Number(fetchOffset), maxBytes, isolationLevel, minOneMessage };
    const message = await this.askPartition<ReadReply>(local, request);
    if (typeof message === 'number') return { errorCode: message, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null };
    const { body, payload } = message;
    this.updateState(local, body.state);
    const records = payload === undefined ? null : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (records !== null) {
      let count = 0;
      for (const view of batchViews(records, { allowPartialTail: true })) count += view.recordsCount;
      this.messagesOut.inc({ topic }, count);
      this.bytesOut.inc({ topic }, records.length);
    }
    return {
      errorCode: body.errorCode,
      highWatermark: BigInt(body.state.highWatermark),
      lastStableOffset: BigInt(body.lastStableOffset),
      logStartOffset: BigInt(body.state.logStartOffset),
      records,
      ...(body.abortedTransactions === undefined ? {} : { abortedTransactions: body.abortedTransactions.map(([producerId, firstOffset]) => ({ producerId: BigInt(producerId), firstOffset: BigInt(firstOffset) })) }),
    };
  }

  async listOffset(topic: string, partition: number, timestamp: bigint, isolationLevel: number): Promise<{ errorCode: number; offset: bigint; timestamp: bigint; leaderEpoch: number }> {
    const found = this.lookup(topic, partition);
    if (found.partition === undefined) return { errorCode: found.errorCode, offset: -1n, timestamp: -1n, leaderEpoch: -1 };
    const local = found.partition;
    const answer = await this.askPartition<ListOffsetReply>(local, { op: 'listOffset', timestamp: Number(timestamp), isolationLevel });
    if (typeof answer === 'number') return { errorCode: answer, offset: -1n, timestamp: -1n, leaderEpoch: -1 };
    const { body } = answer;
    this.updateState(local, body.state);
    return { errorCode: body.errorCode, offset: BigInt(body.offset), timestamp: BigInt(body.timestamp), leaderEpoch: body.leaderEpoch };
  }

  /** DescribeProducers: the producers the partition's leader remembers. */
  async describeProducers(topic: string, partition: number): Promise<{ errorCode: number; producers: ProducerDescription[] }> {
    const found = this.lookup(topic, partition);
    if (found.partition === undefined) return { errorCode: found.errorCode, producers: [] };
    const answer = await this.askPartition<ProducersReply>(found.partition, { op: 'producers' });
    if (typeof answer === 'number') return { errorCode: answer, producers: [] };
    this.updateState(found.partition, answer.body.state);
    const producers = answer.body.producers.map((p) => ({ ...p, producerId: BigInt(p.producerId), currentTxnStartOffset: BigInt(p.currentTxnStartOffset) }));
    return { errorCode: ErrorCode.NONE, producers };
  }

  async deleteRecords(topic: string, partition: number, offset: bigint): Promise<{ errorCode: number; lowWatermark: bigint }> {
    const found = this.lookup(topic, partition);
    if (found.partition === undefined) return { errorCode: found.errorCode, lowWatermark: -1n };
    const local = found.partition;
    const answer = await this.askPartition<DeleteRecordsReply>(local, { op: 'deleteRecords', offset: Number(offset) });
    if (typeof answer === 'number') return { errorCode: answer, lowWatermark: -1n };
    const { body } = answer;
    this.updateState(local, body.state);
    if (body.errorCode === ErrorCode.NONE) this.writeCheckpoints();
    return { errorCode: body.errorCode, lowWatermark: BigInt(body.lowWatermark) };
  }

  private updateState(local: LocalPartition, state: PartitionState): void {
    const hwMoved = state.highWatermark !== local.state.highWatermark;
    const key = `${local.topic}-${local.partition}`;
    if (state.offline !== null && local.state.offline === null) {
      this.options.log.error(`Partition ${key} is offline (KAFKA_STORAGE_ERROR) until the broker restarts with a usable log dir ${local.logDir}: ${state.offline}`);
    }
    local.state = state;
    const known = this.knownOffsets.get(key);
    if (known !== undefined) {
      known.recoveryPoint = BigInt(state.recoveryPoint);
      known.logStartOffset = BigInt(state.logStartOffset);
      if (state.cleanerOffset !== null) known.cleanerOffset = BigInt(state.cleanerOffset);
    }
    if (hwMoved) {
      this.producePurgatory.checkAndComplete(key);
      this.fetchPurgatory.checkAndComplete(key);
    }
  }

  /** Arms one timer for the earliest deadline over both purgatories. */
  armPurgatoryTimer(): void {
    const next = Math.min(this.producePurgatory.nextDeadlineMs() ?? Infinity, this.fetchPurgatory.nextDeadlineMs() ?? Infinity);
    if (next === Infinity || next >= this.purgatoryDeadlineMs) return;
    if (this.purgatoryTimer !== null) clearTimeout(this.purgatoryTimer);
    this.purgatoryDeadlineMs = next;
    this.purgatoryTimer = setTimeout(() => {
      this.purgatoryTimer = null;
      this.purgatoryDeadlineMs = Infinity;
      const now = Date.now();
      this.producePurgatory.expire(now);
      this.fetchPurgatory.expire(now);
      this.armPurgatoryTimer();
    }, Math.max(0, next - Date.now()));
  }

  // ---- checkpoints ----

  private loadCheckpoints(): void {
    for (const [logDir, files] of this.checkpoints) {
      const recoveryPoints = safeRead(files.recoveryPoints);
      const logStartOffsets = safeRead(files.logStartOffsets);
      const cleanerOffsets = safeRead(files.cleanerOffsets);
      const names = existsSync(logDir) ? readdirSync(logDir) : [];
      for (const name of names) {
        const parsed = parsePartitionDir(name);
        if (parsed === null) continue;
        const key = `${parsed.topic}-${parsed.partition}`;
        const entry: KnownOffsets = { logDir };
        const recoveryPoint = recoveryPoints.get(key);
        const logStartOffset = logStartOffsets.get(key);
        const cleanerOffset = cleanerOffsets.get(key);
        if (recoveryPoint !== undefined) entry.recoveryPoint = recoveryPoint;
        if (logStartOffset !== undefined) entry.logStartOffset = logStartOffset;
        // Entries of partitions without a dir (a deleted topic) are dropped here, so a later topic of that name starts dirty.
        if (cleanerOffset !== undefined) entry.cleanerOffset = cleanerOffset;
        this.knownOffsets.set(key, entry);
      }
    }
  }

  /** Kafka's recovery-point, log-start-offset and cleaner-offset checkpoints, from the offsets the actors last reported. */
  writeCheckpoints(): void {
    for (const [logDir, files] of this.checkpoints) {
      const recoveryPoints = new Map<string, { topic: string; partition: number; offset: bigint }>();
      const logStartOffsets = new Map<string, { topic: string; partition: number; offset: bigint }>();
      const cleanerOffsets = new Map<string, { topic: string; partition: number; offset: bigint }>();
      for (const p of this.partitions.values()) {
        if (p.logDir !== logDir) continue;
        const key = `${p.topic}-${p.partition}`;
        recoveryPoints.set(key, { topic: p.topic, partition: p.partition, offset: BigInt(p.state.recoveryPoint) });
        logStartOffsets.set(key, { topic: p.topic, partition: p.partition, offset: BigInt(p.state.logStartOffset) });
        if (p.state.cleanerOffset !== null) cleanerOffsets.set(key, { topic: p.topic, partition: p.partition, offset: BigInt(p.state.cleanerOffset) });
      }
      try {
        files.recoveryPoints.write(recoveryPoints);
        files.logStartOffsets.write(logStartOffsets);
        files.cleanerOffsets.write(cleanerOffsets);
      } catch (error) {
        this.options.log.error(`Could not write the checkpoints of ${logDir}`, error);
      }
    }
  }

  /** Answers every waiting request, refreshes the offsets and writes the checkpoints; the runtime then closes the logs. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    clearInterval(this.checkpointTimer);
    this.isrChanges.stop();
    await this.replicaFetchers.stop();
    if (this.purgatoryTimer !== null) clearTimeout(this.purgatoryTimer);
    this.producePurgatory.shutdown();
    this.fetchPurgatory.shutdown();
    await Promise.all([...this.transitions.values()]);
    // Flushed first, so the recovery points written are the log ends.
    await Promise.allSettled([...this.partitions.values()].map((p) => this.askState(p, { op: 'flush' })));
    this.writeCheckpoints();
  }

  /** Completes waiting fetches now (clean shutdown starts here so long polls do not hold it up). */
  completeDelayed(): void {
    this.producePurgatory.shutdown();
    this.fetchPurgatory.shutdown();
  }
}

/** KIP-320: a client naming an older leader epoch is fenced; a newer one means this broker is behind. */
export function leaderEpochError(requested: number, current: number): number {
  if (requested < 0 || requested === current) return ErrorCode.NONE;
  return requested < current ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
}

function leadershipOf(record: PartitionRecord): PartitionLeadership {
  return { leaderEpoch: record.leaderEpoch, replicas: [...record.replicas], isr: [...record.isr], leaderId: record.leader, partitionEpoch: record.partitionEpoch };
}

function appendError(errorCode: number, errorMessage: string | null): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordCount: 0 };
}

function safeRead(file: OffsetCheckpointFile): Map<string, bigint> {
  try {
    return file.read();
  } catch {
    // A damaged checkpoint only costs a longer recovery.
    return new Map();
  }
}
