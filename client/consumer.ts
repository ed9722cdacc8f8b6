import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultFetchRequest, defaultFetchRequestFetchPartition, type FetchResponse } from '../core/protocol/generated/messages/fetch.js';
import { batchViews } from '../core/protocol/record-batch-header.js';
import type { RecordHeader } from '../core/protocol/records/kafka-record.js';
import { batchRecords } from '../core/protocol/records/record-iterator.js';
import { Admin, OffsetSpec } from './admin.js';
import { KafkaClientError } from './client-error.js';
import type { KafkaClient, TopicInfo } from './kafka-client.js';

/** Where an assigned partition starts: an offset, or the log's start or end. */
export type StartPosition = bigint | 'earliest' | 'latest';

export interface ConsumerOptions {
  /** Kafka's `fetch.max.wait.ms`. */
  maxWaitMs?: number;
  /** Kafka's `fetch.min.bytes`. */
  minBytes?: number;
  /** Kafka's `fetch.max.bytes`. */
  maxBytes?: number;
  /** Kafka's `max.partition.fetch.bytes`. */
  partitionMaxBytes?: number;
  /** 0 read_uncommitted, 1 read_committed. */
  isolationLevel?: 0 | 1;
  /** Kafka's `auto.offset.reset`: where a position outside the log moves to. */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

interface Assignment {
  topic: string;
  partition: number;
  position: bigint;
}

/**
 * A group-less consumer: assigned partitions are fetched from their leaders
 * (sessionless Fetch, one request per leader per poll), records come back in
 * offset order per partition, control batches are skipped.
 */
export class Consumer {
  private readonly options: Required<ConsumerOptions>;
  private readonly admin: Admin;
  private readonly assignments = new Map<string, Assignment>();
  private readonly topics = new Map<string, TopicInfo>();

  constructor(
    private readonly client: KafkaClient,
    options: ConsumerOptions = {},
  ) {
    this.options = {
      maxWaitMs: options.maxWaitMs ?? 500,
      minBytes: options.minBytes ?? 1,
      maxBytes: options.maxBytes ?? 52_428_800,
      partitionMaxBytes: options.partitionMaxBytes ?? 1_048_576,
      isolationLevel: options.isolationLevel ?? 0,
      autoOffsetReset: options.autoOffsetReset ?? 'latest',
    };
    this.admin = new Admin(client);
  }

  /** Assigns partitions of a topic (all when `partitions` is omitted), each starting at `start`. */
  async assign(topic: string, start: StartPosition, partitions?: readonly number[]): Promise<void> {
    const info = await this.client.topicMetadata(topic);
    this.topics.set(topic, info);
    const wanted = partitions ?? info.partitions.map((partition) => partition.partition);
    for (const partition of wanted) {
      if (!info.partitions.some((candidate) => candidate.partition === partition)) {
        throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}: the topic has ${info.partitions.length} partitions`);
      }
    }
    const positions = typeof start === 'bigint' ? null : await this.admin.listOffsets(topic, start === 'earliest' ? OffsetSpec.earliest : OffsetSpec.latest, wanted);
    for (const partition of wanted) {
      const position = positions === null ? (start as bigint) : positions.find((listed) => listed.partition === partition)!.offset;
      this.assignments.set(`${topic}\u0000${partition}`, { topic, partition, position });
    }
  }

  /**
   * Replaces the whole assignment with these partitions (a group's share),
   * each at its own start: a committed offset, or `earliest`/`latest` when it has none.
   */
  async assignPositions(starts: readonly { topic: string; partition: number; start: StartPosition }[]): Promise<void> {
    this.assignments.clear();
    for (const topic of new Set(starts.map((start) => start.topic))) {
      const mine = starts.filter((start) => start.topic === topic);
      for (const spec of ['earliest', 'latest'] as const) {
        const partitions = mine.filter((start) => start.start === spec).map((start) => start.partition);
        if (partitions.length > 0) await this.assign(topic, spec, partitions);
      }
      for (const start of mine) {
        if (typeof start.start === 'bigint') this.assignments.set(`${topic}\u0000${start.partition}`, { topic, partition: start.partition, position: start.start });
      }
    }
  }

  /** The partitions assigned now. */
  assigned(): { topic: string; partition: number }[] {
    return [...this.assignments.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** The next offset to be read from a partition. */
  position(topic: string, partition: number): bigint | undefined {
    return this.assignments.get(`${topic}\u0000${partition}`)?.position;
  }

  /** One fetch round: asks every leader for its assigned partitions and returns the new records (possibly none). */
  async poll(): Promise<ConsumedRecord[]> {
    const byLeader = new Map<number, Assignment[]>();
    for (const assignment of this.assignments.values()) {
      const leader = (await this.topicInfo(assignment.topic)).partitions.find((partition) => partition.partition === assignment.partition)?.leaderId ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), assignment]);
    }
    const rounds = await Promise.all([...byLeader].map(([leader, assignments]) => this.fetchFrom(leader, assignments)));
    return rounds.flat();
  }

  private async topicInfo(topic: string): Promise<TopicInfo> {
    let info = this.topics.get(topic);
    if (info === undefined) {
      info = await this.client.topicMetadata(topic);
      this.topics.set(topic, info);
    }
    return info;
  }

  private async fetchFrom(leader: number, assignments: Assignment[]): Promise<ConsumedRecord[]> {
    let response: FetchResponse;
    try {
      const connection = await this.client.connectionToNode(leader);
      const byTopic = new Map<string, Assignment[]>();
      for (const assignment of assignments) byTopic.set(assignment.topic, [...(byTopic.get(assignment.topic) ?? []), assignment]);
      response = await connection.request<FetchResponse>(ApiKey.Fetch, {
        ...defaultFetchRequest(),
        maxWaitMs: this.options.maxWaitMs,
        minBytes: this.options.minBytes,
        maxBytes: this.options.maxBytes,
        isolationLevel: this.options.isolationLevel,
        topics: [...byTopic].map(([topic, partitions]) => ({
          topic,
          topicId: this.topics.get(topic)?.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA',
          partitions: partitions.map((assignment) => ({
            ...defaultFetchRequestFetchPartition(),
            partition: assignment.partition,
            fetchOffset: assignment.position,
            partitionMaxBytes: this.options.partitionMaxBytes,
          })),
        })),
      });
    } catch (error) {
      if (!(error instanceof KafkaClientError) || !error.retriable) throw error;
      this.forgetLeaders(assignments);
      await new Promise((resolve) => setTimeout(resolve, this.client.retryBackoffMs));
      return [];
    }
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode, `Fetch from broker ${leader}`);
    const records: ConsumedRecord[] = [];
    for (const topic of response.responses) {
      for (const partition of topic.partitions) {
        const assignment = this.assignments.get(`${topic.topic}\u0000${partition.partitionIndex}`);
        if (assignment === undefined) continue;
        if (partition.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE && this.options.autoOffsetReset !== 'none') {
          const spec = this.options.autoOffsetReset === 'earliest' ? OffsetSpec.earliest : OffsetSpec.latest;
          const [reset] = await this.admin.listOffsets(assignment.topic, spec, [assignment.partition]);
          if (reset !== undefined) assignment.position = reset.offset;
          continue;
        }
        if (partition.errorCode !== ErrorCode.NONE) {
          const error = new KafkaClientError(partition.errorCode, `${assignment.topic}-${assignment.partition}`);
          if (!error.retriable) throw error;
          this.forgetLeaders([assignment]);
          continue;
        }
        if (partition.records !== null) records.push(...(await this.decode(assignment, partition.records)));
      }
    }
    return records;
  }

  /** The records at or after the position, in order; the position moves past every whole batch, control batches included. */
  private async decode(assignment: Assignment, bytes: Buffer): Promise<ConsumedRecord[]> {
    const records: ConsumedRecord[] = [];
    for (const view of batchViews(bytes, { allowPartialTail: true })) {
      if (view.lastOffset < assignment.position) continue;
      if (!view.isCrcValid()) {
        throw new KafkaClientError(ErrorCode.CORRUPT_MESSAGE, `${assignment.topic}-${assignment.partition}: batch at offset ${view.baseOffset} fails its CRC`);
      }
      if (!view.isControl) {
        for (const record of await batchRecords(view)) {
          if (record.offset < assignment.position) continue;
          records.push({
            topic: assignment.topic,
            partition: assignment.partition,
            offset: record.offset,
            timestamp: record.timestamp,
            timestampType: view.timestampType,
            key: record.key,
            value: record.value,
            headers: record.headers,
          });
        }
      }
      assignment.position = view.lastOffset + 1n;
    }
    return records;
  }

  private forgetLeaders(assignments: readonly Assignment[]): void {
    for (const assignment of assignments) this.topics.delete(assignment.topic);
  }
}
