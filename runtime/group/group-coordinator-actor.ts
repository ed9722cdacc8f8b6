/**
 * The actor that runs the pure GroupCoordinator of one __consumer_offsets
 * partition on the main thread: it loads the partition, feeds requests and
 * the real clock to the state machine, appends the records each result
 * carries, and only then hands out the replies (persist, then answer).
 * A failed append throws: the supervisor rebuilds the actor, which reloads
 * its state from the log, as Kafka's coordinator runtime does. A storage
 * failure instead leaves the coordinator offline with its partition (see
 * `offline` below).
 */
import { randomUUID } from 'node:crypto';
import type { Actor, ActorContext, ActorFactory, ActorMessage } from '../../core/actors/actor.js';
import type {
  CoordinatorResult,
  DescribedGroup,
  HeartbeatRequest,
  JoinGroupRequest,
  LeaveGroupRequest,
  ListGroupsRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetDeleteRequest,
  OffsetFetchRequest,
  OffsetFetchResponse,
  Reply,
  RequestRef,
  SyncGroupRequest,
  TxnOffsetCommitRequest,
} from '../../core/group/group-api.js';
import { GroupCoordinator, type GroupCoordinatorConfig } from '../../core/group/group-coordinator.js';
import { decodeGroupRecord, encodeGroupRecord } from '../../core/group/group-record-codec.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { buildUncompressedRecordBatch } from '../../core/protocol/records/record-batch-builder.js';
import { batchRecords } from '../../core/protocol/records/record-iterator.js';
import { ControlRecordType, parseControlRecordKey } from '../../core/protocol/records/control-batch.js';
import { admitCoordinatorMessage } from '../coordinator/coordinator-actor-preamble.js';
import { DeadlineTimer } from '../coordinator/deadline-timer.js';
import type { Logger } from '../logger.js';
import { coordinatorErrorForFailedAppend, isStorageFailure, loadCoordinatorPartition, type ConsumerOffsetsLog } from './consumer-offsets-log.js';

/** Requests that write (their replies come through the outbox, maybe later). */
export type CoordinatorWrite =
  | { api: 'JoinGroup'; request: JoinGroupRequest }
  | { api: 'SyncGroup'; request: SyncGroupRequest }
  | { api: 'Heartbeat'; request: HeartbeatRequest }
  | { api: 'LeaveGroup'; request: LeaveGroupRequest }
  | { api: 'OffsetCommit'; request: OffsetCommitRequest }
  | { api: 'TxnOffsetCommit'; request: TxnOffsetCommitRequest }
  | { api: 'OffsetDelete'; request: OffsetDeleteRequest }
  | { api: 'DeleteGroups'; groupIds: string[] };

/** Requests answered from the state at once (the ask's reply). */
export type CoordinatorRead =
  | { api: 'OffsetFetch'; request: OffsetFetchRequest }
  | { api: 'ListGroups'; request: ListGroupsRequest }
  | { api: 'DescribeGroups'; groupIds: string[] };

export type CoordinatorReadResult = OffsetFetchResponse | ListGroupsResponse | DescribedGroup[];

export type CoordinatorMessage =
  | { op: 'load' }
  | { op: 'loaded'; incarnation: number; error?: string }
  | { op: 'appendFailed'; incarnation: number }
  | { op: 'tick' }
  | { op: 'write'; ref: RequestRef; call: CoordinatorWrite }
  /** A transaction marker was written (and committed) to this partition. */
  | { op: 'txnCompleted'; producerId: bigint; committed: boolean }
  | { op: 'read'; call: CoordinatorRead };

/** Where replies go: the service that holds the requests waiting for them. */
export interface CoordinatorOutbox {
  deliver(partition: number, reply: Reply): void;
  /** The coordinator of `partition` failed or restarted: replies it owed will never come, the requests get `errorCode`. */
  abandon(partition: number, errorCode: number): void;
}

export interface GroupCoordinatorActorDeps {
  readonly config: Omit<GroupCoordinatorConfig, 'partition' | 'memberIdSuffix'>;
  /** offsets.commit.timeout.ms: how long an append may wait for the in-sync replicas. */
  readonly offsetsCommitTimeoutMs: number;
  readonly log: ConsumerOffsetsLog;
  readonly outbox: CoordinatorOutbox;
  readonly logger: Logger;
}

/** A batch is flushed early past this many key/value bytes, well under __consumer_offsets' max.message.bytes. */
const MAX_BATCH_BYTES = 512 * 1024;
/** Tells this process's actor incarnations apart, so that late messages of a replaced one are ignored. */
let nextIncarnation = 1;

export function groupCoordinatorActor(deps: GroupCoordinatorActorDeps): ActorFactory {
  return (args, recovery) => {
    const { partition } = args as { partition: number };
    // Requests a previous incarnation held (waiting joins and syncs) are lost with its state.
    if (recovery.restarts > 0) deps.outbox.abandon(partition, ErrorCode.NOT_COORDINATOR);
    return new GroupCoordinatorActor(partition, deps);
  };
}

class GroupCoordinatorActor implements Actor {
  private readonly coordinator: GroupCoordinator;
  /**
   * 'offline': an append failed with KAFKA_STORAGE_ERROR, so the partition is
   * offline until the broker restarts and a reload could never finish (it
   * would leave clients retrying COORDINATOR_LOAD_IN_PROGRESS forever). As
   * Kafka's coordinator after a failed write, it keeps the state of its
   * acknowledged writes: reads (OffsetFetch shows committed offsets only)
   * are still answered, every write gets NOT_COORDINATOR at once.
   */
  private loadState: 'unloaded' | 'loading' | 'loaded' | 'offline' = 'unloaded';
  private stopped = false;
  private readonly timer = new DeadlineTimer();
  /** The replies handed out so far, in order; false once an append failed. */
  private answered: Promise<boolean> = Promise.resolve(true);
  private appendFailure: Error | null = null;
  /** What this turn of the event loop produced, flushed as one batch. */
  private pendingRecords: Array<{ key: Buffer; value: Buffer | null; timestamp: number }> = [];
  private pendingReplies: Reply[] = [];
  private pendingBytes = 0;
  /** Set while the pending records are one transaction's (TxnOffsetCommit). */
  private pendingTransactional: { producerId: bigint; producerEpoch: number } | null = null;
  private flushScheduled = false;
  private readonly incarnation = nextIncarnation++;

  constructor(
    private readonly partition: number,
    private readonly deps: GroupCoordinatorActorDeps,
  ) {
    this.coordinator = new GroupCoordinator({ ...deps.config, partition, memberIdSuffix: randomUUID });
  }

  receive(message: ActorMessage, ctx: ActorContext): unknown {
    const body = message.body as CoordinatorMessage;
    if (!admitCoordinatorMessage(body, this.incarnation, this.loadState === 'unloaded', () => this.startLoading(ctx))) return undefined;
    const nowMs = ctx.nowMs();
    switch (body.op) {
      case 'appendFailed':
        if (this.appendFailure !== null && isStorageFailure(this.appendFailure)) {
          this.goOffline(ctx, this.appendFailure);
          return undefined;
        }
        // The supervisor rebuilds us and the new incarnation reloads what the log really holds.
        throw this.appendFailure ?? new Error('append failed');
      case 'loaded':
        if (body.error !== undefined) throw new Error(`loading __consumer_offsets-${this.partition} failed: ${body.error}`);
        this.loadState = 'loaded';
        this.complete(this.coordinator.completeLoad(nowMs), ctx);
        this.deps.logger.info(`Group coordinator for __consumer_offsets-${this.partition} loaded`);
        return undefined;
      case 'tick':
        this.timer.fired();
        if (this.loadState === 'offline') return undefined;
        this.complete(this.coordinator.poll(nowMs), ctx);
        return undefined;
      case 'write': {
        if (this.loadState === 'offline') {
          this.deps.outbox.abandon(this.partition, ErrorCode.NOT_COORDINATOR);
          return undefined;
        }
        const due = this.loadState === 'loaded' ? this.coordinator.poll(nowMs) : { records: [], replies: [] };
        const result = this.write(body.ref, body.call, nowMs);
        if (result.transactional !== undefined) {
          // A transaction's offsets keep their own batch.
          this.complete(due, ctx);
          this.complete(result, ctx);
          return undefined;
        }
        this.complete({ records: [...due.records, ...result.records], replies: [...due.replies, ...result.replies] }, ctx);
        return undefined;
      }
      case 'read': {
        if (this.loadState === 'loaded') this.complete(this.coordinator.poll(nowMs), ctx);
        return this.read(body.call);
      }
      case 'txnCompleted':
        // Loading meets the marker in the log instead.
        if (this.loadState === 'loaded') this.coordinator.completeTransaction(body.producerId, body.committed);
        return undefined;
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private goOffline(ctx: ActorContext, failure: Error): void {
    this.loadState = 'offline';
    this.timer.cancel(ctx);
    // Writes handed out after the failed one never reach the log: their requests are told now.
    this.deps.outbox.abandon(this.partition, ErrorCode.NOT_COORDINATOR);
    this.deps.logger.error(`Group coordinator for __consumer_offsets-${this.partition} refuses writes (NOT_COORDINATOR) until the broker restarts: ${failure.message}`);
  }

  private write(ref: RequestRef, call: CoordinatorWrite, nowMs: number): CoordinatorResult {
    const c = this.coordinator;
    switch (call.api) {
      case 'JoinGroup':
        return c.joinGroup(ref, call.request, nowMs);
      case 'SyncGroup':
        return c.syncGroup(ref, call.request, nowMs);
      case 'Heartbeat':
        return c.heartbeat(ref, call.request, nowMs);
      case 'LeaveGroup':
        return c.leaveGroup(ref, call.request, nowMs);
      case 'OffsetCommit':
        return c.offsetCommit(ref, call.request, nowMs);
      case 'TxnOffsetCommit':
        return c.txnOffsetCommit(ref, call.request, nowMs);
      case 'OffsetDelete':
        return c.offsetDelete(ref, call.request, nowMs);
      case 'DeleteGroups':
        return c.deleteGroups(ref, call.groupIds, nowMs);
    }
  }

  private read(call: CoordinatorRead): CoordinatorReadResult {
    switch (call.api) {
      case 'OffsetFetch':
        return this.coordinator.offsetFetch(call.request);
      case 'ListGroups':
        return this.coordinator.listGroups(call.request);
      case 'DescribeGroups':
        return this.coordinator.describeGroups(call.groupIds);
    }
  }

  /**
   * Persist, then answer. The records of the results handled in one turn of
   * the event loop go out as one batch (Kafka's coordinator batches its
   * writes the same way), without waiting for earlier appends (the partition
   * keeps their order), so a burst of commits costs one append; replies leave
   * in order once their batch and every earlier one are committed. After a
   * failed append nothing more is answered: the actor restarts and reloads.
   */
  private complete(result: CoordinatorResult, ctx: ActorContext): void {
    if (result.transactional !== undefined) {
      // A transaction's offsets go in a batch of their own, marked with its producer (the markers end it).
      this.flush(ctx);
      this.pendingTransactional = result.transactional;
      this.complete({ records: result.records, replies: result.replies }, ctx);
      this.flush(ctx);
      return;
    }
    if (result.records.length > 0) {
      const timestamp = ctx.nowMs();
      for (const record of result.records) {
        const encoded = { ...encodeGroupRecord(record), timestamp };
        this.pendingRecords.push(encoded);
        this.pendingBytes += encoded.key.length + (encoded.value?.length ?? 0);
      }
    }
    this.pendingReplies.push(...result.replies);
    if (this.pendingBytes >= MAX_BATCH_BYTES) this.flush(ctx);
    else if (!this.flushScheduled && (this.pendingRecords.length > 0 || this.pendingReplies.length > 0)) {
      this.flushScheduled = true;
      setImmediate(() => this.flush(ctx));
    }
    this.timer.arm(ctx, this.coordinator.nextDeadlineMs());
  }

  private flush(ctx: ActorContext): void {
    this.flushScheduled = false;
    const records = this.pendingRecords;
    const replies = this.pendingReplies;
    if (records.length === 0 && replies.length === 0) return;
    const transactional = this.pendingTransactional;
    this.pendingRecords = [];
    this.pendingReplies = [];
    this.pendingBytes = 0;
    this.pendingTransactional = null;
    if (this.loadState === 'offline') {
      this.deps.outbox.abandon(this.partition, ErrorCode.NOT_COORDINATOR);
      return;
    }
    // A coordinator's transactional batch has no sequence (Kafka's NO_SEQUENCE): the producer's epoch still fences it.
    const batch = buildUncompressedRecordBatch({ records, ...(transactional === null ? {} : { ...transactional, baseSequence: -1, isTransactional: true }) });
    const append = records.length > 0 ? this.deps.log.append(this.partition, batch, this.deps.offsetsCommitTimeoutMs) : null;
    // Handled below, in order; this only keeps an early rejection from counting as unhandled.
    append?.catch(() => undefined);
    // Every write handed out so far is in this batch or an earlier one.
    const mark = this.coordinator.lastWrittenMark();
    const self = ctx.self;
    this.answered = this.answered.then(async (ok) => {
      if (!ok) return false;
      try {
        await append;
      } catch (error) {
        this.appendFailure = error instanceof Error ? error : new Error(String(error));
        // Every reply still owed is lost with this incarnation's state: say why now, as Kafka answers a failed write.
        this.deps.outbox.abandon(this.partition, coordinatorErrorForFailedAppend(this.appendFailure));
        ctx.tell(self, { op: 'appendFailed', incarnation: this.incarnation } satisfies CoordinatorMessage);
        return false;
      }
      // Before the replies leave: a client that sees its commit acknowledged can read it back.
      this.coordinator.committedUpTo(mark);
      for (const reply of replies) this.deps.outbox.deliver(this.partition, reply);
      return true;
    });
  }


  /**
   * Replays the partition outside the mailbox, so that requests meanwhile get
   * COORDINATOR_LOAD_IN_PROGRESS from the state machine (which changes nothing
   * while loading); completeLoad then runs as a message of its own.
   */
  private startLoading(ctx: ActorContext): void {
    this.loadState = 'loading';
    const self = ctx.self;
    void this.replayPartition().then(
      () => void ctx.send(self, { op: 'loaded', incarnation: this.incarnation } satisfies CoordinatorMessage).catch(() => undefined),
      (error: unknown) => void ctx.send(self, { op: 'loaded', incarnation: this.incarnation, error: String(error) } satisfies CoordinatorMessage).catch(() => undefined),
    );
  }

  /**
   * Replays the partition up to the high watermark, and on until the high
   * watermark has passed everything appended before the load began: a batch
   * whose append timed out (the in-sync replicas were late) may still be
   * committed after it, and a load that stopped at the high watermark would
   * miss it while the next load replays it, so an offset answered
   * COORDINATOR_NOT_AVAILABLE could reappear after a failover. Kafka's loader
   * reads to the log end for the same reason.
   */
  private async replayPartition(): Promise<void> {
    await loadCoordinatorPartition(this.deps.log, this.partition, () => this.stopped, async (view) => {
      if (view.isControl) {
        // A transaction's marker settles the offsets its TxnOffsetCommit wrote before it.
        const marker = view.isTransactional ? (await batchRecords(view)).next() : null;
        if (marker?.done === false) {
          const type = parseControlRecordKey(marker.value.key).type;
          if (type === ControlRecordType.commit || type === ControlRecordType.abort) this.coordinator.completeTransaction(view.producerId, type === ControlRecordType.commit);
        }
        return;
      }
      for (const record of await batchRecords(view)) {
        if (record.key === null) continue;
        const decoded = this.decode(record.key, record.value, record.offset);
        if (decoded === null) continue;
        if (view.isTransactional) this.coordinator.replayTransactional(view.producerId, decoded);
        else this.coordinator.replay(decoded);
      }
    });
  }

  private decode(key: Buffer, value: Buffer | null, offset: bigint): ReturnType<typeof decodeGroupRecord> {
    try {
      return decodeGroupRecord(key, value);
    } catch (error) {
      // One unreadable record must not keep every group of the partition unavailable.
      this.deps.logger.warn(`Skipping unreadable record at __consumer_offsets-${this.partition}@${offset}: ${String(error)}`);
      return null;
    }
  }
}
