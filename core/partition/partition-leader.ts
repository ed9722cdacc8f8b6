import type { LogFileSystem } from '../log/log-file-system.js';
import type { PartitionLog } from '../log/partition-log.js';
import { LogError, type LogErrorKind } from '../log/log-error.js';
import { TransactionIndex } from '../log/transaction-index.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { ProtocolError } from '../protocol/protocol-error.js';
import { BATCH_HEADER_SIZE, BatchField, batchViews, Compression, CURRENT_MAGIC, RecordBatchView, type CompressionCodec } from '../protocol/record-batch-header.js';
import { recompressRecords } from '../protocol/records/recompress-batch.js';
import { validateBatch, validateBatchRecords, validateBatchSync } from '../protocol/records/batch-validator.js';
import type { AppendOrigin, InvalidRecords, RecordError } from '../protocol/records/record-validator.js';
import { recordRules } from './record-rules.js';
import { buildEndTxnMarkerBatch } from '../protocol/records/control-batch.js';
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS, ProducerStateManager, type ProducerBatch } from './producer-state.js';
import { applyLoggedBatch, rebuildProducerState, type ProducerStateReplay } from './producer-state-loader.js';
import { divergingEpoch, type EpochEndOffset, type EpochSource } from './follower-truncation.js';
import { ReplicaTracker, type AcksAllCheck, type IsrChangeOutcome, type IsrProposal } from './replica-tracker.js';
import { deleteProducerSnapshots, readLatestProducerSnapshot, removeStrayProducerSnapshots, syncProducerSnapshots, writeProducerSnapshot } from './producer-state-snapshot.js';
import { PartitionTransactions } from './transaction-state.js';

/** ListOffsets special timestamps (Kafka's ListOffsetsRequest constants). */
export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;
export const MAX_TIMESTAMP = -3n;

export const IsolationLevel = { readUncommitted: 0, readCommitted: 1 } as const;

/** compression.type: `producer` keeps what the producer sent; a codec name recompresses on append. */
export type TopicCompressionType = 'producer' | 'uncompressed' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const codecOfCompressionType: Record<Exclude<TopicCompressionType, 'producer'>, CompressionCodec> = {
  uncompressed: Compression.none,
  gzip: Compression.gzip,
  snappy: Compression.snappy,
  lz4: Compression.lz4,
  zstd: Compression.zstd,
};

export interface PartitionLeadership {
  readonly leaderEpoch: number;
  /** The partition's replicas (broker ids) and in-sync replicas, as the metadata image says. */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** The leader's broker id (absent: this broker leads). */
  readonly leaderId?: number;
  /** The controller's partition epoch (AlterPartition fencing); 0 when absent. */
  readonly partitionEpoch?: number;
}

export interface LeaderSettings {
  readonly compressionType: TopicCompressionType;
  /** min.insync.replicas: acks=-1 needs at least this many in-sync replicas. */
  readonly minInsyncReplicas: number;
  /** producer.id.expiration.ms (Kafka's default when absent). */
  readonly producerIdExpirationMs?: number;
}

export interface AppendResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  /** -1 on error. */
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly logAppendTimeMs: bigint;
  readonly logStartOffset: bigint;
  /** Records and bytes appended (0 for errors and duplicates). */
  readonly recordCount: number;
  readonly bytes: number;
  /** Produce v8+ record_errors: the records that made the batch invalid. */
  readonly recordErrors?: readonly RecordError[];
}

export interface ReadResult {
  readonly errorCode: number;
  readonly records: Buffer;
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  /** read_committed: the transactions aborted in the range read (null under read_uncommitted). */
  readonly abortedTransactions?: ReadonlyArray<{ producerId: bigint; firstOffset: bigint }> | null;
}

export interface ProducerDescription {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestampMs: number;
  readonly coordinatorEpoch: number;
  readonly currentTxnStartOffset: bigint;
}

/** WriteTxnMarkers: the end of a producer's transaction on this partition. */
export interface TxnMarker {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
}

export interface ListOffsetResult {
  readonly errorCode: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly leaderEpoch: number;
}

/** Where a partition stands, for the replica manager (fetch sizes, purgatory checks, metrics). */
export interface PartitionOffsets {
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  readonly highWatermark: bigint;
  readonly sizeBytes: number;
}

/**
 * The leader of one partition: validates produced batches (magic 2, CRC,
 * max.message.bytes, idempotent producer sequences), appends them to its
 * PartitionLog, keeps the high watermark (the smallest log end offset over
 * the ISR) and serves reads up to it. Time comes in as `nowMs`; it holds no
 * timer and does no I/O besides the log it is given.
 */
export class PartitionLeader {
  private readonly producers = new ProducerStateManager();
  /** The followers' fetch state, the high watermark and the ISR decisions (used while this broker leads). */
  readonly replicaTracker: ReplicaTracker;
  /** Ongoing transactions (the last stable offset) and aborted ones (the .txnindex). */
  readonly transactions: PartitionTransactions;
  /** Offsets of snapshots written at rolls, synced by the next housekeeping before the rolled segments. */
  private unsyncedSnapshots: bigint[] = [];
  private leadership: PartitionLeadership;
  /** What the open replayed to rebuild the producers (how far a snapshot spared it). */
  readonly producerStateReplay: ProducerStateReplay;

  constructor(
    readonly log: PartitionLog,
    readonly localBrokerId: number,
    leadership: PartitionLeadership,
    private settings: LeaderSettings,
    /** Where producer snapshots are read and written (the log's file system); without it the log is always replayed. */
    private readonly snapshotFs?: LogFileSystem,
    nowMs = 0,
  ) {
    this.leadership = leadership;
    // A retry of a batch appended before a restart must still be found a duplicate.
    if (snapshotFs !== undefined) removeStrayProducerSnapshots(snapshotFs, log.dir, log.segmentBaseOffsets);
    this.transactions = new PartitionTransactions(snapshotFs === undefined ? TransactionIndex.inMemory() : TransactionIndex.load(snapshotFs, log.dir, log.segmentBaseOffsets));
    // Aborts indexed past what recovery kept are gone with their markers.
    this.transactions.truncateFrom(log.logEndOffset);
    this.producerStateReplay = this.reloadProducerState(trustedSnapshotEnd(log));
    log.onRoll((baseOffset) => this.saveProducerSnapshot(baseOffset, false));
    // On open only what is on disk is known; a leader alone in its ISR has everything committed.
    this.replicaTracker = new ReplicaTracker(localBrokerId, isrLeadership(leadership), { leaderLogEndOffset: log.logEndOffset, highWatermark: log.logStartOffset, nowMs });
    this.maybeAdvanceHighWatermark();
  }

  private get hw(): bigint {
    return this.replicaTracker.highWatermark;
  }
  get highWatermark(): bigint {
    return this.hw;
  }
  get isLeader(): boolean {
    return (this.leadership.leaderId ?? this.localBrokerId) === this.localBrokerId;
  }
  /** The high watermark, held back by the earliest ongoing transaction. */
  get lastStableOffset(): bigint {
    return this.transactions.lastStableOffset(this.hw);
  }
  get leaderEpoch(): number {
    return this.leadership.leaderEpoch;
  }
  get isr(): readonly number[] {
    return this.replicaTracker.isr;
  }

  offsets(): PartitionOffsets {
    return { logStartOffset: this.log.logStartOffset, logEndOffset: this.log.logEndOffset, highWatermark: this.hw, sizeBytes: this.log.size };
  }

  /**
   * A new image of the partition. The new epoch enters the leader-epoch cache
   * with its first batch: until then the previous epoch ends at the log end,
   * which answers diverging followers the same.
   */
  updateLeadership(leadership: PartitionLeadership, nowMs = 0): void {
    this.leadership = leadership;
    this.replicaTracker.updateLeadership(isrLeadership(leadership), this.log.logEndOffset, nowMs);
    this.maybeAdvanceHighWatermark();
  }

  updateSettings(settings: LeaderSettings): void {
    this.settings = settings;
  }

  /** A follower fetched from `fetchOffset`: everything below it is on that follower. Returns an ISR expansion to propose. */
  updateFollowerEndOffset(replicaId: number, fetchOffset: bigint, nowMs = 0): IsrProposal | null {
    const proposal = this.replicaTracker.onFollowerFetch(replicaId, fetchOffset, this.log.logEndOffset, nowMs);
    this.maybeAdvanceHighWatermark();
    return proposal;
  }

  /** min.insync.replicas is checked for acks=-1 before anything is appended. */
  hasEnoughReplicasForAcksAll(): boolean {
    return this.replicaTracker.hasEnoughReplicasForAcksAll(this.settings.minInsyncReplicas);
  }

  /** The leader's epochs as truncation reads them (OffsetsForLeaderEpoch, Fetch's diverging epoch). */
  get epochs(): EpochSource {
    const log = this.log;
    return {
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      latestEpoch: log.leaderEpochs.latestEpoch,
      endOffsetFor: (epoch) => log.leaderEpochs.endOffsetFor(epoch, log.logEndOffset),
    };
  }

  /**
   * A follower's fetch (Kafka's Partition.fetchRecords for a replica): the
   * diverging epoch when its last fetched epoch does not match this log
   * (KIP-320), else its fetch state is updated (the high watermark may move,
   * an ISR expansion may be proposed) and the batches from `fetchOffset` read
   * without the high-watermark bound.
   */
  readForFollower(
    replicaId: number,
    fetchOffset: bigint,
    lastFetchedEpoch: number,
    maxBytes: number,
    nowMs: number,
    into?: Buffer,
  ): ReadResult & { divergingEpoch: EpochEndOffset | null; proposal: IsrProposal | null } {
    const diverging = divergingEpoch(this.epochs, lastFetchedEpoch, fetchOffset);
    if (diverging !== null) {
      const offsets = { highWatermark: this.hw, lastStableOffset: this.lastStableOffset, logStartOffset: this.log.logStartOffset, logEndOffset: this.log.logEndOffset };
      return { ...offsets, errorCode: ErrorCode.NONE, records: EMPTY, divergingEpoch: diverging, proposal: null };
    }
    const proposal = fetchOffset <= this.log.logEndOffset ? this.updateFollowerEndOffset(replicaId, fetchOffset, nowMs) : null;
    const read = this.read(fetchOffset, maxBytes, { isolationLevel: 0, minOneMessage: true, follower: true, ...(into === undefined ? {} : { into }) });
    return { ...read, divergingEpoch: null, proposal };
  }

  /**
   * Batches fetched from the leader, appended as they are (offsets and
   * epochs kept); the producers and transactions follow them so that this
   * replica, once leader, still finds a retried batch a duplicate and has
   * the leader's LSO and aborted transactions. The high watermark
   * becomes the leader's, bounded by this log's end.
   */
  appendAsFollower(records: Buffer, leaderHighWatermark: bigint): { recordCount: number; bytes: number } {
    const info = this.log.appendAsFollower(records);
    for (const view of batchViews(records)) applyLoggedBatch(view, this.producers, this.transactions, () => this.log.activeSegment.baseOffset);
    this.updateFollowerHighWatermark(leaderHighWatermark);
    return { recordCount: info.recordCount, bytes: records.length };
  }

  /** The ISR shrink to propose, if a follower has lagged for longer than replica.lag.time.max.ms. */
  maybeShrinkIsr(nowMs: number, replicaLagTimeMaxMs: number): IsrProposal | null {
    return this.isLeader ? this.replicaTracker.maybeShrinkIsr(this.log.logEndOffset, nowMs, replicaLagTimeMaxMs) : null;
  }

  /** The controller's answer to the ISR change in flight; an ISR that shrank may let the high watermark move. */
  onIsrChangeOutcome(outcome: IsrChangeOutcome): void {
    this.replicaTracker.onIsrChangeOutcome(outcome);
    this.maybeAdvanceHighWatermark();
  }

  /** Whether an acks=all produce waiting for `requiredOffset` is done, and its answer. */
  checkEnoughReplicasReachOffset(requiredOffset: bigint): AcksAllCheck {
    return this.replicaTracker.checkEnoughReplicasReachOffset(requiredOffset, this.settings.minInsyncReplicas);
  }

  /** A follower's high watermark: the leader's, never past this log's end. */
  updateFollowerHighWatermark(leaderHighWatermark: bigint): void {
    const end = this.log.logEndOffset;
    this.replicaTracker.resetHighWatermark(leaderHighWatermark < end ? leaderHighWatermark : end);
  }

  /**
   * A produced record set of one partition (Produce v3+: exactly one magic-2
   * batch). Nothing is appended unless everything checks out; a retried
   * idempotent batch is answered with the offsets it got the first time.
   * Async only when compression.type asks for recompression.
   */
  async append(records: Buffer, nowMs: number, requiredAcks: number, origin: AppendOrigin = 'client'): Promise<AppendResult> {
    const checked = this.checkProduced(records, requiredAcks);
    if ('errorCode' in checked) return checked;
    let { view } = checked;
    const rules = recordRules(this.log, nowMs, origin);
    const target = this.targetCodec(view);
    if (target === null) {
      const invalid = await validateBatch(view, rules);
      if (invalid !== null) return this.refused(invalid);
    } else {
      // Validation decompresses the records; the recompression takes those bytes.
      const validated = await validateBatchRecords(view, rules);
      if ('errorCode' in validated) return this.refused(validated);
      try {
        view = new RecordBatchView(await recompressRecords(view, target, validated.records), 0);
      } catch (error) {
        if (error instanceof ProtocolError) return this.failed(ErrorCode.CORRUPT_MESSAGE, error.message);
        throw error;
      }
    }
    return this.appendChecked(view, checked.producer, nowMs);
  }

  /** The synchronous append when no recompression (nor async zstd decompression, on a Node without zlib zstd) is needed: the hot path. */
  appendSync(records: Buffer, nowMs: number, requiredAcks: number, origin: AppendOrigin = 'client'): AppendResult | null {
    const checked = this.checkProduced(records, requiredAcks);
    if ('errorCode' in checked) return checked;
    if (this.targetCodec(checked.view) !== null) return null;
    const invalid = validateBatchSync(checked.view, recordRules(this.log, nowMs, origin));
    if (invalid === undefined) return null;
    if (invalid !== null) return this.refused(invalid);
    return this.appendChecked(checked.view, checked.producer, nowMs);
  }

  private checkProduced(records: Buffer, requiredAcks: number): AppendResult | { view: RecordBatchView; producer: ProducerBatch } {
    if (requiredAcks === -1 && !this.hasEnoughReplicasForAcksAll()) {
      return this.failed(ErrorCode.NOT_ENOUGH_REPLICAS, `ISR ${this.leadership.isr.length} is below min.insync.replicas ${this.settings.minInsyncReplicas}`);
    }
    // As Kafka's ProduceRequest.validateRecords: v3+ carries exactly one magic-2 batch per partition.
    if (records.length < BATCH_HEADER_SIZE) return this.failed(ErrorCode.INVALID_RECORD, 'a produced partition needs one record batch');
    const view = new RecordBatchView(records, 0);
    if (records.readInt8(BatchField.magic) !== CURRENT_MAGIC) {
      return this.failed(ErrorCode.INVALID_RECORD, `record batch magic ${view.magic}: only magic 2 is accepted`);
    }
    const size = view.sizeInBytes;
    if (view.batchLength < BATCH_HEADER_SIZE - 12 || size > records.length) return this.failed(ErrorCode.CORRUPT_MESSAGE, `record batch of ${size} bytes in ${records.length}`);
    if (size !== records.length) return this.failed(ErrorCode.INVALID_RECORD, 'a produced partition must carry exactly one record batch');
    if (size > this.log.logConfig.maxMessageBytes) {
      return this.failed(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${size} bytes exceeds max.message.bytes ${this.log.logConfig.maxMessageBytes}`);
    }
    if (!view.isCrcValid()) return this.failed(ErrorCode.CORRUPT_MESSAGE, 'record batch fails its CRC');
    if (view.isControl) return this.failed(ErrorCode.INVALID_RECORD, 'clients may not produce control batches');
    const txnError = this.transactions.checkBatch(view.producerId, view.isTransactional);
    if (txnError !== null) return this.failed(txnError.errorCode, txnError.message);
    const producer: ProducerBatch = {
      producerId: view.producerId,
      producerEpoch: view.producerEpoch,
      baseSequence: view.baseSequence,
      lastOffsetDelta: view.lastOffsetDelta,
      maxTimestampMs: Number(view.maxTimestamp),
    };
    const sequence = this.producers.check(producer);
    if (sequence.kind === 'error') return this.failed(ErrorCode[sequence.error], sequence.message);
    if (sequence.kind === 'duplicate') {
      return { ...this.failed(ErrorCode.NONE, null), baseOffset: sequence.firstOffset, lastOffset: sequence.lastOffset };
    }
    return { view, producer };
  }

  private targetCodec(view: RecordBatchView): CompressionCodec | null {
    const type = this.settings.compressionType;
    if (type === 'producer') return null;
    const codec = codecOfCompressionType[type];
    return view.compression === codec ? null : codec;
  }

  private appendChecked(view: RecordBatchView, producer: ProducerBatch, nowMs: number): AppendResult {
    const batch = view.bytes();
    const logAppendTime = this.log.logConfig.messageTimestampType === 'LogAppendTime';
    try {
      const info = this.log.append(batch, this.leadership.leaderEpoch, {
        crcVerified: true,
        ...(logAppendTime ? { logAppendTimeMs: nowMs } : {}),
      });
      this.producers.record(logAppendTime ? { ...producer, maxTimestampMs: nowMs } : producer, info.firstOffset);
      this.transactions.onBatch(view, () => this.log.activeSegment.baseOffset);
      this.maybeAdvanceHighWatermark();
      return appended(info, batch.length);
    } catch (error) {
      return this.failed(errorCodeOf(error), (error as Error).message);
    }
  }

  /**
   * WriteTxnMarkers: appends the control batch that commits or aborts the
   * producer's transaction here. An older epoch than the producer's is a
   * zombie coordinator's (INVALID_PRODUCER_EPOCH); a bumped one fences the
   * producer's older epoch.
   */
  appendMarker(marker: TxnMarker, nowMs: number): AppendResult {
    const current = this.producers.entry(marker.producerId);
    if (current !== undefined && marker.producerEpoch < current.producerEpoch) {
      return this.failed(ErrorCode.INVALID_PRODUCER_EPOCH, `marker epoch ${marker.producerEpoch} is older than producer ${marker.producerId}'s ${current.producerEpoch}`);
    }
    // A coordinator that lost its partition (a newer one wrote here since) is fenced, as in Kafka.
    if (current?.coordinatorEpoch !== undefined && marker.coordinatorEpoch < current.coordinatorEpoch) {
      return this.failed(ErrorCode.TRANSACTION_COORDINATOR_FENCED, `coordinator epoch ${marker.coordinatorEpoch} is older than ${current.coordinatorEpoch}`);
    }
    const batch = buildEndTxnMarkerBatch({ type: marker.committed ? 'commit' : 'abort', producerId: marker.producerId, producerEpoch: marker.producerEpoch, coordinatorEpoch: marker.coordinatorEpoch, timestamp: nowMs });
    try {
      const info = this.log.append(batch, this.leadership.leaderEpoch, { crcVerified: true });
      this.producers.recordMarker(marker.producerId, marker.producerEpoch, marker.coordinatorEpoch, nowMs);
      this.transactions.onBatch(new RecordBatchView(batch, 0), () => this.log.activeSegment.baseOffset);
      this.maybeAdvanceHighWatermark();
      return appended(info, batch.length);
    } catch (error) {
      return this.failed(errorCodeOf(error), (error as Error).message);
    }
  }

  /**
   * Consumer (or follower, `maxOffset` null) read from `fetchOffset`: raw
   * batches, at least one whole batch when `minOneMessage`.
   */
  read(fetchOffset: bigint, maxBytes: number, options: { isolationLevel: number; minOneMessage: boolean; follower?: boolean; into?: Buffer }): ReadResult {
    const readCommitted = !options.follower && options.isolationLevel === IsolationLevel.readCommitted;
    const maxOffset = options.follower ? undefined : readCommitted ? this.lastStableOffset : this.hw;
    const abortedTransactions = readCommitted ? this.transactions.abortedTransactions(fetchOffset, maxOffset!).map(({ producerId, firstOffset }) => ({ producerId, firstOffset })) : null;
    const base = { highWatermark: this.hw, lastStableOffset: this.lastStableOffset, logStartOffset: this.log.logStartOffset, logEndOffset: this.log.logEndOffset, abortedTransactions };
    try {
      const { records } = this.log.read(fetchOffset, maxBytes, {
        minOneMessage: options.minOneMessage,
        ...(maxOffset === undefined ? {} : { maxOffset }),
        ...(options.into === undefined ? {} : { into: options.into }),
      });
      return { ...base, errorCode: ErrorCode.NONE, records };
    } catch (error) {
      return { ...base, errorCode: errorCodeOf(error), records: EMPTY };
    }
  }

  /** ListOffsets: -1 latest (HW, or LSO under read_committed), -2 earliest, -3 max timestamp, else the first offset at or after a timestamp. */
  async listOffset(timestamp: bigint, isolationLevel: number): Promise<ListOffsetResult> {
    const epochOf = (offset: bigint): number => epochForOffset(this.log, offset) ?? this.leadership.leaderEpoch;
    const found = (offset: bigint, ts: bigint): ListOffsetResult => ({ errorCode: ErrorCode.NONE, offset, timestamp: ts, leaderEpoch: epochOf(offset) });
    const notFound: ListOffsetResult = { errorCode: ErrorCode.NONE, offset: -1n, timestamp: -1n, leaderEpoch: -1 };
    try {
      if (timestamp === LATEST_TIMESTAMP) {
        return { ...found(isolationLevel === IsolationLevel.readCommitted ? this.lastStableOffset : this.hw, -1n), leaderEpoch: this.leadership.leaderEpoch };
      }
      if (timestamp === EARLIEST_TIMESTAMP) return found(this.log.logStartOffset, -1n);
      if (timestamp === MAX_TIMESTAMP) {
        const max = await this.log.offsetForMaxTimestamp();
        return max === null || max.offset >= this.hw ? notFound : found(max.offset, max.timestamp);
      }
      if (timestamp < 0n) return { ...notFound, errorCode: ErrorCode.INVALID_REQUEST };
      const at = await this.log.offsetForTimestamp(timestamp);
      return at === null || at.offset >= this.hw ? notFound : found(at.offset, at.timestamp);
    } catch (error) {
      return { ...notFound, errorCode: errorCodeOf(error) };
    }
  }

  /** DeleteRecords: -1 means up to the high watermark; beyond it is OFFSET_OUT_OF_RANGE. */
  deleteRecordsBefore(offset: bigint): { errorCode: number; lowWatermark: bigint } {
    const target = offset === -1n ? this.hw : offset;
    if (target < 0n || target > this.hw) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1n };
    try {
      this.log.deleteRecordsBefore(target);
      this.deleteSnapshotsOfDeletedSegments();
      return { errorCode: ErrorCode.NONE, lowWatermark: this.log.logStartOffset };
    } catch (error) {
      return { errorCode: errorCodeOf(error), lowWatermark: -1n };
    }
  }

  /** Background work: the roll snapshots' fsync, fdatasync when flush.ms is due, retention below the high watermark, producer.id.expiration.ms. */
  housekeeping(nowMs: number): { flushed: boolean; segmentsDeleted: number; producersExpired: number } {
    // Aborts indexed are made durable before the segments they describe are.
    this.transactions.index.sync();
    if (this.snapshotFs !== undefined && this.unsyncedSnapshots.length > 0) {
      syncProducerSnapshots(this.snapshotFs, this.log.dir, this.unsyncedSnapshots);
      this.unsyncedSnapshots = [];
    }
    const flushed = this.log.flushIfDue();
    const segmentsDeleted = this.log.deleteOldSegments(this.hw);
    if (segmentsDeleted > 0) this.deleteSnapshotsOfDeletedSegments();
    const producersExpired = this.producers.removeExpiredProducers(nowMs, this.settings.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS, (id) => this.transactions.ongoingFirstOffset(id) !== undefined);
    return { flushed, segmentsDeleted, producersExpired };
  }

  /**
   * Follower divergence (Kafka's UnifiedLog.truncateTo): the log loses its
   * tail, snapshots past the new end go and the producers are reloaded from
   * the newest one left and the batches after it.
   */
  truncateTo(offset: bigint): void {
    this.log.truncateTo(offset);
    if (this.hw > this.log.logEndOffset) this.replicaTracker.resetHighWatermark(this.log.logEndOffset);
    this.transactions.truncateFrom(this.log.logEndOffset);
    this.transactions.retainSegments(this.log.segmentBaseOffsets);
    this.reloadProducerState(this.log.logEndOffset);
  }

  /**
   * At a clean shutdown, before the log closes: the producers as of the log
   * end, so the next open need not replay the last segments. Best effort
   * (false when it could not be written: the next open replays the log).
   */
  writeProducerSnapshot(): boolean {
    return this.saveProducerSnapshot(this.log.logEndOffset, true);
  }

  /** Written at each roll (synced by the next housekeeping, as Kafka's) and durably at a clean shutdown. */
  private saveProducerSnapshot(offset: bigint, durable: boolean): boolean {
    if (this.snapshotFs === undefined) return false;
    try {
      const entries = this.producers.snapshotEntries().map((e) => {
        const currentTxnFirstOffset = this.transactions.ongoingFirstOffset(e.producerId);
        return currentTxnFirstOffset === undefined ? e : { ...e, currentTxnFirstOffset };
      });
      if (durable) this.transactions.index.sync();
      writeProducerSnapshot(this.snapshotFs, this.log.dir, { offset, entries }, { durable });
      if (!durable) this.unsyncedSnapshots.push(offset);
      return true;
    } catch (error) {
      // File-system errors (they carry an errno code) only cost the next open a replay.
      if (error instanceof Error && 'code' in error) return false;
      throw error;
    }
  }

  /**
   * Kafka's truncateAndReload: snapshots past `end` or at or below the log
   * start no longer describe the log; the newest one left is loaded and the
   * batches after it replayed.
   */
  private reloadProducerState(end: bigint): ProducerStateReplay {
    const { snapshotFs: fs, log } = this;
    if (fs === undefined) return rebuildProducerState(log, this.producers, null, this.transactions);
    deleteProducerSnapshots(fs, log.dir, (offset) => offset > end || offset <= log.logStartOffset);
    return rebuildProducerState(log, this.producers, readLatestProducerSnapshot(fs, log.dir), this.transactions);
  }

  /** Retention and DeleteRecords: a snapshot goes with the segment starting at its offset, as in Kafka. */
  private deleteSnapshotsOfDeletedSegments(): void {
    const firstBase = this.log.segmentBaseOffsets[0]!;
    this.transactions.retainSegments(this.log.segmentBaseOffsets);
    if (this.snapshotFs !== undefined) deleteProducerSnapshots(this.snapshotFs, this.log.dir, (offset) => offset < firstBase);
  }

  /** DescribeProducers: each producer this partition remembers, with its last batch and the start of its ongoing transaction (-1: none). */
  describeProducers(): ProducerDescription[] {
    return this.producers.snapshotEntries().map((e) => ({
      producerId: e.producerId,
      producerEpoch: e.producerEpoch,
      lastSequence: e.lastSequence,
      lastTimestampMs: e.timestampMs,
      coordinatorEpoch: e.coordinatorEpoch ?? -1,
      currentTxnStartOffset: this.transactions.ongoingFirstOffset(e.producerId) ?? -1n,
    }));
  }

  /** Idempotent producers this partition remembers. */
  get producerCount(): number {
    return this.producers.producerCount;
  }

  /** The high watermark only grows while leading (a leader never takes back what it exposed). */
  private maybeAdvanceHighWatermark(): void {
    if (this.isLeader) this.replicaTracker.maybeAdvanceHighWatermark(this.log.logEndOffset, this.log.logStartOffset);
  }

  private refused(invalid: InvalidRecords): AppendResult {
    return { ...this.failed(invalid.errorCode, invalid.errorMessage), recordErrors: invalid.recordErrors };
  }

  private failed(errorCode: number, errorMessage: string | null): AppendResult {
    return {
      errorCode,
      errorMessage,
      baseOffset: -1n,
      lastOffset: -1n,
      logAppendTimeMs: -1n,
      logStartOffset: this.log.logStartOffset,
      recordCount: 0,
      bytes: 0,
    };
  }
}

const EMPTY = Buffer.alloc(0);

function isrLeadership(leadership: PartitionLeadership) {
  return { leaderEpoch: leadership.leaderEpoch, partitionEpoch: leadership.partitionEpoch ?? 0, replicas: leadership.replicas, isr: leadership.isr };
}

function appended(info: { firstOffset: bigint; lastOffset: bigint; logAppendTimeMs: bigint; logStartOffset: bigint; recordCount: number }, bytes: number): AppendResult {
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    baseOffset: info.firstOffset,
    lastOffset: info.lastOffset,
    logAppendTimeMs: info.logAppendTimeMs,
    logStartOffset: info.logStartOffset,
    recordCount: info.recordCount,
    bytes,
  };
}

/**
 * The newest offset a snapshot may have on open. After a kill -9 only those at
 * or below the first segment recovery re-read (the one holding the recovery
 * point) are trusted, as Kafka's LogLoader reloads producer state up to each
 * recovered segment: what lies past it was not yet durable, and a roll's
 * snapshot is not synced.
 */
function trustedSnapshotEnd(log: PartitionLog): bigint {
  const { hadCleanShutdown, segmentsRecovered } = log.recoveryReport;
  if (hadCleanShutdown) return log.logEndOffset;
  const bases = log.segmentBaseOffsets;
  return bases[bases.length - segmentsRecovered] ?? log.logStartOffset;
}

/** The leader epoch whose range holds `offset` (the last epoch starting at or before it). */
function epochForOffset(log: PartitionLog, offset: bigint): number | null {
  let epoch: number | null = null;
  for (const entry of log.leaderEpochs.all) if (entry.startOffset <= offset) epoch = entry.epoch;
  return epoch;
}

/**
 * What a failed log operation answers: a LogError its code, and a file-system
 * error that escaped the log (it carries an errno `code`, e.g. ENOSPC writing a
 * checkpoint) KAFKA_STORAGE_ERROR, as Kafka answers any IOException of a log
 * dir. Anything else is a programmer error and propagates.
 */
export function errorCodeOf(error: unknown): number {
  if (error instanceof LogError) return logErrorCode(error.kind);
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') return ErrorCode.KAFKA_STORAGE_ERROR;
  throw error;
}

/** The one mapping from log errors to wire codes. */
export function logErrorCode(kind: LogErrorKind): number {
  switch (kind) {
    case 'CORRUPT_MESSAGE':
      return ErrorCode.CORRUPT_MESSAGE;
    case 'MESSAGE_TOO_LARGE':
      return ErrorCode.MESSAGE_TOO_LARGE;
    case 'RECORD_LIST_TOO_LARGE':
      return ErrorCode.RECORD_LIST_TOO_LARGE;
    case 'INVALID_RECORD':
      return ErrorCode.INVALID_RECORD;
    case 'OFFSET_OUT_OF_RANGE':
      return ErrorCode.OFFSET_OUT_OF_RANGE;
    case 'OFFSETS_OUT_OF_ORDER':
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    case 'KAFKA_STORAGE_ERROR':
      return ErrorCode.KAFKA_STORAGE_ERROR;
    default: {
      const unexpected: never = kind;
      return unexpected;
    }
  }
}
