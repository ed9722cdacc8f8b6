/**
 * The transaction coordinator of one __transaction_state partition, as a pure
 * state machine in the shape of Kafka's TransactionCoordinator and
 * TransactionStateManager: each handler takes the request and `nowMs` and
 * returns `{ records, markers, response }`. State changes only by applying a
 * TransactionLogValue record, the same code whether a handler just wrote it or
 * `replay` loads it. The runtime appends the records, then (once they are
 * committed) answers and writes the markers to the transaction's partitions;
 * when every marker is written it calls `markersWritten`, whose record
 * completes the transaction. Nothing here reads a clock: timeouts
 * (transaction.timeout.ms, transactional.id.expiration.ms) fire in `poll`.
 */
import { ErrorCode } from '../protocol/generated/error-codes.js';
import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  DescribedTransaction,
  EndTxnRequest,
  EndTxnResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ListTransactionsRequest,
  ListTransactionsResponse,
  TopicPartitions,
  TxnMarkerRequest,
  TxnResult,
} from './transaction-api.js';
import type { TransactionLogValue, TransactionRecord } from './transaction-records.js';
import { isComplete, isPrepared, TransactionState, transactionStateName, transactionStateOf, type TransactionStateId } from './transaction-state.js';

export interface TransactionCoordinatorConfig {
  /** transaction.max.timeout.ms: the longest transaction.timeout.ms a producer may ask for. */
  transactionMaxTimeoutMs: number;
  /** transactional.id.expiration.ms: an id idle (not in a transaction) this long is forgotten. */
  transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  removeExpiredTransactionalIdsIntervalMs: number;
}

/** Kafka's defaults. */
export const defaultTransactionCoordinatorConfig: TransactionCoordinatorConfig = {
  transactionMaxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 604_800_000,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
};

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
/** Kafka bumps to a new producer id once the epoch reaches Short.MAX_VALUE - 1. */
const MAX_PRODUCER_EPOCH = 0x7fff - 1;

/** What the coordinator knows of one transactional id (Kafka's TransactionMetadata). */
export interface TransactionMetadata {
  readonly transactionalId: string;
  producerId: bigint;
  previousProducerId: bigint;
  nextProducerId: bigint;
  producerEpoch: number;
  /** The epoch before the last bump, so a retried InitProducerId or EndTxn is recognised (not persisted, as in Kafka). */
  lastProducerEpoch: number;
  transactionTimeoutMs: number;
  state: TransactionStateId;
  partitions: Map<string, Set<number>>;
  transactionStartTimestampMs: number;
  transactionLastUpdateTimestampMs: number;
  clientTransactionVersion: number;
}

function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_PRODUCER_EPOCH;
}

function topicsOf(partitions: Map<string, Set<number>>): TopicPartitions[] {
  return [...partitions]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, set]) => ({ topic, partitions: [...set].sort((a, b) => a - b) }));
}

function emptyResult<R>(response: R): TxnResult<R> {
  return { records: [], markers: [], response };
}

const ABORT_TIMED_OUT_KEY = 'abort-timed-out';
const EXPIRE_IDS_KEY = 'expire-transactional-ids';

export class TransactionCoordinator {
  private readonly transactions = new Map<string, TransactionMetadata>();
  private loading = true;
  private readonly deadlines = new Map<string, number>();

  constructor(readonly config: TransactionCoordinatorConfig) {}

  // ---- loading ------------------------------------------------------------

  /** Loads one record of this partition, in log order, before completeLoad. */
  replay(record: TransactionRecord): void {
    if (!this.loading) throw new Error('replay after completeLoad: handler results are already applied');
    this.apply(record);
  }

  /**
   * Ends loading. Transactions found prepared lost their markers with the
   * previous coordinator: they are sent again (markers are idempotent).
   */
  completeLoad(nowMs: number): TxnResult {
    this.loading = false;
    const out = emptyResult(undefined);
    for (const meta of this.transactions.values()) if (isPrepared(meta.state)) out.markers.push(this.markerOf(meta));
    this.deadlines.set(ABORT_TIMED_OUT_KEY, nowMs + this.config.abortTimedOutTransactionsIntervalMs);
    this.deadlines.set(EXPIRE_IDS_KEY, nowMs + this.config.removeExpiredTransactionalIdsIntervalMs);
    return out;
  }

  get isLoading(): boolean {
    return this.loading;
  }

  /** The only way state changes. */
  private apply(record: TransactionRecord): void {
    const id = record.key.transactionalId;
    const v = record.value;
    if (v === null) {
      this.transactions.delete(id);
      return;
    }
    const previous = this.transactions.get(id);
    const partitions = new Map<string, Set<number>>();
    for (const t of v.transactionPartitions ?? []) partitions.set(t.topic, new Set(t.partitionIds));
    const bumped = previous !== undefined && (previous.producerId !== v.producerId || previous.producerEpoch !== v.producerEpoch);
    this.transactions.set(id, {
      transactionalId: id,
      producerId: v.producerId,
      previousProducerId: v.previousProducerId,
      nextProducerId: v.nextProducerId,
      producerEpoch: v.producerEpoch,
      lastProducerEpoch: bumped && previous.producerId === v.producerId ? previous.producerEpoch : (previous?.lastProducerEpoch ?? NO_PRODUCER_EPOCH),
      transactionTimeoutMs: v.transactionTimeoutMs,
      state: v.transactionStatus as TransactionStateId,
      partitions,
      transactionStartTimestampMs: Number(v.transactionStartTimestampMs),
      transactionLastUpdateTimestampMs: Number(v.transactionLastUpdateTimestampMs),
      clientTransactionVersion: v.clientTransactionVersion,
    });
  }

  /** Writes (applies and returns) a record of `meta` changed by `change`. */
  private write(out: TxnResult<unknown>, meta: TransactionMetadata | undefined, transactionalId: string, change: Partial<TransactionLogValue>, nowMs: number): TransactionMetadata {
    const value: TransactionLogValue = {
      producerId: meta?.producerId ?? NO_PRODUCER_ID,
      previousProducerId: meta?.previousProducerId ?? NO_PRODUCER_ID,
      nextProducerId: meta?.nextProducerId ?? NO_PRODUCER_ID,
      producerEpoch: meta?.producerEpoch ?? NO_PRODUCER_EPOCH,
      transactionTimeoutMs: meta?.transactionTimeoutMs ?? 0,
      transactionStatus: meta?.state ?? TransactionState.Empty,
      transactionPartitions: meta === undefined ? null : topicsOf(meta.partitions).map((t) => ({ topic: t.topic, partitionIds: t.partitions })),
      transactionLastUpdateTimestampMs: BigInt(nowMs),
      transactionStartTimestampMs: BigInt(meta?.transactionStartTimestampMs ?? -1),
      clientTransactionVersion: meta?.clientTransactionVersion ?? 0,
      ...change,
    };
    // As Kafka writes them: no partitions in Empty, an emptied set once complete.
    if (value.transactionStatus === TransactionState.Empty) value.transactionPartitions = null;
    const record: TransactionRecord = { key: { transactionalId }, value };
    out.records.push(record);
    this.apply(record);
    return this.transactions.get(transactionalId)!;
  }

  // ---- reads --------------------------------------------------------------

  transaction(transactionalId: string): Readonly<TransactionMetadata> | undefined {
    return this.transactions.get(transactionalId);
  }

  get transactionCount(): number {
    return this.transactions.size;
  }

  describeTransactions(transactionalIds: readonly string[]): DescribedTransaction[] {
    return transactionalIds.map((transactionalId) => {
      const meta = this.transactions.get(transactionalId);
      const errorCode = this.loading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : meta === undefined ? ErrorCode.TRANSACTIONAL_ID_NOT_FOUND : ErrorCode.NONE;
      if (meta === undefined || errorCode !== ErrorCode.NONE) {
        return { errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
      }
      return {
        errorCode,
        transactionalId,
        transactionState: transactionStateName(meta.state),
        transactionTimeoutMs: meta.transactionTimeoutMs,
        transactionStartTimeMs: BigInt(meta.transactionStartTimestampMs),
        producerId: meta.producerId,
        producerEpoch: meta.producerEpoch,
        topics: topicsOf(meta.partitions),
      };
    });
  }

  listTransactions(request: ListTransactionsRequest, nowMs: number): ListTransactionsResponse {
    const states = new Set<number>();
    const unknownStateFilters: string[] = [];
    for (const name of request.stateFilters) {
      const state = transactionStateOf(name);
      if (state === undefined) unknownStateFilters.push(name);
      else states.add(state);
    }
    const producerIds = new Set(request.producerIdFilters);
    const transactionStates: ListTransactionsResponse['transactionStates'] = [];
    for (const meta of this.transactions.values()) {
      if (request.stateFilters.length > 0 && !states.has(meta.state)) continue;
      if (producerIds.size > 0 && !producerIds.has(meta.producerId)) continue;
      if (request.durationFilterMs >= 0n && (meta.state !== TransactionState.Ongoing || BigInt(nowMs - meta.transactionStartTimestampMs) <= request.durationFilterMs)) continue;
      transactionStates.push({ transactionalId: meta.transactionalId, producerId: meta.producerId, transactionState: transactionStateName(meta.state) });
    }
    return { unknownStateFilters, transactionStates };
  }

  // ---- InitProducerId -----------------------------------------------------

  initProducerId(request: InitProducerIdRequest, nowMs: number): TxnResult<InitProducerIdResponse> {
    const fail = (errorCode: number): TxnResult<InitProducerIdResponse> => emptyResult({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (request.transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (request.transactionTimeoutMs <= 0 || request.transactionTimeoutMs > this.config.transactionMaxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    if (this.loading) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const out = emptyResult<InitProducerIdResponse>({ errorCode: ErrorCode.NONE, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    const meta = this.transactions.get(request.transactionalId);
    if (meta === undefined) {
      const created = this.write(out, undefined, request.transactionalId, {
        producerId: request.producerIdCandidate,
        producerEpoch: 0,
        transactionTimeoutMs: request.transactionTimeoutMs,
        transactionStatus: TransactionState.Empty,
      }, nowMs);
      out.response = { errorCode: ErrorCode.NONE, producerId: created.producerId, producerEpoch: created.producerEpoch };
      return out;
    }
    const expectsId = request.producerId !== NO_PRODUCER_ID;
    // KIP-360: a producer naming an id must hold this transactional id's current one (or the previous, right after an exhausting bump).
    if (expectsId && request.producerId !== meta.producerId && !(request.producerId === meta.previousProducerId && isEpochExhausted(request.producerEpoch))) {
      return fail(ErrorCode.PRODUCER_FENCED);
    }
    switch (meta.state) {
      case TransactionState.PrepareCommit:
      case TransactionState.PrepareAbort:
      case TransactionState.PrepareEpochFence:
      case TransactionState.Dead:
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      case TransactionState.Ongoing:
        // The open transaction is aborted under a bumped epoch, which fences its producer; the client retries and gets the epoch after it.
        this.fenceAndAbort(meta, nowMs, out);
        out.response = { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
        return out;
      case TransactionState.Empty:
      case TransactionState.CompleteCommit:
      case TransactionState.CompleteAbort: {
        if (expectsId && request.producerId === meta.producerId && request.producerEpoch !== meta.producerEpoch) {
          // A retry of a bump whose answer was lost gets the same epoch again; anything else is a zombie.
          if (request.producerEpoch === meta.lastProducerEpoch) return emptyResult({ errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch });
          return fail(ErrorCode.PRODUCER_FENCED);
        }
        const change: Partial<TransactionLogValue> = isEpochExhausted(meta.producerEpoch)
          ? { producerId: request.producerIdCandidate, previousProducerId: meta.producerId, producerEpoch: 0 }
          : { producerEpoch: meta.producerEpoch + 1, previousProducerId: NO_PRODUCER_ID };
        const bumped = this.write(out, meta, meta.transactionalId, {
          ...change,
          nextProducerId: NO_PRODUCER_ID,
          transactionTimeoutMs: request.transactionTimeoutMs,
          transactionStatus: TransactionState.Empty,
          transactionStartTimestampMs: -1n,
        }, nowMs);
        out.response = { errorCode: ErrorCode.NONE, producerId: bumped.producerId, producerEpoch: bumped.producerEpoch };
        return out;
      }
    }
  }

  // ---- AddPartitionsToTxn / AddOffsetsToTxn -------------------------------

  /** AddPartitionsToTxn; AddOffsetsToTxn is the same call for the group's __consumer_offsets partition. */
  addPartitionsToTxn(request: AddPartitionsToTxnRequest, nowMs: number): TxnResult<AddPartitionsToTxnResponse> {
    const fail = (errorCode: number): TxnResult<AddPartitionsToTxnResponse> => emptyResult({ errorCode, notInTransaction: [] });
    const checked = this.checkProducer(request.transactionalId, request.producerId, request.producerEpoch);
    if (typeof checked === 'number') return fail(checked);
    const meta = checked;
    if (request.verifyOnly) {
      // KIP-890 part 1: a partition leader asks before appending a transactional batch.
      const notInTransaction = request.topics
        .map((t) => ({ topic: t.topic, partitions: t.partitions.filter((p) => meta.state !== TransactionState.Ongoing || meta.partitions.get(t.topic)?.has(p) !== true) }))
        .filter((t) => t.partitions.length > 0);
      return emptyResult({ errorCode: notInTransaction.length > 0 ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE, notInTransaction });
    }
    if (isPrepared(meta.state) || meta.state === TransactionState.PrepareEpochFence) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    const out = emptyResult<AddPartitionsToTxnResponse>({ errorCode: ErrorCode.NONE, notInTransaction: [] });
    const ongoing = meta.state === TransactionState.Ongoing;
    const partitions = new Map<string, Set<number>>(ongoing ? [...meta.partitions].map(([t, s]) => [t, new Set(s)]) : []);
    let added = false;
    for (const { topic, partitions: ids } of request.topics) {
      let set = partitions.get(topic);
      if (set === undefined) partitions.set(topic, (set = new Set()));
      for (const id of ids) {
        if (!set.has(id)) added = true;
        set.add(id);
      }
    }
    // Nothing new in an ongoing transaction: nothing to write (a retry).
    if (ongoing && !added) return out;
    if (partitions.size === 0) return fail(ErrorCode.INVALID_REQUEST);
    this.write(out, meta, meta.transactionalId, {
      transactionStatus: TransactionState.Ongoing,
      transactionPartitions: topicsOf(partitions).map((t) => ({ topic: t.topic, partitionIds: t.partitions })),
      transactionStartTimestampMs: BigInt(ongoing ? meta.transactionStartTimestampMs : nowMs),
    }, nowMs);
    return out;
  }

  /** The guards every client call after InitProducerId shares: loaded, known id, same producer, current epoch. */
  private checkProducer(transactionalId: string, producerId: bigint, producerEpoch: number): TransactionMetadata | number {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    if (this.loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    const meta = this.transactions.get(transactionalId);
    if (meta === undefined || meta.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (meta.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return meta;
  }

  // ---- EndTxn -------------------------------------------------------------

  endTxn(request: EndTxnRequest, nowMs: number): TxnResult<EndTxnResponse> {
    const fail = (errorCode: number): TxnResult<EndTxnResponse> => emptyResult({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    const tv2 = request.transactionVersion2;
    const meta = this.transactions.get(request.transactionalId);
    // KIP-890: a retried EndTxn v5 carries the epoch from before its own bump.
    if (tv2 && meta !== undefined && !this.loading && meta.producerId === request.producerId && request.producerEpoch === meta.producerEpoch - 1 && meta.lastProducerEpoch === request.producerEpoch) {
      const sameEnd = request.committed
        ? meta.state === TransactionState.PrepareCommit || meta.state === TransactionState.CompleteCommit
        : meta.state === TransactionState.PrepareAbort || meta.state === TransactionState.CompleteAbort;
      // A commit of a transaction its fence aborted is a fenced producer's.
      return sameEnd ? emptyResult({ errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch }) : fail(ErrorCode.PRODUCER_FENCED);
    }
    const checked = this.checkProducer(request.transactionalId, request.producerId, request.producerEpoch);
    if (typeof checked === 'number') return fail(checked);
    const current = checked;
    const ok = (): TxnResult<EndTxnResponse> => emptyResult({ errorCode: ErrorCode.NONE, producerId: current.producerId, producerEpoch: current.producerEpoch });
    switch (current.state) {
      case TransactionState.Ongoing: {
        const out = emptyResult<EndTxnResponse>({ errorCode: ErrorCode.NONE, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
        const prepared = this.prepareEnd(current, request.committed, tv2, request.producerIdCandidate, nowMs, out);
        out.response = { errorCode: ErrorCode.NONE, producerId: prepared.nextProducerId !== NO_PRODUCER_ID ? prepared.nextProducerId : prepared.producerId, producerEpoch: prepared.nextProducerId !== NO_PRODUCER_ID ? 0 : prepared.producerEpoch };
        return out;
      }
      case TransactionState.CompleteCommit:
      case TransactionState.CompleteAbort:
      case TransactionState.Empty:
        // KIP-890: aborting with nothing open still bumps the epoch, so an abortable error can always be recovered.
        if (tv2 && !request.committed) {
          const out = emptyResult<EndTxnResponse>({ errorCode: ErrorCode.NONE, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
          const prepared = this.prepareEnd(current, false, true, request.producerIdCandidate, nowMs, out);
          const done = this.complete(prepared, nowMs, out);
          out.response = { errorCode: ErrorCode.NONE, producerId: done.producerId, producerEpoch: done.producerEpoch };
          return out;
        }
        // Transaction version 1: a retry of the end that already happened.
        if (current.state === (request.committed ? TransactionState.CompleteCommit : TransactionState.CompleteAbort)) return ok();
        return fail(ErrorCode.INVALID_TXN_STATE);
      case TransactionState.PrepareCommit:
        return fail(request.committed ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      case TransactionState.PrepareAbort:
        return fail(request.committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
      case TransactionState.PrepareEpochFence:
      case TransactionState.Dead:
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
  }

  /**
   * Ongoing → PrepareCommit/PrepareAbort, with the markers to write. Under
   * transaction version 2 the epoch is bumped here (a new producer id once
   * exhausted, taken at completion), so no batch of this transaction can
   * join the next one.
   */
  private prepareEnd(meta: TransactionMetadata, committed: boolean, bumpEpoch: boolean, producerIdCandidate: bigint, nowMs: number, out: TxnResult<unknown>): TransactionMetadata {
    const change: Partial<TransactionLogValue> = {};
    if (bumpEpoch) {
      if (isEpochExhausted(meta.producerEpoch)) change.nextProducerId = producerIdCandidate;
      else change.producerEpoch = meta.producerEpoch + 1;
      change.clientTransactionVersion = 2;
    }
    const prepared = this.write(out, meta, meta.transactionalId, { ...change, transactionStatus: committed ? TransactionState.PrepareCommit : TransactionState.PrepareAbort }, nowMs);
    if (prepared.partitions.size > 0) out.markers.push(this.markerOf(prepared));
    return prepared;
  }

  /** The epoch bump of a fence (a new producer taking over, a timeout), then the abort under that epoch. */
  private fenceAndAbort(meta: TransactionMetadata, nowMs: number, out: TxnResult<unknown>): void {
    // PrepareEpochFence lives only here: the bumped epoch is written with PrepareAbort in one record.
    const fenced = this.write(out, meta, meta.transactionalId, {
      producerEpoch: isEpochExhausted(meta.producerEpoch) ? meta.producerEpoch : meta.producerEpoch + 1,
      transactionStatus: TransactionState.PrepareAbort,
    }, nowMs);
    out.markers.push(this.markerOf(fenced));
  }

  private markerOf(meta: TransactionMetadata): TxnMarkerRequest {
    return {
      transactionalId: meta.transactionalId,
      producerId: meta.producerId,
      producerEpoch: meta.producerEpoch,
      committed: meta.state === TransactionState.PrepareCommit,
      topics: topicsOf(meta.partitions),
    };
  }

  /**
   * Every marker of the transaction prepared under `producerId`/`producerEpoch`
   * is written: it completes (PrepareCommit → CompleteCommit, PrepareAbort →
   * CompleteAbort). A report about an older transaction changes nothing.
   */
  markersWritten(transactionalId: string, producerId: bigint, producerEpoch: number, nowMs: number): TxnResult {
    const out = emptyResult(undefined);
    const meta = this.transactions.get(transactionalId);
    if (this.loading || meta === undefined || !isPrepared(meta.state) || meta.producerId !== producerId || meta.producerEpoch !== producerEpoch) return out;
    this.complete(meta, nowMs, out);
    return out;
  }

  private complete(meta: TransactionMetadata, nowMs: number, out: TxnResult<unknown>): TransactionMetadata {
    const rotate = meta.nextProducerId !== NO_PRODUCER_ID;
    return this.write(out, meta, meta.transactionalId, {
      transactionStatus: meta.state === TransactionState.PrepareCommit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort,
      transactionPartitions: [],
      ...(rotate ? { producerId: meta.nextProducerId, previousProducerId: meta.producerId, nextProducerId: NO_PRODUCER_ID, producerEpoch: 0 } : {}),
    }, nowMs);
  }

  // ---- timers -------------------------------------------------------------

  nextDeadlineMs(): number | null {
    let next: number | null = null;
    for (const deadline of this.deadlines.values()) if (next === null || deadline < next) next = deadline;
    return next;
  }

  /**
   * Aborts transactions open longer than their transaction.timeout.ms (under
   * a bumped epoch, so their producer is fenced) and forgets transactional ids
   * idle for transactional.id.expiration.ms, each on its own interval.
   */
  poll(nowMs: number): TxnResult {
    const out = emptyResult(undefined);
    if (this.loading) return out;
    const abortAt = this.deadlines.get(ABORT_TIMED_OUT_KEY)!;
    if (abortAt <= nowMs) {
      for (const meta of [...this.transactions.values()]) {
        if (meta.state === TransactionState.Ongoing && meta.transactionStartTimestampMs + meta.transactionTimeoutMs < nowMs) this.fenceAndAbort(meta, nowMs, out);
      }
      this.deadlines.set(ABORT_TIMED_OUT_KEY, nowMs + this.config.abortTimedOutTransactionsIntervalMs);
    }
    const expireAt = this.deadlines.get(EXPIRE_IDS_KEY)!;
    if (expireAt <= nowMs) {
      for (const meta of [...this.transactions.values()]) {
        if (isComplete(meta.state) && meta.transactionLastUpdateTimestampMs + this.config.transactionalIdExpirationMs <= nowMs) {
          const record: TransactionRecord = { key: { transactionalId: meta.transactionalId }, value: null };
          out.records.push(record);
          this.apply(record);
        }
      }
      this.deadlines.set(EXPIRE_IDS_KEY, nowMs + this.config.removeExpiredTransactionalIdsIntervalMs);
    }
    return out;
  }
}
