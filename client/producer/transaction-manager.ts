import { IllegalStateError, KafkaClientError } from '../client-error.js';
import type { ProducerBatch } from './producer-batch.js';

/** Java's TransactionManager states (idempotent-only producers stay in READY once they have an id). */
export type TransactionState = 'UNINITIALIZED' | 'INITIALIZING' | 'READY' | 'IN_TRANSACTION' | 'COMMITTING' | 'ABORTING' | 'ABORTABLE_ERROR' | 'FATAL_ERROR';

const EPOCH_MAX = 32767;

interface PartitionSequences {
  nextSequence: number;
  /** Drained and unanswered batches, by base sequence. */
  inFlight: ProducerBatch[];
}

const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * The producer's identity and ordering state: producer id and epoch,
 * each partition's next sequence and its batches in flight, and for a
 * transactional producer the transaction's state and partitions. It decides
 * what may be drained (a retry waits until no lower sequence is in flight;
 * a transaction's partition only once added) and what an
 * OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID means: a later batch
 * of a failed one (retry it) or a real gap (bump the epoch, as Kafka's
 * idempotent producer does since KIP-360). No I/O here.
 */
export class TransactionManager {
  producerId = -1n;
  producerEpoch = -1;
  state: TransactionState = 'UNINITIALIZED';
  /** Why the producer is in ABORTABLE_ERROR or FATAL_ERROR. */
  lastError: KafkaClientError | null = null;
  /** Set when a sequence gap is certain; the sender bumps once nothing is in flight. */
  epochBumpRequested = false;
  private readonly sequences = new Map<string, PartitionSequences>();
  /** Partitions in the open transaction (AddPartitionsToTxn answered). */
  readonly partitionsInTransaction = new Set<string>();
  /** Partitions or offsets were added: EndTxn must be sent to end the transaction. */
  transactionStarted = false;
  /** Partitions written to but not yet added. */
  readonly pendingPartitions = new Map<string, { topic: string; partition: number }>();

  constructor(readonly transactionalId: string | null) {}

  get isTransactional(): boolean {
    return this.transactionalId !== null;
  }

  get hasProducerId(): boolean {
    return this.producerId >= 0n;
  }

  setProducerIdAndEpoch(producerId: bigint, producerEpoch: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.sequences.clear();
  }

  /** Gives a batch its producer id, epoch and sequence on first drain; a retry keeps them. */
  onDrained(batch: ProducerBatch): void {
    const state = this.partition(batch.topic, batch.partition);
    if (!batch.hasSequence) {
      batch.producerId = this.producerId;
      batch.producerEpoch = this.producerEpoch;
      batch.baseSequence = state.nextSequence;
      state.nextSequence = (state.nextSequence + batch.records.length) % 0x80000000;
    }
    state.inFlight.push(batch);
    state.inFlight.sort((a, b) => a.baseSequence - b.baseSequence);
  }

  /** Whether the sender may take this batch (the first of its partition) now. */
  mayDrain(batch: ProducerBatch): boolean {
    if (!this.hasProducerId || this.epochBumpRequested) return false;
    if (this.isTransactional && !this.partitionsInTransaction.has(partitionKey(batch.topic, batch.partition))) return false;
    const state = this.sequences.get(partitionKey(batch.topic, batch.partition));
    if (state === undefined || state.inFlight.length === 0) return true;
    // A new batch goes behind those in flight (pipelining keeps their order);
    // a retry only once every lower sequence is answered.
    return !batch.hasSequence || state.inFlight[0]!.baseSequence >= batch.baseSequence;
  }

  /** The batch is answered (written, failed or to be retried): no longer in flight. */
  onAnswered(batch: ProducerBatch): void {
    const state = this.sequences.get(partitionKey(batch.topic, batch.partition));
    if (state === undefined) return;
    const at = state.inFlight.indexOf(batch);
    if (at >= 0) state.inFlight.splice(at, 1);
  }

  /**
   * A sequence error on `batch`: when a lower sequence of its partition is
   * still unanswered or queued for retry, the broker is waiting for that one
   * and this batch is simply retried; otherwise the broker lost track of us
   * and the epoch must be bumped.
   */
  isRetriableSequenceError(batch: ProducerBatch, queued: readonly ProducerBatch[]): boolean {
    const state = this.sequences.get(partitionKey(batch.topic, batch.partition));
    const lowerInFlight = state?.inFlight.some((other) => other !== batch && other.baseSequence < batch.baseSequence) ?? false;
    const lowerQueued = queued.some((other) => other.hasSequence && other.baseSequence < batch.baseSequence && other.producerEpoch === batch.producerEpoch);
    return lowerInFlight || lowerQueued;
  }

  /** A batch that had a sequence failed for good: the broker will see a gap, so the next batches need a new epoch. */
  onSequencedBatchFailed(batch: ProducerBatch): void {
    if (batch.hasSequence && batch.producerEpoch === this.producerEpoch && !this.isTransactional) this.epochBumpRequested = true;
  }

  get inFlightCount(): number {
    let count = 0;
    for (const state of this.sequences.values()) count += state.inFlight.length;
    return count;
  }

  /**
   * Bumps the epoch locally (an idempotent producer owns its id; at the
   * epoch limit it needs a new one: returns false) and gives the queued
   * retries new sequences from 0 in their order, so each partition starts
   * clean. Called with nothing in flight.
   */
  bumpIdempotentEpoch(queuedOf: (topic: string, partition: number) => readonly ProducerBatch[]): boolean {
    this.epochBumpRequested = false;
    const partitions = [...this.sequences.keys()].map((key) => key.split('\u0000'));
    if (this.producerEpoch >= EPOCH_MAX) {
      this.producerId = -1n;
      this.producerEpoch = -1;
    } else {
      this.producerEpoch++;
    }
    this.sequences.clear();
    for (const [topic, partition] of partitions) {
      for (const batch of queuedOf(topic!, Number(partition))) {
        if (!batch.hasSequence) break;
        batch.baseSequence = -1;
        if (this.hasProducerId) this.onDrainedRequeued(batch);
      }
    }
    return this.hasProducerId;
  }

  /** Re-sequences a queued batch without marking it in flight. */
  private onDrainedRequeued(batch: ProducerBatch): void {
    const state = this.partition(batch.topic, batch.partition);
    batch.producerId = this.producerId;
    batch.producerEpoch = this.producerEpoch;
    batch.baseSequence = state.nextSequence;
    state.nextSequence += batch.records.length;
  }

  // Transactions

  /** Records a partition a send in the open transaction writes to. */
  maybeAddPartition(topic: string, partition: number): void {
    this.failIfNotReadyForSend();
    const key = partitionKey(topic, partition);
    if (!this.partitionsInTransaction.has(key)) this.pendingPartitions.set(key, { topic, partition });
  }

  /** AddPartitionsToTxn answered for these partitions. */
  onPartitionsAdded(added: readonly { topic: string; partition: number }[]): void {
    for (const { topic, partition } of added) {
      const key = partitionKey(topic, partition);
      this.pendingPartitions.delete(key);
      this.partitionsInTransaction.add(key);
    }
    if (added.length > 0) this.transactionStarted = true;
  }

  failIfNotReadyForSend(): void {
    if (this.state === 'FATAL_ERROR' || this.state === 'ABORTABLE_ERROR') throw this.lastError ?? new IllegalStateError(`Cannot send in state ${this.state}`);
    if (this.isTransactional && this.state !== 'IN_TRANSACTION') {
      throw new IllegalStateError(`Cannot call send in state ${this.state}: call beginTransaction first`);
    }
  }

  /** Moves to `to` when the current state allows it (Java's transition table). */
  transition(to: TransactionState): void {
    const allowed: Record<TransactionState, readonly TransactionState[]> = {
      UNINITIALIZED: [],
      INITIALIZING: ['UNINITIALIZED', 'READY', 'ABORTABLE_ERROR', 'INITIALIZING'],
      READY: ['INITIALIZING', 'COMMITTING', 'ABORTING'],
      IN_TRANSACTION: ['READY'],
      COMMITTING: ['IN_TRANSACTION'],
      ABORTING: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
      ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING', 'ABORTABLE_ERROR'],
      FATAL_ERROR: ['UNINITIALIZED', 'INITIALIZING', 'READY', 'IN_TRANSACTION', 'COMMITTING', 'ABORTING', 'ABORTABLE_ERROR', 'FATAL_ERROR'],
    };
    if (this.state === 'FATAL_ERROR') throw this.lastError ?? new IllegalStateError('The producer is in a fatal error state');
    if (!allowed[to].includes(this.state)) throw new IllegalStateError(`Invalid transition attempted from state ${this.state} to state ${to}`);
    this.state = to;
  }

  /** A send in the transaction failed, or a coordinator call did: the transaction can only be aborted (or, when fatal, the producer closed). */
  failTransaction(error: KafkaClientError): void {
    if (!this.isTransactional || this.state === 'FATAL_ERROR') return;
    this.lastError = error;
    this.state = error.fatal ? 'FATAL_ERROR' : 'ABORTABLE_ERROR';
  }

  /** The transaction ended (EndTxn answered): partitions start over. */
  completeTransaction(): void {
    this.partitionsInTransaction.clear();
    this.pendingPartitions.clear();
    this.transactionStarted = false;
    this.lastError = null;
    this.state = 'READY';
  }

  private partition(topic: string, partition: number): PartitionSequences {
    const key = partitionKey(topic, partition);
    let state = this.sequences.get(key);
    if (state === undefined) {
      state = { nextSequence: 0, inFlight: [] };
      this.sequences.set(key, state);
    }
    return state;
  }
}
