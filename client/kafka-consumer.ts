import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { RecordHeader } from '../core/protocol/records/kafka-record.js';
import { topicPartitionKey } from './assignors/partition-assignor.js';
import { Admin, OffsetSpec } from './admin.js';
import { IllegalStateError, KafkaClientError } from './client-error.js';
import { kafkaClientOptions } from './config/common-client-configs.js';
import { parseConsumerConfig, type ConsumerConfig, type ConsumerConfigInput } from './config/consumer-configs.js';
import { ConsumerCoordinator } from './consumer-coordinator.js';
import { NoOffsetForPartitionError, OffsetOutOfRangeError, RecordDeserializationError } from './consumer-errors.js';
import type { TopicPartition } from './consumer-protocol.js';
import { Fetcher, type ConsumedRecord } from './fetcher.js';
import { KafkaClient } from './kafka-client.js';
import type { Deserializer } from './serialization.js';

export type { TopicPartition } from './consumer-protocol.js';

/** A record as poll() returns it, key and value deserialized. */
export interface ConsumerRecord<K, V> {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: K;
  value: V;
  headers: RecordHeader[];
}

/** Kafka's ConsumerRebalanceListener; each callback may be async, and the rebalance waits for it. */
export interface RebalanceListener {
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Called before partitions move away: the last moment to commit them. */
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** The partitions already belong to someone else (session lost, poll too late); by default the same as revoked, as in Java. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

/** An offset to commit: the next offset to read, as in Kafka. */
export interface OffsetAndMetadata extends TopicPartition {
  offset: bigint;
  metadata?: string | null;
}

/** The configuration with deserializers typing the records. */
export type KafkaConsumerConfig<K, V> = Omit<ConsumerConfigInput, 'key.deserializer' | 'value.deserializer'> & {
  readonly 'key.deserializer'?: Deserializer<K> | string;
  readonly 'value.deserializer'?: Deserializer<V> | string;
};

type SubscriptionMode = 'NONE' | 'TOPICS' | 'PATTERN' | 'USER_ASSIGNED';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** How long poll() waits before looking again when nothing can be fetched (no assignment yet, all paused). */
const IDLE_WAIT_MS = 50;

/**
 * Kafka's KafkaConsumer with the Java client's keys and defaults:
 * `subscribe(topics | RegExp, listener)` joins `group.id` (classic protocol,
 * client-side assignors from `partition.assignment.strategy`), `assign()`
 * takes partitions by hand; `poll(timeoutMs)` returns up to
 * `max.poll.records` records; `for await (const record of consumer)` reads
 * forever. With `enable.auto.commit` the positions of returned records are
 * committed every `auto.commit.interval.ms` (from poll), before partitions
 * are revoked and on close.
 */
export class KafkaConsumer<K = Buffer | null, V = Buffer | null> {
  readonly config: ConsumerConfig;
  private readonly client: KafkaClient;
  private readonly admin: Admin;
  private readonly fetcher: Fetcher;
  private readonly keyDeserializer: Deserializer<K>;
  private readonly valueDeserializer: Deserializer<V>;
  private coordinator: ConsumerCoordinator | null = null;
  private mode: SubscriptionMode = 'NONE';
  private topics: string[] = [];
  private pattern: RegExp | null = null;
  private listener: RebalanceListener = {};
  private buffer: ConsumedRecord[] = [];
  /** Partitions seekToBeginning/End moved, resolved at the next poll or position(). */
  private readonly pendingResets = new Map<string, 'earliest' | 'latest'>();
  private nextAutoCommitMs = 0;
  private nextMetadataRefreshMs = 0;
  private closed = false;

  constructor(config: KafkaConsumerConfig<K, V>) {
    this.config = parseConsumerConfig(config);
    this.client = new KafkaClient(kafkaClientOptions(this.config, 20));
    this.admin = new Admin(this.client);
    this.fetcher = new Fetcher(this.client, {
      maxWaitMs: this.config['fetch.max.wait.ms'],
      minBytes: this.config['fetch.min.bytes'],
      maxBytes: this.config['fetch.max.bytes'],
      partitionMaxBytes: this.config['max.partition.fetch.bytes'],
      isolationLevel: this.config['isolation.level'] === 'read_committed' ? 1 : 0,
      checkCrcs: this.config['check.crcs'],
      rackId: this.config['client.rack'],
    });
    this.keyDeserializer = this.config['key.deserializer'] as Deserializer<K>;
    this.valueDeserializer = this.config['value.deserializer'] as Deserializer<V>;
  }

  /** Subscribes to topics (or every topic matching a pattern, checked at each metadata refresh) as a member of `group.id`. */
  subscribe(topics: readonly string[] | RegExp, listener: RebalanceListener = {}): void {
    this.ensureOpen();
    if (this.mode === 'USER_ASSIGNED') throw new IllegalStateError('subscribe() after assign(): call unsubscribe() first');
    const groupId = this.config['group.id'];
    if (groupId === null) throw new KafkaClientError(ErrorCode.INVALID_GROUP_ID, 'subscribe() needs group.id in the configuration');
    this.listener = listener;
    if (topics instanceof RegExp) {
      this.mode = 'PATTERN';
      this.pattern = topics;
      this.topics = [];
      this.nextMetadataRefreshMs = 0;
    } else {
      this.mode = 'TOPICS';
      this.pattern = null;
      this.topics = [...new Set(topics)].sort();
    }
    if (this.coordinator !== null) return this.coordinator.requestRejoin();
    this.coordinator = new ConsumerCoordinator(
      this.client,
      {
        groupId,
        groupInstanceId: this.config['group.instance.id'],
        sessionTimeoutMs: this.config['session.timeout.ms'],
        maxPollIntervalMs: this.config['max.poll.interval.ms'],
        heartbeatIntervalMs: this.config['heartbeat.interval.ms'],
        assignors: this.config['partition.assignment.strategy'],
        rackId: this.config['client.rack'] === '' ? null : this.config['client.rack'],
      },
      {
        subscribedTopics: () => this.topics,
        partitionCounts: (names) => this.partitionCounts(names),
        onAssigned: (added) => this.onAssigned(added),
        onRevoked: (revoked) => this.onRevoked(revoked),
        onLost: (lost) => this.onLost(lost),
      },
    );
  }

  /** Leaves the group (committing first with auto commit) and drops every partition. */
  async unsubscribe(): Promise<void> {
    if (this.coordinator !== null && this.mode !== 'USER_ASSIGNED') await this.coordinator.leave('the consumer unsubscribed');
    this.drop(this.fetcher.assigned());
    this.mode = 'NONE';
    this.topics = [];
    this.pattern = null;
  }

  /** Takes these partitions by hand (no group membership; offsets still commit to `group.id` when set). */
  assign(partitions: readonly TopicPartition[]): void {
    this.ensureOpen();
    if (this.mode === 'TOPICS' || this.mode === 'PATTERN') throw new IllegalStateError('assign() after subscribe(): call unsubscribe() first');
    this.mode = partitions.length === 0 ? 'NONE' : 'USER_ASSIGNED';
    const keep = new Set(partitions.map(topicPartitionKey));
    this.drop(this.fetcher.assigned().filter((tp) => !keep.has(topicPartitionKey(tp))));
    this.fetcher.add(partitions);
  }

  /** A topic's partitions, from metadata (Java's partitionsFor). */
  async partitionsFor(topic: string): Promise<TopicPartition[]> {
    const info = await this.client.topicMetadata(topic, this.config['allow.auto.create.topics']);
    return info.partitions.map((partition) => ({ topic, partition: partition.partition }));
  }

  /** The partitions assigned now. */
  assignment(): TopicPartition[] {
    return this.fetcher.assigned();
  }

  /** The subscribed topics (for a pattern: those it matches now). */
  subscription(): string[] {
    return [...this.topics];
  }

  /** The group's view of this member, for `sendOffsetsToTransaction`. */
  groupMetadata(): { groupId: string | null; generationId: number; memberId: string; groupInstanceId: string | null } {
    return {
      groupId: this.config['group.id'],
      generationId: this.coordinator?.generationId ?? -1,
      memberId: this.coordinator?.memberId ?? '',
      groupInstanceId: this.config['group.instance.id'],
    };
  }

  /**
   * Up to `max.poll.records` records, waiting up to `timeoutMs` for some.
   * Joins the group when needed, commits with auto commit when due, refreshes
   * metadata every `metadata.max.age.ms` (new partitions, new topics matching
   * the pattern). Calling it at least every `max.poll.interval.ms` keeps the
   * member in the group.
   */
  async poll(timeoutMs: number): Promise<ConsumerRecord<K, V>[]> {
    this.ensureOpen();
    if (this.mode === 'NONE') throw new IllegalStateError('poll() without subscribe() or assign()');
    const deadline = Date.now() + timeoutMs;
    await this.maybeRefreshMetadata();
    if (this.coordinator !== null && this.mode !== 'USER_ASSIGNED') await this.coordinator.poll(deadline);
    this.maybeAutoCommit();
    for (;;) {
      const ready = this.drain();
      if (ready.length > 0) return ready;
      await this.resolvePositions();
      const remaining = deadline - Date.now();
      const fetchable = this.fetcher.assigned().some((tp) => this.fetcher.position(tp) !== null && !this.isPaused(tp));
      if (!fetchable) {
        if (remaining <= 0) return [];
        await sleep(Math.min(remaining, IDLE_WAIT_MS));
        if (this.coordinator !== null && this.mode !== 'USER_ASSIGNED') await this.coordinator.poll(deadline);
        continue;
      }
      // Partitions with records still buffered (paused ones) are not fetched again until those are handed out.
      const buffered = new Set(this.buffer.map(topicPartitionKey));
      const { records, outOfRange } = await this.fetcher.fetchOnce(Math.max(0, Math.min(this.config['fetch.max.wait.ms'], remaining)), buffered);
      await this.resetOutOfRange(outOfRange);
      this.buffer.push(...records);
      if (records.length === 0 && Date.now() >= deadline) return [];
    }
  }

  /** Reads records forever (until close() or the loop is left), polling as needed; positions advance as poll()'s do. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
    while (!this.closed) {
      for (const record of await this.poll(this.config['fetch.max.wait.ms'])) yield record;
    }
  }

  /** Commits offsets (by default the positions of every assigned partition) and waits, retrying retriable errors up to `default.api.timeout.ms`. */
  async commitSync(offsets?: readonly OffsetAndMetadata[]): Promise<void> {
    const toCommit = offsets ?? this.positions();
    const deadline = Date.now() + this.config['default.api.timeout.ms'];
    for (;;) {
      try {
        return await this.commitOnce(toCommit);
      } catch (error) {
        if (!(error instanceof KafkaClientError) || !error.retriable || Date.now() >= deadline) throw error;
        await sleep(this.client.retryBackoffMs);
      }
    }
  }

  /**
   * Commits once, without retrying, and does not hold up poll(). The promise
   * settles with the result; leaving it unobserved never crashes the process
   * (an unhandled failure is only reported to `onComplete`).
   */
  commitAsync(offsets?: readonly OffsetAndMetadata[], onComplete?: (error: Error | null) => void): Promise<void> {
    const committing = this.commitOnce(offsets ?? this.positions());
    committing.then(
      () => onComplete?.(null),
      (error: unknown) => onComplete?.(error instanceof Error ? error : new Error(String(error))),
    );
    return committing;
  }

  /** The group's committed offsets of these partitions (null where it has none). */
  async committed(partitions: readonly TopicPartition[]): Promise<(TopicPartition & { offset: bigint | null; metadata: string | null })[]> {
    const groupId = this.requireGroupId('committed()');
    const byTopic = new Map<string, number[]>();
    for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const offsets = await this.admin.fetchOffsets(groupId, [...byTopic].map(([topic, indexes]) => ({ topic, partitions: indexes })));
    return partitions.map((tp) => {
      const found = offsets.find((o) => o.topic === tp.topic && o.partition === tp.partition);
      return { ...tp, offset: found === undefined || found.offset < 0n ? null : found.offset, metadata: found?.metadata ?? null };
    });
  }

  /** The next offset poll() returns for an assigned partition (resolving it from the committed offset or `auto.offset.reset` if needed). */
  async position(tp: TopicPartition): Promise<bigint> {
    if (!this.fetcher.isAssigned(tp)) throw new IllegalStateError(`position() of ${tp.topic}-${tp.partition}, which is not assigned to this consumer`);
    const buffered = this.buffer.find((record) => record.topic === tp.topic && record.partition === tp.partition);
    if (buffered !== undefined) return buffered.offset;
    if (this.fetcher.position(tp) === null) await this.resolvePositions();
    return this.fetcher.position(tp)!;
  }

  seek(tp: TopicPartition, offset: bigint): void {
    if (offset < 0n) throw new KafkaClientError(ErrorCode.INVALID_REQUEST, `seek offset must not be negative: ${offset}`);
    this.dropBuffered([tp]);
    this.pendingResets.delete(topicPartitionKey(tp));
    this.fetcher.seek(tp, offset);
  }

  /** Moves to the first offset of these partitions (all assigned when omitted), resolved at the next poll() or position(). */
  seekToBeginning(partitions?: readonly TopicPartition[]): void {
    this.seekTo(partitions ?? this.fetcher.assigned(), 'earliest');
  }

  /** Moves to the end of these partitions (all assigned when omitted), resolved at the next poll() or position(). */
  seekToEnd(partitions?: readonly TopicPartition[]): void {
    this.seekTo(partitions ?? this.fetcher.assigned(), 'latest');
  }

  /** Stops fetching these partitions (their records already fetched are kept back too) until resume(); the group does not notice. */
  pause(partitions: readonly TopicPartition[]): void {
    this.fetcher.setPaused(partitions, true);
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.fetcher.setPaused(partitions, false);
  }

  paused(): TopicPartition[] {
    return this.fetcher.paused();
  }

  /** Asks the group for a rebalance (Java's enforceRebalance). */
  enforceRebalance(): void {
    this.coordinator?.requestRejoin();
  }

  /** Commits with auto commit, leaves the group (a static member stays, KIP-345), closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.config['enable.auto.commit'] && this.config['group.id'] !== null && this.fetcher.assigned().length > 0) {
        await this.commitSync().catch(() => undefined);
      }
      await this.coordinator?.close();
    } finally {
      this.client.close();
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new IllegalStateError('this consumer is closed');
  }

  private requireGroupId(what: string): string {
    const groupId = this.config['group.id'];
    if (groupId === null) throw new KafkaClientError(ErrorCode.INVALID_GROUP_ID, `${what} needs group.id in the configuration`);
    return groupId;
  }

  private isPaused(tp: TopicPartition): boolean {
    return this.fetcher.paused().some((p) => p.topic === tp.topic && p.partition === tp.partition);
  }

  /** Hands out up to max.poll.records buffered records of partitions not paused. */
  private drain(): ConsumerRecord<K, V>[] {
    const paused = new Set(this.fetcher.paused().map(topicPartitionKey));
    const out: ConsumerRecord<K, V>[] = [];
    const kept: ConsumedRecord[] = [];
    for (const [i, record] of this.buffer.entries()) {
      if (out.length >= this.config['max.poll.records'] || paused.has(topicPartitionKey(record))) {
        kept.push(record);
        continue;
      }
      try {
        out.push(this.deserialize(record));
      } catch (error) {
        // As Java: the records before the bad one are returned, and the next poll() throws at it.
        if (out.length === 0) throw error;
        this.buffer = [...kept, ...this.buffer.slice(i)];
        return out;
      }
    }
    this.buffer = kept;
    return out;
  }

  private deserialize(record: ConsumedRecord): ConsumerRecord<K, V> {
    try {
      return {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        timestampType: record.timestampType,
        key: this.keyDeserializer.deserialize(record.topic, record.key, record.headers),
        value: this.valueDeserializer.deserialize(record.topic, record.value, record.headers),
        headers: record.headers,
      };
    } catch (error) {
      throw new RecordDeserializationError(record.topic, record.partition, record.offset, error);
    }
  }

  /** The position of every assigned partition that has one: what auto commit and commitSync() commit. */
  private positions(): OffsetAndMetadata[] {
    const offsets: OffsetAndMetadata[] = [];
    for (const tp of this.fetcher.assigned()) {
      const buffered = this.buffer.find((record) => record.topic === tp.topic && record.partition === tp.partition);
      const position = buffered?.offset ?? this.fetcher.position(tp);
      if (position !== null && position !== undefined) offsets.push({ ...tp, offset: position });
    }
    return offsets;
  }

  private async commitOnce(offsets: readonly OffsetAndMetadata[]): Promise<void> {
    const groupId = this.requireGroupId('commit');
    if (this.coordinator !== null && this.mode !== 'USER_ASSIGNED') return this.coordinator.commit(offsets);
    await this.admin.commitOffsets(groupId, offsets);
  }

  private maybeAutoCommit(): void {
    if (!this.config['enable.auto.commit'] || this.config['group.id'] === null) return;
    const now = Date.now();
    if (now < this.nextAutoCommitMs) return;
    this.nextAutoCommitMs = now + this.config['auto.commit.interval.ms'];
    const offsets = this.positions();
    // A failed auto commit is retried at the next interval; the records stay at most one interval behind.
    if (offsets.length > 0) this.commitOnce(offsets).catch(() => undefined);
  }

  /** Starts every partition without a position: a pending seekToBeginning/End, the committed offset, else `auto.offset.reset`. */
  private async resolvePositions(): Promise<void> {
    const missing = this.fetcher.withoutPosition();
    if (missing.length === 0) return;
    const resets = new Map<string, 'earliest' | 'latest'>();
    const uncommitted: TopicPartition[] = [];
    const toLookUp = missing.filter((tp) => {
      const pending = this.pendingResets.get(topicPartitionKey(tp));
      if (pending !== undefined) resets.set(topicPartitionKey(tp), pending);
      return pending === undefined;
    });
    if (toLookUp.length > 0 && this.config['group.id'] !== null) {
      for (const committed of await this.committed(toLookUp)) {
        if (committed.offset !== null && this.fetcher.isAssigned(committed)) this.fetcher.seek(committed, committed.offset);
        else uncommitted.push(committed);
      }
    } else {
      uncommitted.push(...toLookUp);
    }
    const policy = this.config['auto.offset.reset'];
    if (uncommitted.length > 0 && policy === 'none') throw new NoOffsetForPartitionError(uncommitted);
    for (const tp of uncommitted) resets.set(topicPartitionKey(tp), policy as 'earliest' | 'latest');
    await this.applyResets(missing.filter((tp) => resets.has(topicPartitionKey(tp))), resets);
  }

  private async resetOutOfRange(outOfRange: readonly (TopicPartition & { position: bigint })[]): Promise<void> {
    if (outOfRange.length === 0) return;
    const policy = this.config['auto.offset.reset'];
    if (policy === 'none') throw new OffsetOutOfRangeError(outOfRange);
    await this.applyResets(outOfRange, new Map(outOfRange.map((tp) => [topicPartitionKey(tp), policy])));
  }

  private async applyResets(partitions: readonly TopicPartition[], specs: ReadonlyMap<string, 'earliest' | 'latest'>): Promise<void> {
    const groups = new Map<string, number[]>();
    for (const tp of partitions) {
      const group = `${specs.get(topicPartitionKey(tp))}\u0000${tp.topic}`;
      groups.set(group, [...(groups.get(group) ?? []), tp.partition]);
    }
    for (const [group, indexes] of groups) {
      const [spec, topic] = group.split('\u0000') as ['earliest' | 'latest', string];
      for (const listed of await this.admin.listOffsets(topic, spec === 'earliest' ? OffsetSpec.earliest : OffsetSpec.latest, indexes)) {
        const tp = { topic, partition: listed.partition };
        if (!this.fetcher.isAssigned(tp)) continue;
        this.fetcher.seek(tp, listed.offset);
        this.pendingResets.delete(topicPartitionKey(tp));
      }
    }
  }

  private seekTo(partitions: readonly TopicPartition[], spec: 'earliest' | 'latest'): void {
    this.dropBuffered(partitions);
    for (const tp of partitions) {
      this.fetcher.seek(tp, null);
      this.pendingResets.set(topicPartitionKey(tp), spec);
    }
  }

  private dropBuffered(partitions: readonly TopicPartition[]): void {
    const keys = new Set(partitions.map(topicPartitionKey));
    this.buffer = this.buffer.filter((record) => !keys.has(topicPartitionKey(record)));
  }

  private drop(partitions: readonly TopicPartition[]): void {
    this.dropBuffered(partitions);
    for (const tp of partitions) this.pendingResets.delete(topicPartitionKey(tp));
    this.fetcher.remove(partitions);
  }

  private async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (topics.length === 0) return counts;
    const { topics: infos } = await this.client.metadata(topics, this.config['allow.auto.create.topics']);
    for (const info of infos.values()) if (info.errorCode === ErrorCode.NONE) counts.set(info.name, info.partitions.length);
    return counts;
  }

  /** Every metadata.max.age.ms: a pattern's matching topics (rejoin when they change), new partitions (the leader rejoins). */
  private async maybeRefreshMetadata(): Promise<void> {
    if (Date.now() < this.nextMetadataRefreshMs || this.coordinator === null || this.mode === 'USER_ASSIGNED') return;
    this.nextMetadataRefreshMs = Date.now() + this.config['metadata.max.age.ms'];
    this.fetcher.forgetMetadata();
    if (this.mode === 'PATTERN' && this.pattern !== null) {
      const { topics } = await this.client.metadata(null);
      const matching = [...topics.values()]
        .filter((topic) => topic.errorCode === ErrorCode.NONE && !(topic.isInternal && this.config['exclude.internal.topics']) && this.pattern!.test(topic.name))
        .map((topic) => topic.name)
        .sort();
      if (matching.join('\u0000') !== this.topics.join('\u0000')) {
        this.topics = matching;
        this.coordinator.requestRejoin();
        return;
      }
    }
    await this.coordinator.checkPartitionCounts();
  }

  private async onAssigned(added: TopicPartition[]): Promise<void> {
    this.fetcher.add(added);
    await this.listener.onPartitionsAssigned?.(added);
  }

  private async onRevoked(revoked: TopicPartition[]): Promise<void> {
    if (this.config['enable.auto.commit']) {
      const keys = new Set(revoked.map(topicPartitionKey));
      await this.commitOnce(this.positions().filter((offset) => keys.has(topicPartitionKey(offset)))).catch(() => undefined);
    }
    try {
      await this.listener.onPartitionsRevoked?.(revoked);
    } finally {
      this.drop(revoked);
    }
  }

  private async onLost(lost: TopicPartition[]): Promise<void> {
    try {
      await (this.listener.onPartitionsLost ?? this.listener.onPartitionsRevoked)?.call(this.listener, lost);
    } finally {
      this.drop(lost);
    }
  }
}
