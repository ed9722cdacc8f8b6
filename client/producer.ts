import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { ProduceRequest, ProduceResponse } from '../core/protocol/generated/messages/produce.js';
import { partitionForKey } from '../core/protocol/murmur2.js';
import { Compression, type CompressionCodec } from '../core/protocol/record-batch-header.js';
import type { RecordHeader } from '../core/protocol/records/kafka-record.js';
import { buildRecordBatch, type RecordInput } from '../core/protocol/records/record-batch-builder.js';
import { KafkaClientError } from './client-error.js';
import type { KafkaClient, TopicInfo } from './kafka-client.js';

export type Acks = -1 | 0 | 1;

export interface ProducerOptions {
  /** Kafka's `acks`: -1 (all), 1 (leader), 0 (no answer). Default -1, as Kafka's producer since 3.0. */
  acks?: Acks;
  /** Kafka's `request.timeout.ms` as sent in Produce: how long the broker may wait for the ISR. */
  timeoutMs?: number;
  compression?: CompressionCodec;
  /** Kafka's `linger.ms`: how long a batch waits for more records. */
  lingerMs?: number;
  /** Kafka's `batch.size`: a partition's batch is sent once its records reach this many bytes. */
  batchSizeBytes?: number;
}

export interface ProducerRecord {
  topic: string;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeader[];
  /** Chosen by the producer when absent: murmur2 of the key, or the sticky partition for null keys. */
  partition?: number;
  /** Epoch ms; now when absent. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 under acks=0, where the broker does not answer. */
  offset: bigint;
}

/** Kafka's `compression.type` names. */
export const compressionCodecs: Readonly<Record<string, CompressionCodec>> = {
  none: Compression.none,
  gzip: Compression.gzip,
  snappy: Compression.snappy,
  lz4: Compression.lz4,
  zstd: Compression.zstd,
};

/**
 * Kafka's default partitioner: a keyed record goes to murmur2(key) mod the
 * partition count; a record without a key goes to the topic's current sticky
 * partition (KIP-480), which changes when a batch is sent.
 */
export function choosePartition(key: Buffer | null, numPartitions: number, stickyPartition: number): number {
  return key === null ? stickyPartition : partitionForKey(key, numPartitions);
}

/**
 * The Produce request for some partitions' records: one v2 batch per
 * partition (compressed when asked), grouped by topic in the given order.
 */
export async function buildProduceRequest(
  batches: readonly { topic: string; partition: number; records: RecordInput[] }[],
  options: { acks: Acks; timeoutMs: number; compression: CompressionCodec },
): Promise<ProduceRequest> {
  const encoded = await Promise.all(batches.map((batch) => buildRecordBatch({ records: batch.records, compression: options.compression })));
  const topicData = new Map<string, { index: number; records: Buffer }[]>();
  batches.forEach((batch, i) => topicData.set(batch.topic, [...(topicData.get(batch.topic) ?? []), { index: batch.partition, records: encoded[i]! }]));
  return {
    transactionalId: null,
    acks: options.acks,
    timeoutMs: options.timeoutMs,
    topicData: [...topicData].map(([name, partitionData]) => ({ name, partitionData })),
  };
}

interface PendingRecord {
  input: RecordInput;
  resolve(metadata: RecordMetadata): void;
  reject(error: Error): void;
}

interface PartitionBatch {
  topic: string;
  partition: number;
  records: PendingRecord[];
  bytes: number;
}

const toBuffer = (data: Buffer | string | null | undefined): Buffer | null =>
  data === null || data === undefined ? null : typeof data === 'string' ? Buffer.from(data, 'utf8') : data;

/** Approximate size of a record in a batch, for `batchSizeBytes`. */
const recordSize = (input: RecordInput): number =>
  20 + (input.key?.length ?? 0) + (input.value?.length ?? 0) + (input.headers ?? []).reduce((sum, header) => sum + header.key.length + (header.value?.length ?? 0) + 4, 0);

/**
 * A simple producer: records are batched per partition (linger/size), batches
 * of one leader go out in one Produce request, requests are pipelined on the
 * leader's connection, so a partition's records keep their send order.
 */
export class Producer {
  private readonly acks: Acks;
  private readonly timeoutMs: number;
  private readonly compression: CompressionCodec;
  private readonly lingerMs: number;
  private readonly batchSizeBytes: number;
  private readonly topics = new Map<string, Promise<TopicInfo>>();
  /** Produce requests are encoded and written one after another, so a partition's batches reach the broker in send order. */
  private writes: Promise<unknown> = Promise.resolve();
  private readonly sticky = new Map<string, number>();
  private readonly batches = new Map<string, PartitionBatch>();
  private readonly inFlight = new Set<Promise<void>>();
  private lingerTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: KafkaClient,
    options: ProducerOptions = {},
  ) {
    this.acks = options.acks ?? -1;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.compression = options.compression ?? Compression.none;
    this.lingerMs = options.lingerMs ?? 5;
    this.batchSizeBytes = options.batchSizeBytes ?? 16_384;
  }

  /** Queues a record; resolves when the broker acknowledged it (at once under acks=0 once sent). */
  async send(record: ProducerRecord): Promise<RecordMetadata> {
    const key = toBuffer(record.key);
    const input: RecordInput = { key, value: toBuffer(record.value), headers: record.headers ?? [], timestamp: record.timestamp ?? Date.now() };
    const numPartitions = await this.partitionCount(record.topic);
    const partition = record.partition ?? choosePartition(key, numPartitions, this.stickyPartition(record.topic, numPartitions));
    if (!Number.isInteger(partition) || partition < 0 || partition >= numPartitions) {
      throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${record.topic}-${partition}: the topic has ${numPartitions} partitions`);
    }
    return new Promise<RecordMetadata>((resolve, reject) => {
      const id = `${record.topic}\u0000${partition}`;
      let batch = this.batches.get(id);
      if (batch === undefined) {
        batch = { topic: record.topic, partition, records: [], bytes: 0 };
        this.batches.set(id, batch);
      }
      batch.records.push({ input, resolve, reject });
      batch.bytes += recordSize(input);
      if (batch.bytes >= this.batchSizeBytes) this.sendBatches([id]);
      else this.lingerTimer ??= setTimeout(() => this.sendBatches([...this.batches.keys()]), this.lingerMs);
    });
  }

  /** Sends every queued batch and waits for all answers. */
  async flush(): Promise<void> {
    this.sendBatches([...this.batches.keys()]);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private partitionCount(topic: string): Promise<number> {
    return this.topicInfo(topic).then((info) => info.partitions.length);
  }

  /** Cached topic metadata, asked with auto-creation allowed as Kafka's producer does; dropped after a retriable failure. */
  private topicInfo(topic: string): Promise<TopicInfo> {
    let info = this.topics.get(topic);
    if (info === undefined) {
      info = this.client.topicMetadata(topic, true);
      info.catch(() => this.topics.delete(topic));
      this.topics.set(topic, info);
    }
    return info;
  }

  private stickyPartition(topic: string, numPartitions: number): number {
    let partition = this.sticky.get(topic);
    if (partition === undefined || partition >= numPartitions) {
      partition = Math.floor(Math.random() * numPartitions);
      this.sticky.set(topic, partition);
    }
    return partition;
  }

  private sendBatches(ids: string[]): void {
    if (this.lingerTimer !== null && ids.length === this.batches.size) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    const ready: PartitionBatch[] = [];
    for (const id of ids) {
      const batch = this.batches.get(id);
      if (batch === undefined) continue;
      this.batches.delete(id);
      ready.push(batch);
      // The next null-key record of this topic starts a batch on another partition.
      this.sticky.delete(batch.topic);
    }
    if (ready.length === 0) return;
    const sending = this.produce(ready, 0).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** Sends batches grouped by leader; retriable failures refresh metadata and retry those batches. */
  private async produce(batches: PartitionBatch[], attempt: number): Promise<void> {
    const byLeader = new Map<number, PartitionBatch[]>();
    const retry: PartitionBatch[] = [];
    await Promise.all(
      [...new Set(batches.map((batch) => batch.topic))].map(async (topic) => {
        try {
          const info = await this.topicInfo(topic);
          for (const batch of batches.filter((candidate) => candidate.topic === topic)) {
            const leader = info.partitions[batch.partition]?.leaderId ?? -1;
            byLeader.set(leader, [...(byLeader.get(leader) ?? []), batch]);
          }
        } catch (error) {
          for (const batch of batches.filter((candidate) => candidate.topic === topic)) failBatch(batch, error as Error);
        }
      }),
    );
    await Promise.all(
      [...byLeader].map(async ([leader, leaderBatches]) => {
        try {
          retry.push(...(await this.produceTo(leader, leaderBatches)));
        } catch (error) {
          if (error instanceof KafkaClientError && error.retriable) retry.push(...leaderBatches);
          else for (const batch of leaderBatches) failBatch(batch, error as Error);
        }
      }),
    );
    if (retry.length === 0) return;
    for (const batch of retry) this.topics.delete(batch.topic);
    if (attempt >= this.client.retries) {
      for (const batch of retry) failBatch(batch, new KafkaClientError(ErrorCode.REQUEST_TIMED_OUT, `${batch.topic}-${batch.partition}: gave up after ${attempt + 1} attempts`));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, this.client.retryBackoffMs));
    await this.produce(retry, attempt + 1);
  }

  /** One Produce request to a leader; returns the batches to retry. */
  private async produceTo(leader: number, batches: PartitionBatch[]): Promise<PartitionBatch[]> {
    const written = this.writes.then(() => this.writeProduce(leader, batches));
    this.writes = written.catch(() => undefined);
    const { response } = await written;
    if (response === null) return [];
    const answered = await response;
    const retry: PartitionBatch[] = [];
    for (const batch of batches) {
      const answer = answered.responses.find((topic) => topic.name === batch.topic)?.partitionResponses.find((partition) => partition.index === batch.partition);
      if (answer === undefined) {
        failBatch(batch, new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `no Produce answer for ${batch.topic}-${batch.partition}`));
      } else if (answer.errorCode === ErrorCode.NONE) {
        batch.records.forEach((record, i) => record.resolve({ topic: batch.topic, partition: batch.partition, offset: answer.baseOffset + BigInt(i) }));
      } else {
        const error = new KafkaClientError(answer.errorCode, `${batch.topic}-${batch.partition}${answer.errorMessage ? `: ${answer.errorMessage}` : ''}`);
        if (error.retriable) retry.push(batch);
        else failBatch(batch, error);
      }
    }
    return retry;
  }

  /** Encodes and writes one Produce request; its answer (null under acks=0) is wrapped so the write queue does not wait for it. */
  private async writeProduce(leader: number, batches: PartitionBatch[]): Promise<{ response: Promise<ProduceResponse> | null }> {
    const connection = await this.client.connectionToNode(leader);
    const body = await buildProduceRequest(
      batches.map((batch) => ({ topic: batch.topic, partition: batch.partition, records: batch.records.map((record) => record.input) })),
      { acks: this.acks, timeoutMs: this.timeoutMs, compression: this.compression },
    );
    if (this.acks !== 0) return { response: connection.request<ProduceResponse>(ApiKey.Produce, body) };
    connection.send(ApiKey.Produce, body);
    for (const batch of batches) batch.records.forEach((record) => record.resolve({ topic: batch.topic, partition: batch.partition, offset: -1n }));
    return { response: null };
  }
}

function failBatch(batch: PartitionBatch, error: Error): void {
  for (const record of batch.records) record.reject(error);
}
