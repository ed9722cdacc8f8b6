/**
 * The actor that runs the pure TransactionCoordinator of one
 * __transaction_state partition on the main thread: it loads the partition,
 * feeds requests and the clock to the state machine, appends the records of
 * each result and only then answers (persist, then answer) and writes the
 * result's markers. Requests are asks handled one at a time: each waits for
 * its own append, which keeps the state machine and the log in the same
 * order. A failed append answers its request with Kafka's code for a failed
 * write and restarts the actor, which reloads from the log (the markers of
 * transactions it finds prepared are written again).
 */
import type { Actor, ActorContext, ActorFactory, ActorMessage } from '../../core/actors/actor.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { buildUncompressedRecordBatch } from '../../core/protocol/records/record-batch-builder.js';
import { batchRecords } from '../../core/protocol/records/record-iterator.js';
import type {
  AddPartitionsToTxnRequest,
  DescribedTransaction,
  EndTxnRequest,
  InitProducerIdRequest,
  ListTransactionsRequest,
  ListTransactionsResponse,
  TxnMarkerRequest,
  TxnResult,
} from '../../core/txn/transaction-api.js';
import { TransactionCoordinator, type TransactionCoordinatorConfig } from '../../core/txn/transaction-coordinator.js';
import { decodeTransactionRecord, encodeTransactionRecord } from '../../core/txn/transaction-records.js';
import { coordinatorErrorForFailedAppend, loadCoordinatorPartition, type ConsumerOffsetsLog } from '../group/consumer-offsets-log.js';
import { admitCoordinatorMessage } from '../coordinator/coordinator-actor-preamble.js';
import { DeadlineTimer } from '../coordinator/deadline-timer.js';
import type { Logger } from '../logger.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** Requests that may write; answered once their records are committed. */
export type TxnCall =
  | { api: 'InitProducerId'; request: InitProducerIdRequest }
  | { api: 'AddPartitionsToTxn'; request: AddPartitionsToTxnRequest }
  | { api: 'EndTxn'; request: EndTxnRequest };

export type TxnRead = { api: 'DescribeTransactions'; transactionalIds: string[] } | { api: 'ListTransactions'; request: ListTransactionsRequest };

export type TxnMessage =
  | { op: 'load' }
  | { op: 'loaded'; incarnation: number; error?: string }
  | { op: 'appendFailed'; incarnation: number; error: string }
  | { op: 'tick' }
  | { op: 'markersWritten'; transactionalId: string; producerId: bigint; producerEpoch: number }
  | { op: 'call'; call: TxnCall }
  | { op: 'read'; read: TxnRead };

/** What each call answers: its response, or a code for every field when its write failed. */
export type TxnCallResult = { response: unknown } | { failed: number };

/** Writes a transaction's markers to its partitions, retrying until each is written (or its partition is gone). */
export interface TxnMarkerWriter {
  write(marker: TxnMarkerRequest, coordinatorEpoch: number, stopped: () => boolean): Promise<void>;
}

export interface TransactionCoordinatorActorDeps {
  readonly config: TransactionCoordinatorConfig;
  /** How long an append may wait for the in-sync replicas (Kafka's transaction.state.log write timeout: offsets.commit.timeout.ms's counterpart). */
  readonly appendTimeoutMs: number;
  readonly log: ConsumerOffsetsLog;
  readonly markers: TxnMarkerWriter;
  /** The partition's leader epoch, written into markers as the coordinator epoch. */
  readonly coordinatorEpoch: (partition: number) => number;
  /** A transaction began (its first partition or offsets added), once that is committed. */
  readonly onTransactionStarted?: () => void;
  readonly logger: Logger;
}

let nextIncarnation = 1;

export function transactionCoordinatorActor(deps: TransactionCoordinatorActorDeps): ActorFactory {
  return (args) => new TransactionCoordinatorActor((args as { partition: number }).partition, deps);
}

class TransactionCoordinatorActor implements Actor {
  private readonly coordinator: TransactionCoordinator;
  private loadState: 'unloaded' | 'loading' | 'loaded' = 'unloaded';
  private stopped = false;
  /** An append failed: the state machine is ahead of the log, so nothing more is answered from it. */
  private failed = false;
  private readonly timer = new DeadlineTimer();
  private readonly incarnation = nextIncarnation++;

  constructor(
    private readonly partition: number,
    private readonly deps: TransactionCoordinatorActorDeps,
  ) {
    this.coordinator = new TransactionCoordinator(deps.config);
  }

  async receive(message: ActorMessage, ctx: ActorContext): Promise<unknown> {
    const body = message.body as TxnMessage;
    if (!admitCoordinatorMessage(body, this.incarnation, this.loadState === 'unloaded', () => this.startLoading(ctx))) return undefined;
    const nowMs = ctx.nowMs();
    switch (body.op) {
      case 'appendFailed':
        throw new Error(`appending to ${TRANSACTION_STATE_TOPIC}-${this.partition} failed: ${body.error}`);
      case 'loaded':
        if (body.error !== undefined) throw new Error(`loading ${TRANSACTION_STATE_TOPIC}-${this.partition} failed: ${body.error}`);
        this.loadState = 'loaded';
        await this.persist(this.coordinator.completeLoad(nowMs), ctx);
        this.deps.logger.info(`Transaction coordinator for ${TRANSACTION_STATE_TOPIC}-${this.partition} loaded (${this.coordinator.transactionCount} transactional ids)`);
        return undefined;
      case 'tick':
        this.timer.fired();
        if (this.loadState === 'loaded' && !this.failed) await this.persist(this.coordinator.poll(nowMs), ctx);
        return undefined;
      case 'markersWritten':
        if (this.loadState === 'loaded' && !this.failed) await this.persist(this.coordinator.markersWritten(body.transactionalId, body.producerId, body.producerEpoch, nowMs), ctx);
        return undefined;
      case 'call': {
        if (this.failed) return { failed: ErrorCode.NOT_COORDINATOR } satisfies TxnCallResult;
        if (this.loadState === 'loaded') await this.persist(this.coordinator.poll(nowMs), ctx);
        const wasOngoing = this.isOngoing(body.call);
        const result = this.call(body.call, nowMs);
        const failure = await this.persist(result, ctx);
        if (failure === null && !wasOngoing && this.isOngoing(body.call)) this.deps.onTransactionStarted?.();
        return (failure === null ? { response: result.response } : { failed: failure }) satisfies TxnCallResult;
      }
      case 'read':
        return this.read(body.read, nowMs);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private call(call: TxnCall, nowMs: number): TxnResult<unknown> {
    switch (call.api) {
      case 'InitProducerId':
        return this.coordinator.initProducerId(call.request, nowMs);
      case 'AddPartitionsToTxn':
        return this.coordinator.addPartitionsToTxn(call.request, nowMs);
      case 'EndTxn':
        return this.coordinator.endTxn(call.request, nowMs);
    }
  }

  /** Whether the transactional id of an AddPartitionsToTxn call has an ongoing transaction (a verify-only one never starts one). */
  private isOngoing(call: TxnCall): boolean {
    if (call.api !== 'AddPartitionsToTxn' || call.request.verifyOnly) return true;
    return this.coordinator.describeTransactions([call.request.transactionalId])[0]?.transactionState === 'Ongoing';
  }

  private read(read: TxnRead, nowMs: number): DescribedTransaction[] | ListTransactionsResponse {
    switch (read.api) {
      case 'DescribeTransactions':
        return this.coordinator.describeTransactions(read.transactionalIds);
      case 'ListTransactions':
        return this.coordinator.listTransactions(read.request, nowMs);
    }
  }

  /**
   * Appends the result's records and waits for them to be committed, then
   * starts writing its markers. Returns null, or the code the request gets
   * when the write failed (the actor then restarts and reloads).
   */
  private async persist(result: TxnResult<unknown>, ctx: ActorContext): Promise<number | null> {
    if (result.records.length > 0) {
      const timestamp = ctx.nowMs();
      const records = result.records.map((record) => ({ ...encodeTransactionRecord(record), timestamp }));
      try {
        await this.deps.log.append(this.partition, buildUncompressedRecordBatch({ records }), this.deps.appendTimeoutMs);
      } catch (error) {
        this.failed = true;
        ctx.tell(ctx.self, { op: 'appendFailed', incarnation: this.incarnation, error: String(error) } satisfies TxnMessage);
        return coordinatorErrorForFailedAppend(error instanceof Error ? error : new Error(String(error)));
      }
    }
    for (const marker of result.markers) this.writeMarkers(marker, ctx);
    this.timer.arm(ctx, this.coordinator.nextDeadlineMs());
    return null;
  }

  private writeMarkers(marker: TxnMarkerRequest, ctx: ActorContext): void {
    const self = ctx.self;
    void this.deps.markers.write(marker, this.deps.coordinatorEpoch(this.partition), () => this.stopped).then(
      () => {
        if (this.stopped) return;
        const done: TxnMessage = { op: 'markersWritten', transactionalId: marker.transactionalId, producerId: marker.producerId, producerEpoch: marker.producerEpoch };
        void ctx.send(self, done).catch(() => undefined);
      },
      (error: unknown) => this.deps.logger.error(`Writing the markers of ${marker.transactionalId} failed`, error),
    );
  }


  /** Replays the partition outside the mailbox; requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS from the state machine. */
  private startLoading(ctx: ActorContext): void {
    this.loadState = 'loading';
    const self = ctx.self;
    const loaded = (error?: string): void => void ctx.send(self, { op: 'loaded', incarnation: this.incarnation, ...(error === undefined ? {} : { error }) } satisfies TxnMessage).catch(() => undefined);
    void this.replayPartition().then(
      () => loaded(),
      (error: unknown) => loaded(String(error)),
    );
  }

  private async replayPartition(): Promise<void> {
    await loadCoordinatorPartition(this.deps.log, this.partition, () => this.stopped, async (view) => {
      if (view.isControl) return;
      for (const record of await batchRecords(view)) {
        if (record.key === null) continue;
        try {
          this.coordinator.replay(decodeTransactionRecord(record.key, record.value));
        } catch (error) {
          // One unreadable record must not keep every transactional id of the partition unavailable.
          this.deps.logger.warn(`Skipping unreadable record at ${TRANSACTION_STATE_TOPIC}-${this.partition}@${record.offset}: ${String(error)}`);
        }
      }
    });
  }
}
