import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { partitionForKey } from '../../core/protocol/murmur2.js';
import { Compression, type CompressionCodec } from '../../core/protocol/record-batch-header.js';
import type { RecordHeader } from '../../core/protocol/records/kafka-record.js';
import { IllegalStateError, KafkaClientError, RecordTooLargeError, SerializationError } from '../client-error.js';
import { kafkaClientOptions } from '../config/common-client-configs.js';
import { parseProducerConfig, type ProducerConfig, type ProducerConfigInput } from '../config/producer-configs.js';
import { KafkaClient } from '../kafka-client.js';
import type { Serializer } from '../serialization.js';
import { BufferPool } from './buffer-pool.js';
import type { Partitioner } from './partitioner.js';
import { recordSizeUpperBound, type PendingRecord, type RecordMetadata } from './producer-batch.js';
import { ProducerMetadata } from './producer-metadata.js';
import { RecordAccumulator, type TopicPartitions } from './record-accumulator.js';
import { Sender } from './sender.js';
import { TransactionCoordinatorClient, type ConsumerGroupMetadata, type OffsetToCommit } from './transaction-coordinator-client.js';
import { TransactionManager } from './transaction-manager.js';

export type { RecordMetadata } from './producer-batch.js';
export type { ConsumerGroupMetadata, OffsetToCommit } from './transaction-coordinator-client.js';

/** The default serializers' input: bytes, or a string taken as UTF-8. */
export type Bytes = Buffer | Uint8Array | string | null | undefined;

export interface ProducerRecord<K, V> {
  topic: string;
  key?: K;
  value: V;
  /** Kafka headers; an object's string values are taken as UTF-8. */
  headers?: RecordHeader[] | Readonly<Record<string, string | Buffer | null>>;
  /** Chosen by the partitioner when absent. */
  partition?: number;
  /** CreateTime in epoch ms; now when absent. */
  timestamp?: number;
}

/** A producer configuration whose serializers type the records: `new KafkaProducer({ …, 'value.serializer': jsonSerializer })`. */
export type KafkaProducerConfig<K, V> = Omit<ProducerConfigInput, 'key.serializer' | 'value.serializer'> & {
  readonly 'key.serializer'?: Serializer<K> | string;
  readonly 'value.serializer'?: Serializer<V> | string;
};

const codecs: Readonly<Record<ProducerConfig['compression.type'], CompressionCodec>> = {
  none: Compression.none,
  gzip: Compression.gzip,
  snappy: Compression.snappy,
  lz4: Compression.lz4,
  zstd: Compression.zstd,
};

function compressionLevel(config: ProducerConfig): number | undefined {
  switch (config['compression.type']) {
    case 'gzip':
      return config['compression.gzip.level'] === -1 ? undefined : config['compression.gzip.level'];
    case 'zstd':
      return config['compression.zstd.level'];
    default:
      return undefined;
  }
}

function headerList(headers: ProducerRecord<unknown, unknown>['headers']): RecordHeader[] {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers as RecordHeader[];
  return Object.entries(headers).map(([key, value]) => ({ key, value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value }));
}

function serialize<T>(what: 'key' | 'value', serializer: Serializer<T>, topic: string, data: T, headers: RecordHeader[]): Buffer | null {
  try {
    return serializer.serialize(topic, data, headers);
  } catch (error) {
    throw new SerializationError(`Can't serialize ${what} of record to topic ${topic}: ${(error as Error).message}`, error);
  }
}

interface Prepared {
  topic: string;
  partition: number | undefined;
  key: unknown;
  value: unknown;
  keyBytes: Buffer | null;
  valueBytes: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
  sizeBytes: number;
}

/**
 * Kafka's producer, configured with the Java client's keys and defaults:
 * records are serialized, partitioned (murmur2 of the key as Java, else
 * sticky and adaptive), batched per partition by `batch.size` and
 * `linger.ms` within `buffer.memory`, sent idempotently by default (acks=all,
 * at most 5 requests in flight per broker, order kept across retries),
 * retried within `delivery.timeout.ms`, optionally in transactions.
 * `send()` resolves with where the record was written.
 */
export class KafkaProducer<K = Bytes, V = Bytes> {
  readonly config: ProducerConfig;
  private readonly client: KafkaClient;
  private readonly ownsClient: boolean;
  private readonly keySerializer: Serializer<K>;
  private readonly valueSerializer: Serializer<V>;
  private readonly partitioner: Partitioner | null;
  private readonly metadata: ProducerMetadata;
  private readonly pool: BufferPool;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly transactions: TransactionManager | null;
  private readonly coordinator: TransactionCoordinatorClient | null;
  /** Sends waiting for metadata or memory, in order; later sends queue behind them. */
  private waitingSends: Promise<unknown> = Promise.resolve();
  private waitingCount = 0;
  private closed = false;

  constructor(config: KafkaProducerConfig<K, V>, options: { client?: KafkaClient; random?: () => number } = {}) {
    this.config = parseProducerConfig(config as ProducerConfigInput);
    const c = this.config;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new KafkaClient(kafkaClientOptions(c, 0));
    const random = options.random ?? Math.random;
    this.keySerializer = c['key.serializer'] as Serializer<K>;
    this.valueSerializer = c['value.serializer'] as Serializer<V>;
    this.partitioner = c['partitioner.class'];
    this.pool = new BufferPool(c['buffer.memory']);
    this.metadata = new ProducerMetadata(this.client, {
      metadataMaxAgeMs: c['metadata.max.age.ms'],
      metadataMaxIdleMs: c['metadata.max.idle.ms'],
      retryBackoffMs: c['retry.backoff.ms'],
      onUpdate: () => this.sender.wakeup(),
    });
    this.accumulator = new RecordAccumulator({
      batchSizeBytes: c['batch.size'],
      lingerMs: c['linger.ms'],
      deliveryTimeoutMs: c['delivery.timeout.ms'],
      adaptivePartitioning: c['partitioner.adaptive.partitioning.enable'],
      partitionAvailabilityTimeoutMs: c['partitioner.availability.timeout.ms'],
      random,
    });
    const idempotent = c['enable.idempotence'];
    this.transactions = idempotent ? new TransactionManager(c['transactional.id']) : null;
    if (this.transactions !== null && !this.transactions.isTransactional) this.transactions.state = 'READY';
    this.coordinator =
      this.transactions?.isTransactional === true
        ? new TransactionCoordinatorClient(this.client, this.transactions, {
            maxBlockMs: c['max.block.ms'],
            transactionTimeoutMs: c['transaction.timeout.ms'],
            retryBackoffMs: c['retry.backoff.ms'],
          })
        : null;
    this.sender = new Sender(
      this.client,
      this.accumulator,
      this.metadata,
      this.pool,
      this.transactions,
      this.coordinator,
      {
        acks: c.acks === 'all' ? -1 : c.acks,
        requestTimeoutMs: c['request.timeout.ms'],
        deliveryTimeoutMs: c['delivery.timeout.ms'],
        retries: c.retries,
        retryBackoffMs: c['retry.backoff.ms'],
        retryBackoffMaxMs: c['retry.backoff.max.ms'],
        maxInFlightRequestsPerConnection: c['max.in.flight.requests.per.connection'],
        maxRequestSize: c['max.request.size'],
        compression: codecs[c['compression.type']],
        compressionLevel: compressionLevel(c),
        transactionTimeoutMs: c['transaction.timeout.ms'],
      },
      random,
    );
  }

  /** A producer from untyped `key=value` properties (a properties file, `--producer-props`); every key and value is still validated. */
  static fromProperties(properties: Readonly<Record<string, string>>, options: { client?: KafkaClient } = {}): KafkaProducer {
    return new KafkaProducer(properties as unknown as KafkaProducerConfig<Bytes, Bytes>, options);
  }

  /**
   * Queues a record and resolves when the broker has it (at once under
   * acks=0, once written). Rejects with a KafkaTimeoutError when metadata or
   * buffer room did not come within `max.block.ms`, or the record could not
   * be delivered within `delivery.timeout.ms`; records sent one after another
   * keep their order.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    try {
      if (this.closed) throw new IllegalStateError('Cannot perform operation after producer has been closed');
      this.transactions?.failIfNotReadyForSend();
      const prepared = this.prepare(record);
      if (this.waitingCount === 0) {
        const partitions = this.metadata.partitionsFor(prepared.topic, Date.now());
        if (partitions !== undefined && (prepared.partition === undefined || prepared.partition < partitions.numPartitions) && this.pool.tryAllocate(prepared.sizeBytes)) {
          return this.append(prepared, partitions);
        }
      }
      return this.sendWhenReady(prepared);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Resolves once sends no longer wait for metadata or buffer room: the
   * backpressure for a loop that does not await each send (Java's send()
   * blocks its thread instead).
   */
  async ready(): Promise<void> {
    await this.waitingSends;
  }

  /** Sends everything queued now and waits until each of those records succeeded or failed. */
  async flush(): Promise<void> {
    await this.waitingSends;
    this.accumulator.beginFlush();
    try {
      this.sender.wakeup();
      await Promise.all(this.sender.pendingBatches().map((batch) => batch.whenDone()));
    } finally {
      this.accumulator.endFlush();
    }
  }

  /** A few of Java's producer metrics, by their names: the buffer pool and the sends waiting for room. */
  metrics(): { 'buffer-total-bytes': number; 'buffer-available-bytes': number; 'waiting-threads': number } {
    return { 'buffer-total-bytes': this.pool.totalBytes, 'buffer-available-bytes': this.pool.availableBytes, 'waiting-threads': this.waitingCount };
  }

  /** The topic's partition count and leaders (waits for metadata up to max.block.ms). */
  async partitionsFor(topic: string): Promise<TopicPartitions> {
    return this.metadata.waitOnMetadata(topic, undefined, this.config['max.block.ms']);
  }

  /**
   * Sends what is queued, waiting up to `timeoutMs` (forever by default, as
   * Java); past it the records still queued fail. Then closes the connections.
   */
  async close(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sender.closing = true;
    this.sender.wakeup();
    const drained = (async () => {
      await this.waitingSends;
      await this.sender.whenIdle();
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = Number.isFinite(timeoutMs)
      ? new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), Math.max(0, timeoutMs));
        })
      : new Promise<boolean>(() => undefined);
    const forced = await Promise.race([drained.then(() => false), timedOut]);
    clearTimeout(timer);
    if (forced) {
      this.sender.forceClose();
      this.sender.abortQueued(new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, 'Producer is closed forcefully.', { retriable: false }));
    }
    this.sender.stop();
    if (this.ownsClient) this.client.close();
  }

  // Transactions (need `transactional.id`)

  /** Gets the producer id and epoch for `transactional.id`, fencing older producers with the same id and ending their open transaction. */
  async initTransactions(): Promise<void> {
    const { transactions, coordinator } = this.transactional();
    transactions.transition('INITIALIZING');
    try {
      await coordinator.initProducerId();
    } catch (error) {
      if (error instanceof KafkaClientError) transactions.failTransaction(error);
      if (transactions.state === 'INITIALIZING') transactions.state = 'UNINITIALIZED';
      throw error;
    }
    transactions.transition('READY');
  }

  beginTransaction(): void {
    this.transactional().transactions.transition('IN_TRANSACTION');
  }

  /** Commits consumed offsets as part of the transaction (read-process-write exactly once). */
  async sendOffsetsToTransaction(offsets: readonly OffsetToCommit[], group: ConsumerGroupMetadata | string): Promise<void> {
    const { transactions, coordinator } = this.transactional();
    if (transactions.state !== 'IN_TRANSACTION') throw transactions.lastError ?? new IllegalStateError(`Cannot send offsets in state ${transactions.state}`);
    try {
      await coordinator.sendOffsets(offsets, typeof group === 'string' ? { groupId: group } : group);
      transactions.transactionStarted = true;
    } catch (error) {
      if (error instanceof KafkaClientError) transactions.failTransaction(error);
      throw error;
    }
  }

  /** Flushes the transaction's records, then commits it; a failed send makes this throw (abort then). */
  async commitTransaction(): Promise<void> {
    const { transactions, coordinator } = this.transactional();
    if (transactions.state === 'IN_TRANSACTION') await this.flush();
    if (transactions.state === 'ABORTABLE_ERROR' || transactions.state === 'FATAL_ERROR') throw transactions.lastError!;
    transactions.transition('COMMITTING');
    await this.endTransaction(transactions, coordinator, true);
  }

  /** Drops the transaction's queued records (their sends fail), waits for those in flight, and aborts it. */
  async abortTransaction(): Promise<void> {
    const { transactions, coordinator } = this.transactional();
    transactions.transition('ABORTING');
    await this.waitingSends;
    this.sender.abortQueued(new KafkaClientError(ErrorCode.TRANSACTION_ABORTABLE, 'Failing batch since transaction was aborted', { retriable: false }));
    await this.sender.whenIdle();
    await this.endTransaction(transactions, coordinator, false);
  }

  /** EndTxn when anything was added to the transaction; a failure leaves the transaction to abort (or the producer fenced). */
  private async endTransaction(transactions: TransactionManager, coordinator: TransactionCoordinatorClient, committed: boolean): Promise<void> {
    try {
      if (transactions.transactionStarted) await coordinator.endTransaction(committed);
    } catch (error) {
      if (error instanceof KafkaClientError) transactions.failTransaction(error);
      throw error;
    }
    transactions.completeTransaction();
  }

  private transactional(): { transactions: TransactionManager; coordinator: TransactionCoordinatorClient } {
    if (this.closed) throw new IllegalStateError('Cannot perform operation after producer has been closed');
    if (this.transactions === null || this.coordinator === null) {
      throw new IllegalStateError('Cannot use transactional methods without enabling transactions by setting the transactional.id configuration property');
    }
    return { transactions: this.transactions, coordinator: this.coordinator };
  }

  /** Serializes and sizes a record (synchronously, so a bad record fails at once). */
  private prepare(record: ProducerRecord<K, V>): Prepared {
    const headers = headerList(record.headers);
    const keyBytes = serialize('key', this.keySerializer, record.topic, record.key as K, headers);
    const valueBytes = serialize('value', this.valueSerializer, record.topic, record.value, headers);
    const sizeBytes = recordSizeUpperBound(keyBytes, valueBytes, headers);
    if (sizeBytes + 61 > this.config['max.request.size']) {
      throw new RecordTooLargeError(`The message is ${sizeBytes} bytes when serialized which is larger than ${this.config['max.request.size']}, which is the value of the max.request.size configuration.`);
    }
    if (sizeBytes > this.config['buffer.memory']) {
      throw new RecordTooLargeError(`The message is ${sizeBytes} bytes when serialized which is larger than the total memory buffer you have configured with the buffer.memory configuration.`);
    }
    const partition = record.partition;
    if (partition !== undefined && (!Number.isInteger(partition) || partition < 0)) {
      throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Invalid partition given with record: ${partition} is not in the range [0...].`);
    }
    return { topic: record.topic, partition, key: record.key, value: record.value, keyBytes, valueBytes, headers, timestamp: record.timestamp ?? Date.now(), sizeBytes };
  }

  /** The slow path: waits for metadata, then buffer room, in send order, within max.block.ms. */
  private sendWhenReady(prepared: Prepared): Promise<RecordMetadata> {
    const startMs = Date.now();
    const maxBlockMs = this.config['max.block.ms'];
    this.waitingCount++;
    const appended = this.waitingSends.then(async () => {
      const partitions = await this.metadata.waitOnMetadata(prepared.topic, prepared.partition, maxBlockMs);
      await this.pool.allocate(prepared.sizeBytes, Math.max(0, maxBlockMs - (Date.now() - startMs)), maxBlockMs);
      return { delivered: this.append(prepared, partitions) };
    });
    this.waitingSends = appended.catch(() => undefined).finally(() => this.waitingCount--);
    return appended.then(({ delivered }) => delivered);
  }

  /** Partitions and appends a record whose memory is allocated; wakes the sender when a batch filled or started. */
  private append(prepared: Prepared, partitions: TopicPartitions): Promise<RecordMetadata> {
    let partition: number;
    try {
      partition = this.choosePartition(prepared, partitions);
    } catch (error) {
      this.pool.deallocate(prepared.sizeBytes);
      throw error;
    }
    return new Promise<RecordMetadata>((resolve, reject) => {
      const pending: PendingRecord = {
        input: { key: prepared.keyBytes, value: prepared.valueBytes, headers: prepared.headers, timestamp: prepared.timestamp },
        resolve,
        reject,
      };
      const result = this.accumulator.append(prepared.topic, partition, pending, prepared.sizeBytes, Date.now(), partitions);
      if (this.transactions?.isTransactional) this.transactions.maybeAddPartition(prepared.topic, result.partition);
      if (result.batchFull || result.newBatch) this.sender.wakeup();
    });
  }

  /** The record's partition; -1 lets the accumulator's built-in sticky partitioner choose. */
  private choosePartition(prepared: Prepared, partitions: TopicPartitions): number {
    if (prepared.partition !== undefined) return prepared.partition;
    const numPartitions = partitions.numPartitions;
    if (this.partitioner !== null) {
      const chosen = this.partitioner({
        topic: prepared.topic,
        key: prepared.key,
        keyBytes: prepared.keyBytes,
        value: prepared.value,
        valueBytes: prepared.valueBytes,
        numPartitions,
        availablePartitions: partitions.availablePartitions,
      });
      if (!Number.isInteger(chosen) || chosen < 0 || chosen >= numPartitions) {
        throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The partitioner chose partition ${chosen} of topic ${prepared.topic}, which has ${numPartitions} partitions`);
      }
      return chosen;
    }
    if (prepared.keyBytes !== null && !this.config['partitioner.ignore.keys']) return partitionForKey(prepared.keyBytes, numPartitions);
    return -1;
  }
}
