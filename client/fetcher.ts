import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultFetchRequest, defaultFetchRequestFetchPartition, type FetchResponse, type FetchResponsePartitionData } from '../core/protocol/generated/messages/fetch.js';
import { batchViews } from '../core/protocol/record-batch-header.js';
import type { RecordHeader } from '../core/protocol/records/kafka-record.js';
import { batchRecords } from '../core/protocol/records/record-iterator.js';
import { topicPartitionKey } from './assignors/partition-assignor.js';
import { KafkaClientError } from './client-error.js';
import type { TopicPartition } from './consumer-protocol.js';
import type { KafkaClient, TopicInfo } from './kafka-client.js';

export interface FetcherOptions {
  /** Kafka's `fetch.max.wait.ms`. */
  maxWaitMs: number;
  /** Kafka's `fetch.min.bytes`. */
  minBytes: number;
  /** Kafka's `fetch.max.bytes`. */
  maxBytes: number;
  /** Kafka's `max.partition.fetch.bytes`. */
  partitionMaxBytes: number;
  /** 0 read_uncommitted, 1 read_committed. */
  isolationLevel: 0 | 1;
  /** Kafka's `check.crcs`. */
  checkCrcs: boolean;
  /** Kafka's `client.rack`: sent in Fetch so the broker may name a replica in this rack to read from (KIP-392). */
  rackId: string;
}

export const defaultFetcherOptions: FetcherOptions = {
  maxWaitMs: 500,
  minBytes: 1,
  maxBytes: 52_428_800,
  partitionMaxBytes: 1_048_576,
  isolationLevel: 0,
  checkCrcs: true,
  rackId: '',
};

/** A record as fetched: bytes for key and value (the consumer deserializes). */
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

/** A partition whose fetch position fell outside the log (OFFSET_OUT_OF_RANGE): the consumer resets it by `auto.offset.reset`. */
export interface OutOfRange extends TopicPartition {
  position: bigint;
}

interface PartitionState extends TopicPartition {
  /** The next offset to fetch; null until the consumer has found where to start. */
  position: bigint | null;
  paused: boolean;
  /** The replica the leader told us to read from (KIP-392), or -1 for the leader. */
  preferredReadReplica: number;
}

/** An abort marker's control record key: version int16, type int16 (0 abort, 1 commit). */
const ABORT_MARKER = 0;

/**
 * The fetch side of a consumer: the assigned partitions with their positions,
 * one sessionless Fetch per broker per round, records returned in offset order
 * per partition. Control batches are skipped, and with read_committed the
 * batches of aborted transactions too (by the response's aborted
 * transactions list). Partitions without a position and paused ones are not
 * fetched.
 */
export class Fetcher {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly topics = new Map<string, TopicInfo>();

  constructor(
    private readonly client: KafkaClient,
    private readonly options: FetcherOptions = defaultFetcherOptions,
  ) {}

  /** Adds partitions (without a position until `seek`); partitions already assigned keep theirs. */
  add(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const key = topicPartitionKey({ topic, partition });
      if (!this.partitions.has(key)) this.partitions.set(key, { topic, partition, position: null, paused: false, preferredReadReplica: -1 });
    }
  }

  remove(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.partitions.delete(topicPartitionKey(tp));
  }

  /** The assigned partitions, sorted by topic and partition. */
  assigned(): TopicPartition[] {
    return [...this.partitions.values()]
      .map(({ topic, partition }) => ({ topic, partition }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  isAssigned(tp: TopicPartition): boolean {
    return this.partitions.has(topicPartitionKey(tp));
  }

  /** The next offset to be fetched, null when not known yet, undefined when not assigned. */
  position(tp: TopicPartition): bigint | null | undefined {
    return this.partitions.get(topicPartitionKey(tp))?.position;
  }

  /** Partitions still without a position. */
  withoutPosition(): TopicPartition[] {
    return [...this.partitions.values()].filter((state) => state.position === null).map(({ topic, partition }) => ({ topic, partition }));
  }

  seek(tp: TopicPartition, offset: bigint | null): void {
    const state = this.partitions.get(topicPartitionKey(tp));
    if (state === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${tp.topic}-${tp.partition} is not assigned to this consumer`);
    state.position = offset;
  }

  setPaused(partitions: readonly TopicPartition[], paused: boolean): void {
    for (const tp of partitions) {
      const state = this.partitions.get(topicPartitionKey(tp));
      if (state === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${tp.topic}-${tp.partition} is not assigned to this consumer`);
      state.paused = paused;
    }
  }

  paused(): TopicPartition[] {
    return [...this.partitions.values()].filter((state) => state.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Forgets cached leaders, so the next round asks for metadata again (new leaders, new partitions). */
  forgetMetadata(): void {
    this.topics.clear();
  }

  /**
   * One fetch round over the fetchable partitions except `skip` (those with
   * records still buffered): the new records (possibly none) and the
   * partitions whose position is out of range. `maxWaitMs` caps
   * `fetch.max.wait.ms` so a poll's timeout is kept.
   */
  async fetchOnce(maxWaitMs: number, skip: ReadonlySet<string> = new Set()): Promise<{ records: ConsumedRecord[]; outOfRange: OutOfRange[] }> {
    const byNode = new Map<number, PartitionState[]>();
    for (const [key, state] of this.partitions) {
      if (state.position === null || state.paused || skip.has(key)) continue;
      const info = await this.topicInfo(state.topic);
      const leader = info.partitions.find((partition) => partition.partition === state.partition)?.leaderId ?? -1;
      const node = state.preferredReadReplica >= 0 ? state.preferredReadReplica : leader;
      byNode.set(node, [...(byNode.get(node) ?? []), state]);
    }
    const rounds = await Promise.all([...byNode].map(([node, states]) => this.fetchFrom(node, states, maxWaitMs)));
    return { records: rounds.flatMap((round) => round.records), outOfRange: rounds.flatMap((round) => round.outOfRange) };
  }

  private async topicInfo(topic: string): Promise<TopicInfo> {
    let info = this.topics.get(topic);
    if (info === undefined) {
      info = await this.client.topicMetadata(topic);
      this.topics.set(topic, info);
    }
    return info;
  }

  private async fetchFrom(node: number, states: PartitionState[], maxWaitMs: number): Promise<{ records: ConsumedRecord[]; outOfRange: OutOfRange[] }> {
    const asked = new Map(states.map((state) => [topicPartitionKey(state), state.position]));
    let response: FetchResponse;
    try {
      const connection = await this.client.connectionToNode(node);
      const byTopic = new Map<string, PartitionState[]>();
      for (const state of states) byTopic.set(state.topic, [...(byTopic.get(state.topic) ?? []), state]);
      response = await connection.request<FetchResponse>(ApiKey.Fetch, {
        ...defaultFetchRequest(),
        maxWaitMs,
        minBytes: this.options.minBytes,
        maxBytes: this.options.maxBytes,
        isolationLevel: this.options.isolationLevel,
        rackId: this.options.rackId,
        topics: [...byTopic].map(([topic, partitions]) => ({
          topic,
          topicId: this.topics.get(topic)?.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA',
          partitions: partitions.map((state) => ({
            ...defaultFetchRequestFetchPartition(),
            partition: state.partition,
            fetchOffset: state.position!,
            partitionMaxBytes: this.options.partitionMaxBytes,
          })),
        })),
      });
    } catch (error) {
      if (!(error instanceof KafkaClientError) || !error.retriable) throw error;
      this.forgetLeaders(states);
      await new Promise((resolve) => setTimeout(resolve, this.client.retryBackoffMs));
      return { records: [], outOfRange: [] };
    }
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode, `Fetch from broker ${node}`);
    const records: ConsumedRecord[] = [];
    const outOfRange: OutOfRange[] = [];
    for (const topic of response.responses) {
      for (const partition of topic.partitions) {
        const key = topicPartitionKey({ topic: topic.topic, partition: partition.partitionIndex });
        const state = this.partitions.get(key);
        // Revoked, or moved by seek, while the request was out: its answer is stale.
        if (state === undefined || state.position === null || state.position !== asked.get(key)) continue;
        if (partition.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          if (state.preferredReadReplica >= 0) state.preferredReadReplica = -1;
          else outOfRange.push({ topic: state.topic, partition: state.partition, position: state.position });
          continue;
        }
        if (partition.errorCode !== ErrorCode.NONE) {
          const error = new KafkaClientError(partition.errorCode, `${state.topic}-${state.partition}`);
          if (!error.retriable) throw error;
          state.preferredReadReplica = -1;
          this.forgetLeaders([state]);
          continue;
        }
        state.preferredReadReplica = partition.preferredReadReplica;
        if (partition.records !== null) records.push(...(await this.decode(state, partition)));
      }
    }
    return { records, outOfRange };
  }

  /** The records at or after the position, in order; the position moves past every whole batch, control and aborted ones included. */
  private async decode(state: PartitionState, data: FetchResponsePartitionData): Promise<ConsumedRecord[]> {
    const records: ConsumedRecord[] = [];
    const aborted = [...(this.options.isolationLevel === 1 ? (data.abortedTransactions ?? []) : [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
    const abortedProducers = new Set<bigint>();
    for (const view of batchViews(data.records!, { allowPartialTail: true })) {
      while (aborted.length > 0 && aborted[0]!.firstOffset <= view.lastOffset) abortedProducers.add(aborted.shift()!.producerId);
      if (view.lastOffset < state.position!) continue;
      if (this.options.checkCrcs && !view.isCrcValid()) {
        throw new KafkaClientError(ErrorCode.CORRUPT_MESSAGE, `${state.topic}-${state.partition}: batch at offset ${view.baseOffset} fails its CRC`);
      }
      if (view.isControl) {
        const [marker] = await batchRecords(view);
        if (marker?.key !== null && marker?.key !== undefined && marker.key.length >= 4 && marker.key.readInt16BE(2) === ABORT_MARKER) abortedProducers.delete(view.producerId);
      } else if (!(view.isTransactional && abortedProducers.has(view.producerId))) {
        for (const record of await batchRecords(view)) {
          if (record.offset < state.position!) continue;
          records.push({
            topic: state.topic,
            partition: state.partition,
            offset: record.offset,
            timestamp: record.timestamp,
            timestampType: view.timestampType,
            key: record.key,
            value: record.value,
            headers: record.headers,
          });
        }
      }
      state.position = view.lastOffset + 1n;
    }
    return records;
  }

  private forgetLeaders(states: readonly PartitionState[]): void {
    for (const state of states) this.topics.delete(state.topic);
  }
}
