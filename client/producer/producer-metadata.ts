import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { KafkaClientError, KafkaTimeoutError } from '../client-error.js';
import type { KafkaClient, TopicInfo } from '../kafka-client.js';
import type { TopicPartitions } from './record-accumulator.js';

interface CachedTopic extends TopicPartitions {
  readonly info: TopicInfo;
  readonly fetchedMs: number;
  lastUsedMs: number;
}

function cachedTopic(info: TopicInfo, nowMs: number): CachedTopic {
  const leaders = info.partitions.map((partition) => partition.leaderId);
  return {
    info,
    fetchedMs: nowMs,
    lastUsedMs: nowMs,
    numPartitions: info.partitions.length,
    availablePartitions: info.partitions.filter((partition) => partition.leaderId >= 0).map((partition) => partition.partition),
    leaderOf: (partition) => leaders[partition] ?? -1,
  };
}

/**
 * The topics this producer writes to, as last seen in metadata (asked with
 * auto-creation allowed, as Java's producer does). A send waits for a topic's
 * first metadata up to `max.block.ms`; errors and `metadata.max.age.ms`
 * refresh it in the background while the old view stays in use; topics
 * unused for `metadata.max.idle.ms` are dropped.
 */
export class ProducerMetadata {
  private readonly topics = new Map<string, CachedTopic>();
  private refreshing: Promise<void> | null = null;
  private readonly wanted = new Set<string>();

  constructor(
    private readonly client: KafkaClient,
    private readonly options: { metadataMaxAgeMs: number; metadataMaxIdleMs: number; retryBackoffMs: number; onUpdate: () => void },
  ) {}

  /** The topic's partitions when known (the send fast path). */
  partitionsFor(topic: string, nowMs: number): TopicPartitions | undefined {
    const cached = this.topics.get(topic);
    if (cached === undefined) return undefined;
    cached.lastUsedMs = nowMs;
    if (nowMs - cached.fetchedMs >= this.options.metadataMaxAgeMs) this.requestUpdate([topic]);
    return cached;
  }

  /** Known topic info for the sender (no refresh side effects). */
  peek(topic: string): TopicPartitions | undefined {
    return this.topics.get(topic);
  }

  /** Waits for the topic's metadata (and, with `partition`, for that partition to exist) up to maxBlockMs. */
  async waitOnMetadata(topic: string, partition: number | undefined, maxBlockMs: number): Promise<TopicPartitions> {
    const deadline = Date.now() + maxBlockMs;
    for (let attempt = 0; ; attempt++) {
      const cached = this.topics.get(topic);
      if (cached !== undefined && (partition === undefined || partition < cached.numPartitions)) return cached;
      try {
        await this.fetch([topic]);
      } catch (error) {
        if (error instanceof KafkaClientError && !error.retriable) throw error;
      }
      const now = Date.now();
      const fetched = this.topics.get(topic);
      if (fetched !== undefined && (partition === undefined || partition < fetched.numPartitions)) return fetched;
      if (now >= deadline) {
        throw new KafkaTimeoutError(
          fetched !== undefined && partition !== undefined
            ? `Partition ${partition} of topic ${topic} with partition count ${fetched.numPartitions} is not present in metadata after ${maxBlockMs} ms.`
            : `Topic ${topic} not present in metadata after ${maxBlockMs} ms.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(deadline - now, this.options.retryBackoffMs * 2 ** Math.min(attempt, 4))));
    }
  }

  /** Refreshes these topics (and every known one) in the background; one refresh at a time. */
  requestUpdate(topics: Iterable<string>): void {
    for (const topic of topics) this.wanted.add(topic);
    if (this.refreshing !== null) return;
    this.refreshing = (async () => {
      while (this.wanted.size > 0) {
        const batch = [...new Set([...this.wanted, ...this.topics.keys()])];
        this.wanted.clear();
        try {
          await this.fetch(batch);
        } catch {
          // The old view stays; the sender's retries ask again after their backoff.
          await new Promise((resolve) => setTimeout(resolve, this.options.retryBackoffMs));
          break;
        }
      }
    })().finally(() => {
      this.refreshing = null;
      this.options.onUpdate();
    });
  }

  private async fetch(topics: string[]): Promise<void> {
    const cluster = await this.client.metadata(topics, true);
    const now = Date.now();
    for (const [name, cached] of this.topics) {
      if (now - cached.lastUsedMs >= this.options.metadataMaxIdleMs) this.topics.delete(name);
    }
    for (const topic of topics) {
      const info = cluster.topics.get(topic);
      if (info === undefined) continue;
      if (info.errorCode !== ErrorCode.NONE || info.partitions.length === 0) {
        // A topic being created answers LEADER_NOT_AVAILABLE; a real error (INVALID_TOPIC_EXCEPTION, authorization) is for the send to see.
        if (!new KafkaClientError(info.errorCode, topic).retriable && info.errorCode !== ErrorCode.NONE) throw new KafkaClientError(info.errorCode, `topic ${topic}`);
        continue;
      }
      const previous = this.topics.get(topic);
      const next = cachedTopic(info, now);
      if (previous !== undefined) next.lastUsedMs = previous.lastUsedMs;
      this.topics.set(topic, next);
    }
  }
}
