import { BATCH_HEADER_SIZE } from '../../core/protocol/record-batch-header.js';
import type { RecordHeader } from '../../core/protocol/records/kafka-record.js';
import type { RecordInput } from '../../core/protocol/records/record-batch-builder.js';
import { varintSize } from '../../core/protocol/varint.js';

/** What a send() resolves to: where the record was written (Java's RecordMetadata). */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 under acks=0, where the broker does not answer. */
  offset: bigint;
  /** The record's CreateTime, or the broker's LogAppendTime when the topic uses it. */
  timestamp: number;
  serializedKeySize: number;
  serializedValueSize: number;
}

export interface PendingRecord {
  readonly input: RecordInput & { timestamp: number };
  resolve(metadata: RecordMetadata): void;
  reject(error: Error): void;
}

/** Timestamp delta, offset delta and the record's length prefix, at their largest varint sizes (Java's upper-bound estimate). */
const RECORD_OVERHEAD_MAX = 1 + 10 + 5 + 5;

/** Bytes a record takes in an uncompressed batch, at most: what `batch.size`, `max.request.size` and `buffer.memory` count. */
export function recordSizeUpperBound(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[]): number {
  let size = RECORD_OVERHEAD_MAX + bytesSize(key) + bytesSize(value) + varintSize(headers.length);
  for (const header of headers) {
    const keyLength = Buffer.byteLength(header.key, 'utf8');
    size += varintSize(keyLength) + keyLength + bytesSize(header.value);
  }
  return size;
}

const bytesSize = (bytes: Buffer | null): number => (bytes === null ? 1 : varintSize(bytes.length) + bytes.length);

/**
 * One partition's records on their way: filled up to `batch.size` bytes (a
 * larger single record gets a batch of its own), then sent, retried with the
 * same producer id, epoch and sequence so the broker can drop duplicates.
 */
export class ProducerBatch {
  readonly records: PendingRecord[] = [];
  sizeBytes = BATCH_HEADER_SIZE;
  /** Send attempts so far; a retry waits out the backoff after lastAttemptMs. */
  attempts = 0;
  lastAttemptMs: number;
  /** A retry is not sent before this (its backoff drawn once, so every check agrees). */
  retryNotBeforeMs = 0;
  /** Set on first drain under idempotence; kept across retries (unless the epoch is bumped). */
  producerId = -1n;
  producerEpoch = -1;
  baseSequence = -1;
  /** No more records once drained. */
  closed = false;
  private done = false;
  private doneWaiters: (() => void)[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdMs: number,
    private readonly capacityBytes: number,
  ) {
    this.lastAttemptMs = createdMs;
  }

  /** Appends when it fits (the first record always does); false means start a new batch. */
  tryAppend(record: PendingRecord, sizeBytes: number): boolean {
    if (this.closed || (this.records.length > 0 && this.sizeBytes + sizeBytes > this.capacityBytes)) return false;
    this.records.push(record);
    this.sizeBytes += sizeBytes;
    return true;
  }

  isFull(): boolean {
    return this.closed || this.sizeBytes >= this.capacityBytes;
  }

  /** The bytes of the records alone, as taken from buffer.memory. */
  get recordsSizeBytes(): number {
    return this.sizeBytes - BATCH_HEADER_SIZE;
  }

  /** Resolves once the batch completed or failed (flush waits on this). */
  whenDone(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => this.doneWaiters.push(resolve));
  }

  get hasSequence(): boolean {
    return this.baseSequence >= 0;
  }

  get lastSequence(): number {
    return this.baseSequence + this.records.length - 1;
  }

  /** Resolves every record's send() with its offset; offsets are -1 when unknown (acks=0). */
  complete(baseOffset: bigint, logAppendTimeMs: bigint): void {
    if (this.done) return;
    this.markDone();
    const logAppendTime = logAppendTimeMs >= 0n ? Number(logAppendTimeMs) : null;
    this.records.forEach((record, i) =>
      record.resolve({
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i),
        timestamp: logAppendTime ?? record.input.timestamp,
        serializedKeySize: record.input.key?.length ?? -1,
        serializedValueSize: record.input.value?.length ?? -1,
      }),
    );
  }

  fail(error: Error): void {
    if (this.done) return;
    this.markDone();
    for (const record of this.records) record.reject(error);
  }

  private markDone(): void {
    this.done = true;
    for (const resolve of this.doneWaiters.splice(0)) resolve();
  }

  get isDone(): boolean {
    return this.done;
  }
}
