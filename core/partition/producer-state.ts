import type { ProducerSnapshotEntry } from './producer-state-snapshot.js';

/**
 * Idempotent-producer bookkeeping for one partition, as Kafka's
 * ProducerStateManager keeps it: per producer id the current epoch and the
 * metadata of its last few batches, so a retried batch is answered with the
 * offsets it got the first time instead of being appended twice. A producer
 * silent for producer.id.expiration.ms (by its batches' timestamps, as Kafka
 * judges it) is forgotten.
 */

/** Kafka keeps the last five batches per producer (max.in.flight.requests.per.connection). */
export const PRODUCER_BATCH_HISTORY = 5;
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
/** Kafka's producer.id.expiration.ms default (one day). */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;
const INT32_MAX = 0x7fffffff;

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: bigint;
  lastOffset: bigint;
}

export interface ProducerEntry {
  producerEpoch: number;
  batches: BatchMetadata[];
  /** The max timestamp of its last batch: what expiry is measured from. */
  lastTimestampMs: number;
  /** The coordinator epoch of its last transaction marker (-1: none): an older coordinator's marker is refused. */
  coordinatorEpoch?: number;
}

/** What the leader learns from a batch header before appending it. */
export interface ProducerBatch {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  /** The batch's max timestamp (the append time under LogAppendTime). */
  maxTimestampMs: number;
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; firstOffset: bigint; lastOffset: bigint }
  | { kind: 'error'; error: 'INVALID_PRODUCER_EPOCH' | 'OUT_OF_ORDER_SEQUENCE_NUMBER'; message: string };

export function lastSequence(batch: ProducerBatch): number {
  // Sequences wrap at Int32.MAX_VALUE, as Kafka's DefaultRecordBatch.incrementSequence.
  const last = batch.baseSequence + batch.lastOffsetDelta;
  return last > INT32_MAX ? last - INT32_MAX - 1 : last;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export class ProducerStateManager {
  private readonly producers = new Map<bigint, ProducerEntry>();

  entry(producerId: bigint): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  get producerCount(): number {
    return this.producers.size;
  }

  /** Decides whether a batch is new, a retry of an appended one, or out of order. */
  check(batch: ProducerBatch): SequenceCheck {
    if (batch.producerId === NO_PRODUCER_ID) return { kind: 'append' };
    const current = this.producers.get(batch.producerId);
    if (current === undefined) return { kind: 'append' };

    if (batch.producerEpoch < current.producerEpoch) {
      return {
        kind: 'error',
        error: 'INVALID_PRODUCER_EPOCH',
        message: `producer ${batch.producerId} epoch ${batch.producerEpoch} is older than ${current.producerEpoch}`,
      };
    }
    // A coordinator's transactional batch (offsets of a transaction) carries no sequence: only its epoch is checked.
    if (batch.baseSequence === NO_SEQUENCE) return { kind: 'append' };
    const lastSeq = lastSequence(batch);
    if (batch.producerEpoch === current.producerEpoch) {
      const duplicate = current.batches.find((b) => b.firstSeq === batch.baseSequence && b.lastSeq === lastSeq);
      if (duplicate) return { kind: 'duplicate', firstOffset: duplicate.firstOffset, lastOffset: duplicate.lastOffset };
      const last = current.batches.at(-1);
      if (last !== undefined && !inSequence(last.lastSeq, batch.baseSequence)) {
        return {
          kind: 'error',
          error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
          message: `producer ${batch.producerId} sent sequence ${batch.baseSequence}, expected ${last.lastSeq + 1}`,
        };
      }
      return { kind: 'append' };
    }
    // A bumped epoch restarts the sequence at 0.
    if (batch.baseSequence !== 0) {
      return {
        kind: 'error',
        error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
        message: `producer ${batch.producerId} new epoch ${batch.producerEpoch} must start at sequence 0, got ${batch.baseSequence}`,
      };
    }
    return { kind: 'append' };
  }

  /** Records an appended batch; also the replay path when a log is recovered. */
  record(batch: ProducerBatch, firstOffset: bigint): void {
    if (batch.producerId === NO_PRODUCER_ID) return;
    let entry = this.producers.get(batch.producerId);
    if (entry === undefined || entry.producerEpoch !== batch.producerEpoch) {
      entry = { producerEpoch: batch.producerEpoch, batches: [], lastTimestampMs: batch.maxTimestampMs };
      this.producers.set(batch.producerId, entry);
    }
    entry.lastTimestampMs = batch.maxTimestampMs;
    entry.batches.push({
      firstSeq: batch.baseSequence,
      lastSeq: lastSequence(batch),
      firstOffset,
      lastOffset: firstOffset + BigInt(batch.lastOffsetDelta),
    });
    if (entry.batches.length > PRODUCER_BATCH_HISTORY) entry.batches.shift();
  }

  /**
   * A transaction marker: a bumped epoch (a fence, or KIP-890's bump at each
   * end) fences the older one and restarts the sequence, as in Kafka.
   */
  recordMarker(producerId: bigint, producerEpoch: number, coordinatorEpoch: number, timestampMs: number): void {
    const entry = this.producers.get(producerId);
    if (entry === undefined || producerEpoch > entry.producerEpoch) this.producers.set(producerId, { producerEpoch, batches: [], lastTimestampMs: timestampMs, coordinatorEpoch });
    else Object.assign(entry, { lastTimestampMs: timestampMs, coordinatorEpoch });
  }

  /** Drops producers whose last batch is `producerIdExpirationMs` old, except those `keep` names (in a transaction); returns how many. */
  removeExpiredProducers(nowMs: number, producerIdExpirationMs: number, keep: (producerId: bigint) => boolean = () => false): number {
    let removed = 0;
    for (const [producerId, entry] of this.producers) {
      if (nowMs - entry.lastTimestampMs >= producerIdExpirationMs && !keep(producerId)) {
        this.producers.delete(producerId);
        removed++;
      }
    }
    return removed;
  }

  /** Each producer with its last batch: what a snapshot file keeps (Kafka keeps no more). */
  snapshotEntries(): ProducerSnapshotEntry[] {
    const entries: ProducerSnapshotEntry[] = [];
    for (const [producerId, entry] of this.producers) {
      const last = entry.batches.at(-1);
      // A producer whose epoch a marker bumped has no batch of that epoch yet: kept with no sequence, as Kafka does.
      entries.push({
        producerId,
        producerEpoch: entry.producerEpoch,
        lastSequence: last?.lastSeq ?? NO_SEQUENCE,
        lastOffset: last?.lastOffset ?? -1n,
        offsetDelta: last === undefined ? 0 : Number(last.lastOffset - last.firstOffset),
        timestampMs: entry.lastTimestampMs,
        ...(entry.coordinatorEpoch === undefined ? {} : { coordinatorEpoch: entry.coordinatorEpoch }),
      });
    }
    return entries;
  }

  /** Replaces the state with a snapshot's; batches after its offset are then replayed with `record`. */
  loadSnapshot(entries: readonly ProducerSnapshotEntry[]): void {
    this.producers.clear();
    for (const e of entries) {
      const firstSeq = e.lastSequence - e.offsetDelta;
      this.producers.set(e.producerId, {
        producerEpoch: e.producerEpoch,
        lastTimestampMs: e.timestampMs,
        ...(e.coordinatorEpoch === undefined ? {} : { coordinatorEpoch: e.coordinatorEpoch }),
        batches: e.lastSequence === NO_SEQUENCE ? [] : [{ firstSeq: firstSeq < 0 ? firstSeq + INT32_MAX + 1 : firstSeq, lastSeq: e.lastSequence, firstOffset: e.lastOffset - BigInt(e.offsetDelta), lastOffset: e.lastOffset }],
      });
    }
  }

  /** Forgets every producer: after a truncation the state is rebuilt by replaying the log. */
  clear(): void {
    this.producers.clear();
  }
}
