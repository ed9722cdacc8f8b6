import { reply, type ActorFactory } from '../../core/actors/actor.js';
import { LogCleaner, dirtySection } from '../../core/log/log-cleaner.js';
import type { LogConfig } from '../../core/log/log-config.js';
import { BoundedFileSystem } from '../../core/log/bounded-file-system.js';
import type { LogFileSystem } from '../../core/log/log-file-system.js';
import { NodeFileSystem } from '../../core/log/node-file-system.js';
import { PartitionLog } from '../../core/log/partition-log.js';
import { PartitionLeader, errorCodeOf, type LeaderSettings, type PartitionLeadership } from '../../core/partition/partition-leader.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { batchViews } from '../../core/protocol/record-batch-header.js';
import type { AppendOrigin, RecordError } from '../../core/protocol/records/record-validator.js';
import { handleReplication } from './partition-replication.js';
import type { ReplicationRequest } from './replication-messages.js';

/**
 * The partition leader as an actor on an io thread: it owns the partition's
 * PartitionLog (opened with NodeFileSystem on that thread) and answers the
 * replica manager's asks. Produced batches arrive as ring payloads and fetched
 * batches leave as reply payloads; bodies are small msgpack objects whose
 * offsets are numbers (exact below 2^53).
 */
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

export type PartitionRequest =
  | { readonly op: 'append'; readonly acks: number; readonly origin?: AppendOrigin }
  /** WriteTxnMarkers; the producer id travels as a decimal string. */
  | { readonly op: 'marker'; readonly producerId: string; readonly producerEpoch: number; readonly committed: boolean; readonly coordinatorEpoch: number }
  | { readonly op: 'read'; readonly fetchOffset: number; readonly maxBytes: number; readonly isolationLevel: number; readonly minOneMessage: boolean }
  | { readonly op: 'listOffset'; readonly timestamp: number; readonly isolationLevel: number }
  | { readonly op: 'deleteRecords'; readonly offset: number }
  | { readonly op: 'leadership'; readonly leadership: PartitionLeadership }
  | { readonly op: 'settings'; readonly logConfig: LogConfig; readonly settings: LeaderSettings }
  | { readonly op: 'offsets' }
  | { readonly op: 'producers' }
  | { readonly op: 'flush' }
  | { readonly op: 'delete' }
  | { readonly op: 'housekeeping' }
  | ReplicationRequest;

/** Where the partition stands; every reply carries it so the main thread's view stays current. */
export interface PartitionState {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
  /** The high watermark held back by the earliest open transaction (read_committed reads stop there). */
  readonly lastStableOffset: number;
  readonly recoveryPoint: number;
  /** The cleaner's first dirty offset (cleaner-offset-checkpoint), or null while the log was never cleaned. */
  readonly cleanerOffset: number | null;
  readonly sizeBytes: number;
  readonly leaderEpoch: number;
  /** Why the partition went offline (its first storage failure), or null while it is healthy. */
  readonly offline: string | null;
  /** Whether this replica leads the partition (else it follows). */
  readonly isLeader: boolean;
  /** The maximal ISR is below min.insync.replicas: an acks=all produce the high watermark passes gets NOT_ENOUGH_REPLICAS_AFTER_APPEND. */
  readonly notEnoughReplicasAfterAppend: boolean;
}

export interface AppendReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly logAppendTimeMs: number;
  readonly recordCount: number;
  readonly bytes: number;
  /** Produce v8+ record_errors, when records made the batch invalid. */
  readonly recordErrors?: readonly RecordError[];
}

export interface ReadReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly lastStableOffset: number;
  /** read_committed: [producerId (decimal), firstOffset] of each transaction aborted in the range. */
  readonly abortedTransactions?: ReadonlyArray<readonly [string, number]>;
}

export interface ListOffsetReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number;
}

export interface ProducersReply {
  readonly state: PartitionState;
  readonly producers: ReadonlyArray<{ producerId: string; producerEpoch: number; lastSequence: number; lastTimestampMs: number; coordinatorEpoch: number; currentTxnStartOffset: string }>;
}

export interface DeleteRecordsReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly lowWatermark: number;
}

/** The last offset of `records` if it holds batches and none has a record (all emptied by compaction), else null. */
function lastOffsetIfAllEmpty(records: Buffer): bigint | null {
  let last: bigint | null = null;
  for (const view of batchViews(records, { allowPartialTail: true })) {
    if (view.recordsCount > 0) return null;
    last = view.lastOffset;
  }
  return last;
}

/** Whether the maximal ISR is below min.insync.replicas (asked at the high watermark, which it always passes). */
function acksAllShortOfReplicas(leader: PartitionLeader): boolean {
  const check = leader.checkEnoughReplicasReachOffset(leader.highWatermark);
  return check.done && check.errorCode !== ErrorCode.NONE;
}

export const partitionActor: ActorFactory = (rawArgs, recovery) => {
  const args = rawArgs as PartitionActorArgs;
  const fs = fileSystemFor(args.maxOpenFiles);
  const clock = { nowMs: () => Date.now() };
  const log = PartitionLog.open({
    dir: args.logDir,
    topic: args.topic,
    partition: args.partition,
    config: args.logConfig,
    fs,
    clock,
    // After a restart by the supervisor the checkpoints may be stale: recover everything.
    ...(args.recoveryPoint !== undefined && recovery.restarts === 0 ? { recoveryPoint: BigInt(args.recoveryPoint) } : {}),
    ...(args.logStartOffset !== undefined ? { logStartOffset: BigInt(args.logStartOffset) } : {}),
  });
  const leader = new PartitionLeader(log, args.brokerId, args.leadership, args.settings, fs, clock.nowMs());
  let housekeepingTimer: number | null = null;
  let deleted = false;
  /** Files of segments deleted by retention or DeleteRecords, unlinked one housekeeping round later (Kafka's file.delete.delay.ms). */
  let retiredFiles: string[] = [];
  /**
   * Set by the first KAFKA_STORAGE_ERROR (a full or failing disk). As Kafka
   * takes a failed log dir offline, the partition then answers every data
   * request with KAFKA_STORAGE_ERROR, even ones it could answer from memory,
   * and stops its housekeeping, until the broker restarts and recovers it.
   */
  let offline: string | null = null;
  let firstDirtyOffset = args.cleanerOffset === undefined ? undefined : BigInt(args.cleanerOffset);
  /** Set by delete and stop: the round in progress gives up at its next step, before the log goes. */
  let closing = false;
  const cleaner = new LogCleaner({
    fs,
    clock,
    dedupeBufferBytes: CLEANER_ROUND_BUFFER_BYTES,
    yieldToAppends: () => new Promise((resolve, reject) => setImmediate(() => (closing ? reject(new Error('the partition is closing')) : resolve()))),
  });
  /** The round this partition waits for or runs; null when none. */
  let cleaning: Promise<void> | null = null;
  /** A cleaner bug, thrown by the next housekeeping so the actor fails and restarts as it would for its own. */
  let cleanerFailure: unknown = null;
  const noteFailure = (errorCode: number, reason: string): void => {
    if (errorCode === ErrorCode.KAFKA_STORAGE_ERROR) offline ??= reason;
  };
  /** Runs housekeeping or a flush; a storage failure takes the partition offline instead of failing the actor. */
  const maintain = (work: () => unknown): void => {
    try {
      work();
    } catch (error) {
      if (errorCodeOf(error) !== ErrorCode.KAFKA_STORAGE_ERROR) throw error;
      offline ??= (error as Error).message;
    }
  };

  const state = (): PartitionState => ({
    logStartOffset: Number(log.logStartOffset),
    logEndOffset: Number(log.logEndOffset),
    highWatermark: Number(leader.highWatermark),
    lastStableOffset: Number(leader.lastStableOffset),
    recoveryPoint: Number(log.recoveryPoint),
    cleanerOffset: firstDirtyOffset === undefined ? null : Number(firstDirtyOffset),
    sizeBytes: log.size,
    leaderEpoch: leader.leaderEpoch,
    offline,
    isLeader: leader.isLeader,
    notEnoughReplicasAfterAppend: acksAllShortOfReplicas(leader),
  });

  /** One bounded round below the high watermark when the dirty section is due (Kafka's LogCleanerManager choice, per log). */
  const cleanRound = async (): Promise<void> => {
    if (closing || offline !== null) return;
    const upTo = leader.highWatermark;
    const section = dirtySection(log, firstDirtyOffset, upTo, clock.nowMs());
    if (!section.due) return;
    const round = await cleaner.clean(log, upTo, section.firstDirtyOffset);
    if (round.endOffset !== null) firstDirtyOffset = round.endOffset;
  };

  /** Queues a round on this thread's cleaner unless one is pending; appends and reads run between its steps. */
  const startCleaning = (): void => {
    if (args.cleanerEnabled === false || !log.logConfig.cleanupPolicy.compact || cleaning !== null) return;
    const round = cleanerTurn.then(cleanRound).catch((error: unknown) => {
      if (closing) return;
      if (errorCodeOf(error) === ErrorCode.KAFKA_STORAGE_ERROR) offline ??= (error as Error).message;
      else cleanerFailure = error;
    });
    cleanerTurn = round;
    cleaning = round.finally(() => {
      cleaning = null;
    });
  };

  const refusedAppend = (reason: string): AppendReply => ({ state: state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: reason, baseOffset: -1, lastOffset: -1, logAppendTimeMs: -1, recordCount: 0, bytes: 0 });

  const appendReply = (result: Awaited<ReturnType<PartitionLeader['append']>>): AppendReply => {
    noteFailure(result.errorCode, result.errorMessage ?? 'an append failed');
    return {
      state: state(),
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      baseOffset: Number(result.baseOffset),
      lastOffset: Number(result.lastOffset),
      logAppendTimeMs: Number(result.logAppendTimeMs),
      recordCount: result.recordCount,
      bytes: result.bytes,
      ...(result.recordErrors === undefined ? {} : { recordErrors: result.recordErrors }),
    };
  };

  return {
    // Appends read the batch (and write its offsets in place) before receive returns; the log keeps no reference.
    borrowsPayload: true,
    // Synchronous unless the work is: a promise makes the host run this actor's next message one event-loop turn later.
    receive({ body, payload }, ctx) {
      const request = body as PartitionRequest;
      housekeepingTimer ??= ctx.schedule(args.housekeepingIntervalMs, { op: 'housekeeping' });
      switch (request.op) {
        case 'append': {
          if (offline !== null) {
            return refusedAppend(offline);
          }
          const records = payload === undefined ? Buffer.alloc(0) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
          const nowMs = ctx.nowMs();
          const origin = request.origin ?? 'client';
          const result = leader.appendSync(records, nowMs, request.acks, origin);
          // The payload is borrowed (see borrowsPayload): the recompressing path outlives this call, so it takes a copy.
          return result !== null ? appendReply(result) : leader.append(Buffer.from(records), nowMs, request.acks, origin).then(appendReply);
        }
        case 'marker': {
          if (offline !== null) {
            return refusedAppend(offline);
          }
          return appendReply(leader.appendMarker({ producerId: BigInt(request.producerId), producerEpoch: request.producerEpoch, committed: request.committed, coordinatorEpoch: request.coordinatorEpoch }, ctx.nowMs()));
        }
        case 'read': {
          if (offline !== null) return { state: state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, lastStableOffset: -1 } satisfies ReadReply;
          const options = { isolationLevel: request.isolationLevel, minOneMessage: request.minOneMessage };
          let result = leader.read(BigInt(request.fetchOffset), request.maxBytes, options);
          // Our cleaner keeps a segment's last batch, emptied, where Kafka's drops it: an answer of only such
          // batches would stall kafkajs (it refetches the same offset), so the read goes on past them.
          for (let next = lastOffsetIfAllEmpty(result.records); next !== null && result.errorCode === ErrorCode.NONE && next + 1n < leader.highWatermark; next = lastOffsetIfAllEmpty(result.records)) {
            result = leader.read(next + 1n, request.maxBytes, options);
          }
          noteFailure(result.errorCode, 'a read failed');
          const aborted = result.abortedTransactions?.map((a) => [a.producerId.toString(), Number(a.firstOffset)] as const);
          const answer: ReadReply = { state: state(), errorCode: result.errorCode, lastStableOffset: Number(result.lastStableOffset), ...(aborted === undefined ? {} : { abortedTransactions: aborted }) };
          // The read's buffer is this reply's alone: a large one moves to the asking thread uncopied.
          return result.records.length > 0 ? reply(answer, result.records, { transfer: true }) : answer;
        }
        case 'listOffset': {
          if (offline !== null) return { state: state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, offset: -1, timestamp: -1, leaderEpoch: -1 } satisfies ListOffsetReply;
          return leader.listOffset(BigInt(request.timestamp), request.isolationLevel).then((result): ListOffsetReply => {
            noteFailure(result.errorCode, 'an offset lookup failed');
            return {
              state: state(),
              errorCode: result.errorCode,
              offset: Number(result.offset),
              timestamp: Number(result.timestamp),
              leaderEpoch: result.leaderEpoch,
            };
          });
        }
        case 'deleteRecords': {
          if (offline !== null) return { state: state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, lowWatermark: -1 } satisfies DeleteRecordsReply;
          const result = leader.deleteRecordsBefore(BigInt(request.offset));
          noteFailure(result.errorCode, 'deleting records failed');
          const answer: DeleteRecordsReply = { state: state(), errorCode: result.errorCode, lowWatermark: Number(result.lowWatermark) };
          return answer;
        }
        case 'leadership':
          leader.updateLeadership(request.leadership, ctx.nowMs());
          return state();
        case 'settings':
          log.updateConfig(request.logConfig);
          leader.updateSettings(request.settings);
          return state();
        case 'offsets':
          return state();
        case 'producers': {
          // Ids and offsets as decimal strings (msgpack bodies).
          const producers = leader.describeProducers().map((p) => ({ ...p, producerId: p.producerId.toString(), currentTxnStartOffset: p.currentTxnStartOffset.toString() }));
          return { state: state(), producers } satisfies ProducersReply;
        }
        case 'flush':
          if (offline === null) maintain(() => log.flush());
          return state();
        case 'delete':
          deleted = true;
          closing = true;
          // The cleaner may hold a .cleaned file in the partition dir: it stops first.
          return (cleaning ?? Promise.resolve()).then(() => {
            log.delete();
            return null;
          });
        case 'housekeeping':
          housekeepingTimer = ctx.schedule(args.housekeepingIntervalMs, { op: 'housekeeping' });
          if (cleanerFailure !== null) throw cleanerFailure;
          if (deleted || offline !== null) return null;
          maintain(() => leader.housekeeping(ctx.nowMs()));
          for (const path of retiredFiles) fs.unlink(path);
          retiredFiles = log.takeDeletedFiles();
          startCleaning();
          return null;
        default: {
          const records = payload === undefined ? undefined : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
          return handleReplication(request, { partition: leader, nowMs: ctx.nowMs(), payload: records, offline, state, noteFailure });
        }
      }
    },
    async stop() {
      closing = true;
      await cleaning;
      // A clean close writes a producer snapshot, the indexes and the clean-shutdown marker, so the next start skips recovery and replay.
      // An offline partition closes without them where the disk refuses: the next start recovers it.
      if (!deleted) {
        if (offline === null) leader.writeProducerSnapshot();
        maintain(() => log.close());
      }
    },
  };
};
