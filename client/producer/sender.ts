import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { InitProducerIdResponse } from '../../core/protocol/generated/messages/init-producer-id.js';
import type { ProduceResponse } from '../../core/protocol/generated/messages/produce.js';
import type { CompressionCodec } from '../../core/protocol/record-batch-header.js';
import { exponentialBackoffMs } from '../backoff.js';
import { KafkaClientError, KafkaTimeoutError, OutOfOrderSequenceError, ProducerFencedError, RecordTooLargeError, TransactionAbortableError } from '../client-error.js';
import type { KafkaClient } from '../kafka-client.js';
import type { BufferPool } from './buffer-pool.js';
import { buildProduceRequest } from './produce-request.js';
import type { ProducerBatch } from './producer-batch.js';
import type { ProducerMetadata } from './producer-metadata.js';
import type { RecordAccumulator } from './record-accumulator.js';
import type { TransactionCoordinatorClient } from './transaction-coordinator-client.js';
import type { TransactionManager } from './transaction-manager.js';

export interface SenderOptions {
  acks: -1 | 0 | 1;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  maxInFlightRequestsPerConnection: number;
  maxRequestSize: number;
  compression: CompressionCodec;
  compressionLevel: number | undefined;
  transactionTimeoutMs: number;
}

/** Errors after which the partition's leader may have moved: metadata is refreshed before the retry. */
const staleMetadataErrors: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NOT_ENOUGH_REPLICAS,
]);

/**
 * Kafka's Sender, on the event loop instead of a thread: woken when a batch
 * fills, linger or a backoff runs out, a response or metadata arrives; each
 * run expires old batches, asks the accumulator which leaders have
 * something to send, and writes one Produce request per such leader while
 * it has fewer than `max.in.flight.requests.per.connection` unanswered.
 * Requests to one broker are written in drain order, so its partitions'
 * batches reach it in sequence order.
 */
export class Sender {
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlightByNode = new Map<number, number>();
  private readonly writeChains = new Map<number, Promise<unknown>>();
  private initializing: Promise<void> | null = null;
  private addingPartitions = false;
  /** Batches drained and not yet answered, for flush and close. */
  private readonly incomplete = new Set<ProducerBatch>();
  private readonly idleWaiters: (() => void)[] = [];
  closing = false;

  constructor(
    private readonly client: KafkaClient,
    private readonly accumulator: RecordAccumulator,
    private readonly metadata: ProducerMetadata,
    private readonly pool: BufferPool,
    private readonly transactions: TransactionManager | null,
    private readonly coordinator: TransactionCoordinatorClient | null,
    private readonly options: SenderOptions,
    private readonly random: () => number,
  ) {}

  /** Runs soon (once per event-loop turn, however many wakeups). */
  wakeup(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.runOnce();
    });
  }

  /** Waits until nothing is queued or in flight (or the batches are failed). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Fails every queued batch (close with a timeout that ran out, abortTransaction). */
  abortQueued(error: Error): void {
    for (const batch of this.accumulator.takeAll()) this.finishFailed(batch, error, false);
    this.notifyIfIdle();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Every batch not yet done, queued or in flight (flush waits for these). */
  pendingBatches(): ProducerBatch[] {
    return [...this.incomplete, ...this.accumulator.queuedBatches()];
  }

  isIdle(): boolean {
    return !this.accumulator.hasQueuedBatches() && this.incomplete.size === 0;
  }

  private backoff = (attempts: number): number =>
    exponentialBackoffMs(this.options.retryBackoffMs, this.options.retryBackoffMaxMs, attempts - 1, this.random());

  private runOnce(): void {
    const now = Date.now();
    const transactions = this.transactions;
    if (transactions !== null) {
      if (!transactions.hasProducerId && !transactions.isTransactional && this.initializing === null) this.initIdempotentProducerId();
      if (transactions.epochBumpRequested && transactions.inFlightCount === 0) {
        if (!transactions.bumpIdempotentEpoch((topic, partition) => this.accumulator.queuedBatchesOf(topic, partition))) this.initIdempotentProducerId();
      }
      if (transactions.pendingPartitions.size > 0 && !this.addingPartitions) this.addPartitionsToTransaction();
    }
    for (const batch of this.accumulator.expiredBatches(now)) {
      this.finishFailed(batch, new KafkaTimeoutError(`Expiring ${batch.records.length} record(s) for ${batch.topic}-${batch.partition}:${now - batch.createdMs} ms has passed since batch creation`), true);
    }
    const ready = this.accumulator.ready((topic) => this.metadata.peek(topic), now, this.pool.exhausted, this.closing);
    if (ready.unknownLeaderTopics.size > 0) this.metadata.requestUpdate(ready.unknownLeaderTopics);
    const leaderOf = (topic: string, partition: number): number => this.metadata.peek(topic)?.leaderOf(partition) ?? -1;
    const mayDrain = (batch: ProducerBatch): boolean =>
      now >= batch.retryNotBeforeMs && (transactions === null || transactions.mayDrain(batch));
    for (const node of ready.readyNodes) {
      // Fill every free in-flight slot of the node: responses that arrive together wake one run.
      while ((this.inFlightByNode.get(node) ?? 0) < this.options.maxInFlightRequestsPerConnection) {
        const batches = this.accumulator.drain(node, leaderOf, this.options.maxRequestSize, now, mayDrain);
        if (batches.length === 0) break;
        for (const batch of batches) {
          transactions?.onDrained(batch);
          batch.attempts++;
          batch.lastAttemptMs = now;
          this.incomplete.add(batch);
        }
        this.sendProduce(node, batches);
      }
    }
    this.notifyIfIdle();
    this.scheduleNext(Math.min(ready.nextReadyCheckDelayMs, this.accumulator.nextExpiryDelayMs(now)));
  }

  private scheduleNext(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!this.accumulator.hasQueuedBatches() || delayMs >= Number.MAX_SAFE_INTEGER) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wakeup();
    }, Math.max(1, delayMs));
  }

  private sendProduce(node: number, batches: ProducerBatch[]): void {
    this.inFlightByNode.set(node, (this.inFlightByNode.get(node) ?? 0) + 1);
    const previous = this.writeChains.get(node) ?? Promise.resolve();
    // Encoding (compression is async) and writing run in drain order per broker.
    const written = previous.then(() => this.writeProduce(node, batches));
    this.writeChains.set(node, written.catch(() => undefined));
    void written
      .then(async (response) => {
        const answered = response === null ? null : await response;
        this.handleResponse(batches, answered);
      })
      .catch((error: unknown) => this.handleRequestFailure(batches, error))
      .finally(() => {
        this.inFlightByNode.set(node, (this.inFlightByNode.get(node) ?? 1) - 1);
        this.wakeup();
      });
  }

  private async writeProduce(node: number, batches: ProducerBatch[]): Promise<Promise<ProduceResponse> | null> {
    const connection = await this.client.connectionToNode(node);
    const request = await buildProduceRequest(
      batches.map((batch) => ({
        topic: batch.topic,
        partition: batch.partition,
        records: batch.records.map((record) => record.input),
        producerId: batch.producerId,
        producerEpoch: batch.producerEpoch,
        baseSequence: batch.baseSequence,
      })),
      {
        acks: this.options.acks,
        timeoutMs: this.options.requestTimeoutMs,
        compression: this.options.compression,
        compressionLevel: this.options.compressionLevel,
        transactionalId: this.transactions?.transactionalId ?? null,
      },
    );
    if (this.options.acks !== 0) return connection.request<ProduceResponse>(ApiKey.Produce, request);
    connection.send(ApiKey.Produce, request);
    return null;
  }

  private handleResponse(batches: ProducerBatch[], response: ProduceResponse | null): void {
    const now = Date.now();
    for (const batch of batches) {
      if (response === null) {
        this.transactions?.onAnswered(batch);
        this.finishCompleted(batch, -1n, -1n);
        continue;
      }
      const answer = response.responses.find((topic) => topic.name === batch.topic)?.partitionResponses.find((partition) => partition.index === batch.partition);
      if (answer === undefined) {
        this.handleBatchError(batch, new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `no Produce answer for ${batch.topic}-${batch.partition}`), now);
      } else if (answer.errorCode === ErrorCode.NONE || answer.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        this.transactions?.onAnswered(batch);
        this.finishCompleted(batch, answer.errorCode === ErrorCode.NONE ? answer.baseOffset : -1n, answer.logAppendTimeMs);
      } else {
        const detail = `${batch.topic}-${batch.partition}${answer.errorMessage ? `: ${answer.errorMessage}` : ''}`;
        this.handleBatchError(batch, new KafkaClientError(answer.errorCode, detail), now);
      }
    }
  }

  /** The whole request failed (connection lost, request timed out): every batch gets the error. */
  private handleRequestFailure(batches: ProducerBatch[], error: unknown): void {
    const now = Date.now();
    const failure = error instanceof KafkaClientError ? error : new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, (error as Error).message);
    for (const batch of batches) if (!batch.isDone) this.handleBatchError(batch, failure, now);
  }

  /** Retry, re-sequence, or fail one batch after an error, as Java's Sender.completeBatch. */
  private handleBatchError(batch: ProducerBatch, error: KafkaClientError, now: number): void {
    const transactions = this.transactions;
    transactions?.onAnswered(batch);
    if (staleMetadataErrors.has(error.errorCode)) this.metadata.requestUpdate([batch.topic]);
    const code = error.errorCode;
    const expired = now - batch.createdMs >= this.options.deliveryTimeoutMs;
    const canRetry = batch.attempts <= this.options.retries && !expired && !this.closingForcefully;
    if (transactions !== null && (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === ErrorCode.UNKNOWN_PRODUCER_ID)) {
      if (canRetry && transactions.isRetriableSequenceError(batch, this.accumulator.queuedBatchesOf(batch.topic, batch.partition))) return this.retry(batch, now);
      if (!transactions.isTransactional && canRetry && batch.producerEpoch === transactions.producerEpoch) {
        // The broker lost this producer's state for the partition: a new epoch starts its sequences over.
        transactions.epochBumpRequested = true;
        return this.retry(batch, now);
      }
      if (!transactions.isTransactional && batch.producerEpoch !== transactions.producerEpoch && canRetry) return this.retry(batch, now);
      return this.finishFailed(batch, new OutOfOrderSequenceError(`${batch.topic}-${batch.partition}: the broker received an out of order sequence number`, transactions.isTransactional), true);
    }
    if (code === ErrorCode.PRODUCER_FENCED || code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) {
      return this.finishFailed(batch, new ProducerFencedError(`${batch.topic}-${batch.partition}: ${error.message}`, code), true);
    }
    if (code === ErrorCode.MESSAGE_TOO_LARGE || code === ErrorCode.RECORD_LIST_TOO_LARGE) return this.finishFailed(batch, new RecordTooLargeError(error.message), true);
    if (error.retriable && canRetry) return this.retry(batch, now);
    const final = expired && error.retriable ? new KafkaTimeoutError(`Expiring ${batch.records.length} record(s) for ${batch.topic}-${batch.partition}:${now - batch.createdMs} ms has passed since batch creation (last error ${error.errorName})`) : error;
    this.finishFailed(batch, final, true);
  }

  private closingForcefully = false;

  forceClose(): void {
    this.closingForcefully = true;
  }

  private retry(batch: ProducerBatch, now: number): void {
    this.incomplete.delete(batch);
    batch.retryNotBeforeMs = now + this.backoff(batch.attempts);
    this.accumulator.reenqueue(batch, now);
  }

  private finishCompleted(batch: ProducerBatch, baseOffset: bigint, logAppendTimeMs: bigint): void {
    this.incomplete.delete(batch);
    this.pool.deallocate(batch.recordsSizeBytes);
    batch.complete(baseOffset, logAppendTimeMs);
    this.notifyIfIdle();
  }

  private finishFailed(batch: ProducerBatch, error: Error, sequenced: boolean): void {
    if (batch.isDone) return;
    this.incomplete.delete(batch);
    this.pool.deallocate(batch.recordsSizeBytes);
    if (sequenced) this.transactions?.onSequencedBatchFailed(batch);
    if (this.transactions?.isTransactional && error instanceof KafkaClientError) {
      this.transactions.failTransaction(error.fatal ? error : new TransactionAbortableError(error.errorCode, `a send in the transaction failed: ${error.message}`, error));
    }
    batch.fail(error);
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** An idempotent producer's id: InitProducerId without a transactional id, retried until it works (batches wait, then expire). */
  private initIdempotentProducerId(): void {
    const transactions = this.transactions!;
    this.initializing = (async () => {
      for (let attempt = 0; !this.closingForcefully; attempt++) {
        try {
          const connection = await this.client.anyConnection();
          const response = await connection.request<InitProducerIdResponse>(ApiKey.InitProducerId, {
            transactionalId: null,
            transactionTimeoutMs: this.options.transactionTimeoutMs,
            producerId: -1n,
            producerEpoch: -1,
          });
          if (response.errorCode === ErrorCode.NONE) {
            transactions.setProducerIdAndEpoch(response.producerId, response.producerEpoch);
            return;
          }
          const error = new KafkaClientError(response.errorCode, 'InitProducerId');
          if (!error.retriable) throw error;
        } catch (error) {
          if (error instanceof KafkaClientError && !error.retriable) {
            // Nothing can be sent: fail what waits, and try again for later sends.
            this.abortQueued(error);
            return;
          }
        }
        await new Promise((resolve) => setTimeout(resolve, this.backoff(attempt + 1)));
      }
    })().finally(() => {
      this.initializing = null;
      this.wakeup();
    });
  }

  private addPartitionsToTransaction(): void {
    const transactions = this.transactions!;
    const coordinator = this.coordinator!;
    const partitions = [...transactions.pendingPartitions.values()];
    this.addingPartitions = true;
    void coordinator
      .addPartitions(partitions)
      .then(
        () => transactions.onPartitionsAdded(partitions),
        (error: unknown) => {
          const failure = error instanceof KafkaClientError ? error : new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, String(error));
          // The queued batches wait for abortTransaction, which fails them.
          transactions.failTransaction(failure);
        },
      )
      .finally(() => {
        this.addingPartitions = false;
        this.wakeup();
      });
  }
}
