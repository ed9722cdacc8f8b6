import type { Actor, ActorContext, ActorFactory, ActorMessage, Recovery } from '../../core/actors/actor.js';
import { CompactionProgress } from '../../core/log/compaction-progress.js';
import { LogCleaner } from '../../core/log/log-cleaner.js';
import type { Clock, LogConfig } from '../../core/log/log-config.js';
import { BoundedFileSystem } from '../../core/log/bounded-file-system.js';
import type { LogFileSystem } from '../../core/log/log-file-system.js';
import { NodeFileSystem } from '../../core/log/node-file-system.js';
import { PartitionLog } from '../../core/log/partition-log.js';
import { PartitionLeader, errorCodeOf, type LeaderSettings, type PartitionLeadership } from '../../core/partition/partition-leader.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { dataHandlers } from './partition-data-handlers.js';
import { asPartitionMessage, type Answer, type HandlerHost, type MessageOf, type PartitionOp, type PartitionState, type TimerMessage } from './partition-messages.js';
import { replicationHandlers } from './partition-replication.js';

/** What the replica manager opens a partition with (msgpack: offsets as decimal strings). */
export interface PartitionActorArgs {
  readonly logDir: string;
  readonly topic: string;
  readonly partition: number;
  readonly brokerId: number;
  readonly leadership: PartitionLeadership;
  readonly logConfig: LogConfig;
  readonly settings: LeaderSettings;
  /** From the log dir's checkpoints, as decimal strings. */
  readonly recoveryPoint?: string;
  readonly logStartOffset?: string;
  /** From cleaner-offset-checkpoint: where the dirty section starts (absent: never cleaned). */
  readonly cleanerOffset?: string;
  /** log.cleaner.enable (default true) */
  readonly cleanerEnabled?: boolean;
  /** How often flush.ms, retention and compaction are checked (log.retention.check.interval.ms bounds it). */
  readonly housekeepingIntervalMs: number;
  /** Segment files this io thread holds open at once (its share of log.max.open.files); absent: unbounded. */
  readonly maxOpenFiles?: number;
}

/**
 * Where the actor stands. Serving until the first KAFKA_STORAGE_ERROR (a full
 * or failing disk) takes it offline: as Kafka takes a failed log dir offline,
 * it then answers every data request with KAFKA_STORAGE_ERROR, even ones it
 * could answer from memory, and stops its housekeeping until the broker
 * restarts and recovers it. Closing once a delete or stop began (a cleaning
 * round gives up at its next step), then deleted or stopped.
 */
export type PartitionPhase =
  | { readonly kind: 'serving' }
  | { readonly kind: 'offline'; readonly reason: string }
  | { readonly kind: 'closing' | 'deleted' | 'stopped'; readonly offline: string | null };

type Handlers = { readonly [K in PartitionOp]: (message: MessageOf<K>, payload: Buffer | undefined) => Answer<K> };

/**
 * One cleaning round's key map, in log.cleaner.dedupe.buffer.size's accounting
 * (24 bytes a key): about 315 000 keys. Kafka's 128 MiB buffer would let one
 * round map ~5M keys, and a JS Map spends ~100 bytes a key, not 24; a larger
 * dirty section is cleaned over several housekeeping rounds instead.
 */
const CLEANER_ROUND_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * The round in progress on this io thread: as Kafka's single cleaner thread,
 * a thread cleans one log at a time, so it holds one key map and its
 * partitions' appends only ever wait for one segment's worth of cleaning.
 */
let cleanerTurn: Promise<void> = Promise.resolve();

/** The io thread's file layer, shared by its partitions so their open files count against one bound. */
let threadFileSystem: LogFileSystem | null = null;
function fileSystemFor(maxOpenFiles: number | undefined): LogFileSystem {
  threadFileSystem ??= maxOpenFiles === undefined ? new NodeFileSystem() : new BoundedFileSystem(new NodeFileSystem(), maxOpenFiles);
  return threadFileSystem;
}

/** Whether the maximal ISR is below min.insync.replicas (asked at the high watermark, which it always passes). */
function acksAllShortOfReplicas(leader: PartitionLeader): boolean {
  const check = leader.checkEnoughReplicasReachOffset(leader.highWatermark);
  return check.done && check.errorCode !== ErrorCode.NONE;
}

/**
 * A partition's replica (leader or follower) as an actor on an io thread: it
 * owns the partition's PartitionLog and drives core/partition's
 * PartitionLeader, answering the protocol of partition-messages.ts. Its clock
 * and timers are its context's (the wall clock on an io thread, the virtual
 * one under the deterministic scheduler). Housekeeping (flush.ms, retention
 * below the high watermark, unlinking deleted segments, compaction) runs on a
 * timer; a compaction round runs detached from the mailbox, and between its
 * segment steps the messages queued meanwhile run.
 */
export class PartitionActor implements Actor {
  // Appends read the batch (and write its offsets in place) before receive returns; the log keeps no reference.
  readonly borrowsPayload = true;
  readonly log: PartitionLog;
  readonly leader: PartitionLeader;
  private phase: PartitionPhase = { kind: 'serving' };
  private readonly fs: LogFileSystem;
  private readonly compaction: CompactionProgress;
  private readonly cleaner: LogCleaner;
  private readonly handlers: Handlers;
  private housekeepingTimer: number | null = null;
  /** Files of segments deleted by retention or DeleteRecords, unlinked one housekeeping round later (Kafka's file.delete.delay.ms). */
  private retiredFiles: string[] = [];
  /** The round this partition waits for or runs; null when none. */
  private cleaning: Promise<void> | null = null;
  /** The cleaner waiting for its `cleanerStep` message. */
  private cleanerStep: { resolve(): void; reject(error: Error): void } | null = null;
  /** A cleaner bug, thrown by the next housekeeping so the actor fails and restarts as it would for its own. */
  private cleanerFailure: unknown = null;

  constructor(
    private readonly args: PartitionActorArgs,
    recovery: Recovery,
    private readonly ctx: ActorContext,
    io: { readonly fs?: LogFileSystem } = {},
  ) {
    this.fs = io.fs ?? fileSystemFor(args.maxOpenFiles);
    const clock: Clock = { nowMs: () => ctx.nowMs() };
    const compaction = new CompactionProgress(args.cleanerOffset === undefined ? undefined : BigInt(args.cleanerOffset));
    this.compaction = compaction;
    this.log = PartitionLog.open({
      dir: args.logDir,
      topic: args.topic,
      partition: args.partition,
      config: args.logConfig,
      fs: this.fs,
      clock,
      // After a restart by the supervisor the checkpoints may be stale: recover everything.
      ...(args.recoveryPoint !== undefined && recovery.restarts === 0 ? { recoveryPoint: BigInt(args.recoveryPoint) } : {}),
      ...(args.logStartOffset !== undefined ? { logStartOffset: BigInt(args.logStartOffset) } : {}),
      onCheckpointNeeded: (changed) => compaction.onLogChanged(changed),
    });
    this.leader = new PartitionLeader(this.log, args.brokerId, args.leadership, args.settings, this.fs, ctx.nowMs());
    this.cleaner = new LogCleaner({ fs: this.fs, clock, dedupeBufferBytes: CLEANER_ROUND_BUFFER_BYTES, yieldToAppends: () => this.nextCleanerStep() });
    this.handlers = this.buildHandlers();
  }

  get state(): PartitionPhase {
    return this.phase;
  }

  // Synchronous unless the work is: a promise makes the host run this actor's next message one event-loop turn later.
  receive({ body, payload }: ActorMessage): unknown {
    const message = asPartitionMessage(body);
    this.housekeepingTimer ??= this.schedule(this.args.housekeepingIntervalMs, { op: 'housekeeping' });
    const records = payload === undefined ? undefined : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    // The handler table is indexed by the message's own op, so the pair always matches.
    const handler = this.handlers[message.op] as (message: MessageOf<PartitionOp>, payload: Buffer | undefined) => unknown;
    return handler(message, records);
  }

  async stop(): Promise<void> {
    const offline = this.offlineReason();
    const deleted = this.phase.kind === 'deleted';
    this.close('stopped');
    await this.cleaning;
    // A clean close writes a producer snapshot, the indexes and the clean-shutdown marker, so the next start skips recovery and replay.
    // An offline partition closes without them where the disk refuses: the next start recovers it.
    if (!deleted) {
      if (offline === null) this.leader.writeProducerSnapshot();
      this.maintain(() => this.log.close());
    }
  }

  /** Why the partition is offline, or null while it is healthy. */
  private offlineReason(): string | null {
    const phase = this.phase;
    return phase.kind === 'serving' ? null : phase.kind === 'offline' ? phase.reason : phase.offline;
  }

  /** Why data requests are refused now (offline, or the log is gone), or null. */
  private refusal(): string | null {
    return this.phase.kind === 'deleted' ? 'the partition was deleted' : this.offlineReason();
  }

  private schedule(delayMs: number, message: TimerMessage): number {
    return this.ctx.schedule(delayMs, message);
  }

  private noteFailure(errorCode: number, reason: string): void {
    if (errorCode === ErrorCode.KAFKA_STORAGE_ERROR && this.phase.kind === 'serving') this.phase = { kind: 'offline', reason };
  }

  /** Runs housekeeping or a flush; a storage failure takes the partition offline instead of failing the actor. */
  private maintain(work: () => unknown): void {
    try {
      work();
    } catch (error) {
      if (errorCodeOf(error) !== ErrorCode.KAFKA_STORAGE_ERROR) throw error;
      this.noteFailure(ErrorCode.KAFKA_STORAGE_ERROR, (error as Error).message);
    }
  }

  /** Delete or stop began: the cleaner's round gives up at its next step, before the log goes. */
  private close(kind: 'closing' | 'stopped'): void {
    if (this.phase.kind !== 'deleted') this.phase = { kind, offline: this.offlineReason() };
    this.cleanerStep?.reject(new Error('the partition is closing'));
    this.cleanerStep = null;
  }

  private get closing(): boolean {
    return this.phase.kind === 'closing' || this.phase.kind === 'deleted' || this.phase.kind === 'stopped';
  }

  /** The cleaner's yield between segments: a message to itself, so what is queued in the mailbox runs first. */
  private nextCleanerStep(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closing) {
        reject(new Error('the partition is closing'));
        return;
      }
      this.cleanerStep = { resolve, reject };
      this.schedule(0, { op: 'cleanerStep' });
    });
  }

  private currentState(): PartitionState {
    const firstDirty = this.compaction.firstDirtyOffset;
    return {
      logStartOffset: Number(this.log.logStartOffset),
      logEndOffset: Number(this.log.logEndOffset),
      highWatermark: Number(this.leader.highWatermark),
      lastStableOffset: Number(this.leader.lastStableOffset),
      recoveryPoint: Number(this.log.recoveryPoint),
      cleanerOffset: firstDirty === undefined ? null : Number(firstDirty),
      sizeBytes: this.log.size,
      leaderEpoch: this.leader.leaderEpoch,
      offline: this.offlineReason(),
      isLeader: this.leader.isLeader,
      notEnoughReplicasAfterAppend: acksAllShortOfReplicas(this.leader),
    };
  }

  /** Queues a round on this thread's cleaner unless one is pending; appends and reads run between its steps. */
  private startCleaning(): void {
    if (this.args.cleanerEnabled === false || !this.log.logConfig.cleanupPolicy.compact || this.cleaning !== null) return;
    const cleanRound = async (): Promise<void> => {
      if (this.phase.kind !== 'serving') return;
      await this.compaction.cleanRound(this.cleaner, this.log, this.leader.highWatermark, this.ctx.nowMs());
    };
    const round = cleanerTurn.then(cleanRound).catch((error: unknown) => {
      if (this.closing) return;
      if (errorCodeOf(error) === ErrorCode.KAFKA_STORAGE_ERROR) this.noteFailure(ErrorCode.KAFKA_STORAGE_ERROR, (error as Error).message);
      else this.cleanerFailure = error;
    });
    cleanerTurn = round;
    this.cleaning = round.finally(() => {
      this.cleaning = null;
    });
  }

  private buildHandlers(): Handlers {
    const { log, leader, ctx } = this;
    const state = () => this.currentState();
    const host: HandlerHost = {
      partition: leader,
      nowMs: () => ctx.nowMs(),
      refusal: () => this.refusal(),
      state,
      noteFailure: (errorCode, reason) => this.noteFailure(errorCode, reason),
    };
    return {
      leadership: (request) => {
        leader.updateLeadership(request.leadership, ctx.nowMs());
        return state();
      },
      settings: (request) => {
        log.updateConfig(request.logConfig);
        leader.updateSettings(request.settings);
        return state();
      },
      offsets: state,
      flush: () => {
        if (this.phase.kind === 'serving') this.maintain(() => log.flush());
        return state();
      },
      delete: () => {
        this.close('closing');
        // The cleaner may hold a .cleaned file in the partition dir: it stops first.
        return (this.cleaning ?? Promise.resolve()).then(() => {
          log.delete();
          this.phase = { kind: 'deleted', offline: this.offlineReason() };
          return null;
        });
      },
      housekeeping: () => {
        this.housekeepingTimer = this.schedule(this.args.housekeepingIntervalMs, { op: 'housekeeping' });
        if (this.cleanerFailure !== null) throw this.cleanerFailure;
        if (this.phase.kind !== 'serving') return null;
        this.maintain(() => leader.housekeeping(ctx.nowMs()));
        for (const path of this.retiredFiles) this.fs.unlink(path);
        this.retiredFiles = log.takeDeletedFiles();
        this.startCleaning();
        return null;
      },
      cleanerStep: () => {
        const step = this.cleanerStep;
        this.cleanerStep = null;
        step?.resolve();
        return null;
      },
      ...dataHandlers(host),
      ...replicationHandlers(host),
    };
  }
}

/** The factory the runtime spawns on an io thread (args arrive as msgpack). */
export const partitionActor: ActorFactory = (args, recovery, ctx) => new PartitionActor(args as PartitionActorArgs, recovery, ctx);
