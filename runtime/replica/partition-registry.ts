import type { ActorMessage } from '../../core/actors/actor.js';
import type { Runtime } from '../../core/actors/runtime.js';
import { ThreadRole } from '../../core/actors/placement.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { PartitionRecord } from '../../core/protocol/generated/metadata/partition-record.js';
import { ConfigResourceType } from '../../core/raft/metadata/metadata-image.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { effectiveBrokerConfig } from '../config/dynamic-broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { Logger } from '../logger.js';
import { leadershipOf, partitionKey, type LocalPartition, type PartitionLookup } from './local-partition.js';
import type { LogDirCheckpoints } from './log-dir-checkpoints.js';
import type { PartitionActorArgs } from './partition-actor.js';
import type { MessageOf, PartitionRequest, PartitionState, ReplyTo } from './partition-messages.js';
import type { ReplicaPurgatories } from './replica-purgatories.js';
import type { Scheduler } from './scheduler.js';
import { topicSettings } from './topic-config.js';

/** The messages whose reply is the partition's state alone. */
type StateRequest = MessageOf<'leadership' | 'settings' | 'offsets' | 'flush'>;

const partitionActorModule = new URL(import.meta.url.endsWith('.ts') ? './partition-actor.ts' : './partition-actor.js', import.meta.url);
const ASK_TIMEOUT_MS = 30_000;
/** A log that failed to open (EMFILE, a bad dir) is retried after this, doubling up to the maximum. */
const OPEN_RETRY_BACKOFF_MS = 1_000;
const OPEN_RETRY_BACKOFF_MAX_MS = 30_000;

/** What the replica manager needs of the actor runtime: the threaded Runtime, or a DeterministicSystem in tests. */
export type PartitionActorHost = Pick<Runtime, 'spawn' | 'stopActor' | 'ask' | 'depths'>;

export interface PartitionRegistryOptions {
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  readonly runtime: PartitionActorHost;
  readonly log: Logger;
  /** Segment files the io threads may hold open at once, together (see open-file-limit.ts). */
  readonly logOpenFiles?: number;
}

/**
 * The partitions this broker holds a replica of and their actors' lifecycle:
 * registered at once (so lookups find them and wait for them), the actor
 * spawned after any earlier step on the same key, retried with back-off while
 * its log cannot be opened, stopped (and its log deleted) when it goes. Every
 * ask goes through here, and every reply's state is taken in here.
 */
export class PartitionRegistry {
  private readonly partitions = new Map<string, LocalPartition>();
  /** Per topic-partition key, the chain of create/delete steps, so they never overlap. */
  private readonly transitions = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly options: PartitionRegistryOptions,
    private readonly checkpoints: LogDirCheckpoints,
    private readonly purgatories: ReplicaPurgatories,
    private readonly scheduler: Scheduler,
  ) {}

  get nodeId(): number {
    return this.options.config.nodeId;
  }

  get size(): number {
    return this.partitions.size;
  }

  get(key: string): LocalPartition | undefined {
    return this.partitions.get(key);
  }

  values(): LocalPartition[] {
    return [...this.partitions.values()];
  }

  /** Whether `local` is still this broker's replica of its partition (not deleted or replaced meanwhile). */
  isCurrent(local: LocalPartition): boolean {
    return this.partitions.get(partitionKey(local.topic, local.partition)) === local;
  }

  /** Unregisters the partition and closes its actor, deleting the log when `deleteLog`. */
  remove(key: string, partition: LocalPartition, deleteLog: boolean): Promise<void> {
    this.partitions.delete(key);
    return this.transition(key, () => this.close(partition, deleteLog));
  }

  transition(key: string, step: () => Promise<void>): Promise<void> {
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
  open(topic: string, topicId: string, partitionId: number, record: PartitionRecord, configs: ReadonlyMap<string, string> | undefined, configsKey: string): Promise<void> {
    const key = partitionKey(topic, partitionId);
    const known = this.checkpoints.get(key);
    const logDir = known?.logDir ?? this.checkpoints.chooseLogDir();
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
      followerLogEndOffsets: new Map(),
      opened: false,
    };
    this.partitions.set(key, local);
    this.checkpoints.track(key, logDir);
    local.ready = this.transition(key, () => this.startActor(local, args, 0));
    return local.ready;
  }

  /**
   * Spawns the partition's actor. A log that cannot be opened leaves the partition offline
   * (KAFKA_STORAGE_ERROR, an offline replica in Metadata), never missing, and is retried with
   * back-off until it opens or the partition goes away.
   */
  private async startActor(local: LocalPartition, args: PartitionActorArgs, failures: number): Promise<void> {
    const key = partitionKey(local.topic, local.partition);
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
      this.scheduler.after(delayMs, () => {
        if (this.stopped || this.partitions.get(key) !== local) return;
        const settings = topicSettings(this.options.config, this.options.metadata.image().configs.get(`${ConfigResourceType.topic}/${local.topic}`));
        const current: PartitionActorArgs = {
          ...args,
          leadership: { leaderEpoch: local.leaderEpoch, replicas: [...local.replicas], isr: [...local.isr] },
          logConfig: settings.logConfig,
          settings: settings.leader,
        };
        local.ready = this.transition(key, () => this.startActor(local, current, failures + 1));
      });
      return;
    }
    local.opened = true;
    if (failures > 0) this.options.log.info(`Partition ${key} is online: its log opened after ${failures} failed attempts`);
    await this.askState(local, { op: 'offsets' });
  }

  private async close(partition: LocalPartition, deleteLog: boolean): Promise<void> {
    const key = partitionKey(partition.topic, partition.partition);
    await partition.ready;
    if (!partition.opened) return;
    if (deleteLog) {
      await this.options.runtime.ask(partition.actor, { op: 'delete' } satisfies PartitionRequest, { timeoutMs: ASK_TIMEOUT_MS });
      if (!this.partitions.has(key)) this.checkpoints.forget(key);
      this.options.log.info(`Deleted the log of ${key}`);
    }
    await this.options.runtime.stopActor(partition.actor);
    // Whoever waits on it learns it is gone.
    this.purgatories.checkAndComplete(key);
  }

  /**
   * Asks the partition's actor once it is open. Resolves with an error code instead when the
   * partition went away meanwhile (topic deleted, leadership moved: NOT_LEADER_OR_FOLLOWER, and the
   * client refreshes metadata) or its log could not be opened (KAFKA_STORAGE_ERROR).
   */
  ask<R extends PartitionRequest>(local: LocalPartition, request: R, payload?: Buffer): Promise<ActorMessage<ReplyTo<R>> | number> {
    return local.ready
      .then<ActorMessage<ReplyTo<R>> | number>(() => {
        if (!this.isCurrent(local)) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
        if (!local.opened) return ErrorCode.KAFKA_STORAGE_ERROR;
        return this.options.runtime.ask<ReplyTo<R>>(local.actor, request, { timeoutMs: ASK_TIMEOUT_MS, ...(payload === undefined ? {} : { payload }) });
      })
      .catch((error: unknown) => {
        if (!this.isCurrent(local)) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
        throw error;
      });
  }

  /** Asks a message whose reply is the partition's state alone (leadership, settings, offsets, flush). */
  async askState(partition: LocalPartition, request: StateRequest): Promise<void> {
    // A partition whose log is not open yet gets the current leadership and settings when it opens.
    if (!partition.opened) return;
    const { body } = await this.options.runtime.ask<ReplyTo<StateRequest>>(partition.actor, request, { timeoutMs: ASK_TIMEOUT_MS });
    this.updateState(partition, body);
  }

  /** Takes in the state an actor's reply carries; a moved high watermark retries what waits on it. */
  updateState(local: LocalPartition, state: PartitionState): void {
    const hwMoved = state.highWatermark !== local.state.highWatermark;
    const key = partitionKey(local.topic, local.partition);
    if (state.offline !== null && local.state.offline === null) {
      this.options.log.error(`Partition ${key} is offline (KAFKA_STORAGE_ERROR) until the broker restarts with a usable log dir ${local.logDir}: ${state.offline}`);
    }
    local.state = state;
    this.checkpoints.remember(key, state);
    if (hwMoved) this.purgatories.checkAndComplete(key);
  }

  /** The partition if this broker leads it; else UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER as the image says. */
  lookup(topic: string, partition: number): PartitionLookup {
    const local = this.partitions.get(partitionKey(topic, partition));
    if (local !== undefined && local.leaderId === this.nodeId) return { errorCode: ErrorCode.NONE, partition: local };
    const image = this.options.metadata.image();
    const topicId = image.topicIdsByName.get(topic);
    const record = topicId === undefined ? undefined : image.topics.get(topicId)?.partitions.get(partition);
    if (record === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    // Another broker leads it (or this one has not applied the change yet): the client refreshes its metadata.
    return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  }

  /** Shutdown: no more retried opens. */
  stopOpening(): void {
    this.stopped = true;
  }

  /** Settles once every create/delete step in progress has. */
  async whenSettled(): Promise<void> {
    await Promise.all([...this.transitions.values()]);
  }
}
