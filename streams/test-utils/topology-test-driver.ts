import type { Headers } from '../processor/record.js';
import { StreamTask, type TopicRecord } from '../processor/stream-task.js';
import type { Topology } from '../processor/topology.js';
import type { Serde } from '../serdes.js';
import { TypedKeyValueStore, type ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { KeyValue, StateStore } from '../state/state-store.js';
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js';
import { TypedWindowStore } from '../state/window-store.js';
import type { Windowed } from '../state/windowed.js';
import { resolveStreamsConfig, type StreamsProperties } from '../streams-config.js';
import { TestInputTopic, TestOutputTopic, type StoredRecord } from './test-topics.js';

export interface TaskMetric {
  readonly name: 'dropped-records-total';
  readonly group: 'stream-task-metrics';
  readonly tags: { readonly 'task-id': string };
  readonly value: number;
}

/**
 * Kafka Streams' TopologyTestDriver: runs a topology without a broker, one
 * task per sub-topology, processing each piped record to completion (records
 * written to repartition topics are read back at once), with a mocked
 * wall clock that moves only when told.
 */
export class TopologyTestDriver {
  readonly #tasks: StreamTask[] = [];
  readonly #taskByTopic = new Map<string, StreamTask>();
  /** Broker topic name -> the name the topology's source uses. */
  readonly #sourceTopicName = new Map<string, string>();
  readonly #topics = new Map<string, StoredRecord[]>();
  readonly #offsets = new Map<string, number>();
  readonly #pending: TopicRecord[] = [];
  readonly #applicationId: string;
  #wallClockMs: number;
  #processing = false;

  constructor(
    readonly topology: Topology,
    props: StreamsProperties,
    initialWallClockTimeMs: number = Date.now(),
  ) {
    const config = resolveStreamsConfig(props);
    this.#applicationId = config.applicationId;
    this.#wallClockMs = initialWallClockTimeMs;
    for (const sub of topology.describe().subtopologies) {
      const task = new StreamTask(topology, sub.nodes, {
        applicationId: config.applicationId,
        taskId: `${sub.id}_0`,
        defaultKeySerde: config.defaultKeySerde,
        defaultValueSerde: config.defaultValueSerde,
        send: (record) => this.#capture(record),
        wallClockMs: () => this.#wallClockMs,
      });
      for (const topic of task.sourceTopics()) {
        this.#taskByTopic.set(this.#brokerTopic(topic), task);
        this.#sourceTopicName.set(this.#brokerTopic(topic), topic);
      }
      this.#tasks.push(task);
    }
    for (const task of this.#tasks) task.initialize();
    this.#drain();
  }

  /** The topic name on a broker: internal topics are prefixed with application.id. */
  #brokerTopic(topic: string): string {
    return this.topology.isInternalTopic(topic) ? `${this.#applicationId}-${topic}` : topic;
  }

  #capture(record: TopicRecord): void {
    const topic = this.#brokerTopic(record.topic);
    const stored = { ...record, topic };
    const queue = this.#topics.get(topic) ?? [];
    queue.push(stored);
    this.#topics.set(topic, queue);
    if (this.#taskByTopic.has(topic)) this.#pending.push(stored);
  }

  #drain(): void {
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (let next = this.#pending.shift(); next !== undefined; next = this.#pending.shift()) {
        const task = this.#taskByTopic.get(next.topic)!;
        const offset = this.#offsets.get(next.topic) ?? 0;
        this.#offsets.set(next.topic, offset + 1);
        task.process({ ...next, topic: this.#sourceTopicName.get(next.topic)! }, { partition: 0, offset });
      }
    } finally {
      this.#processing = false;
    }
  }

  /** Pipes one serialized record into a source topic and processes it (and what it triggers). */
  pipe(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers): void {
    if (!this.#taskByTopic.has(topic)) throw new Error(`Unknown topic: ${topic}`);
    this.#pending.push({ topic, key, value, timestamp, headers });
    this.#drain();
  }

  createInputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, startTimestampMs = this.#wallClockMs, autoAdvanceMs = 0): TestInputTopic<K, V> {
    return new TestInputTopic(this, topic, keySerde, valueSerde, startTimestampMs, autoAdvanceMs);
  }

  createOutputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    let queue = this.#topics.get(topic);
    if (queue === undefined) {
      queue = [];
      this.#topics.set(topic, queue);
    }
    return new TestOutputTopic(queue, topic, keySerde, valueSerde);
  }

  /** Advances the mocked wall clock and fires the wall-clock punctuations that became due. */
  advanceWallClockTime(ms: number): void {
    if (ms < 0) throw new RangeError('the wall clock cannot go back');
    this.#wallClockMs += ms;
    for (const task of this.#tasks) task.maybePunctuateSystemTime();
    this.#drain();
  }

  getStateStore(name: string): StateStore | undefined {
    for (const task of this.#tasks) {
      const store = task.store(name);
      if (store !== undefined) return store;
    }
    return undefined;
  }

  /** A key-value store by name; for a timestamped store (the DSL's), the values without timestamps. */
  getKeyValueStore<K, V>(name: string): ReadOnlyKeyValueStore<K, V> | undefined {
    const store = this.getStateStore(name);
    if (!(store instanceof TypedKeyValueStore)) return undefined;
    if (store.wrapValue === undefined) return store as TypedKeyValueStore<K, V>;
    const inner = store as TypedKeyValueStore<K, ValueAndTimestamp<V>>;
    const strip = (entries: KeyValue<K, ValueAndTimestamp<V>>[]): KeyValue<K, V>[] => entries.map((e) => ({ key: e.key, value: e.value.value }));
    return {
      get: (key) => inner.get(key)?.value,
      range: (from, to) => strip(inner.range(from, to)),
      all: () => strip(inner.all()),
      approximateNumEntries: () => inner.approximateNumEntries(),
    };
  }

  getTimestampedKeyValueStore<K, V>(name: string): ReadOnlyKeyValueStore<K, ValueAndTimestamp<V>> | undefined {
    const store = this.getStateStore(name);
    return store instanceof TypedKeyValueStore && store.wrapValue !== undefined ? (store as TypedKeyValueStore<K, ValueAndTimestamp<V>>) : undefined;
  }

  /** All windows of a window store, values without timestamps for the DSL's timestamped stores. */
  getWindowStoreEntries<K, V>(name: string): KeyValue<Windowed<K>, V>[] | undefined {
    const store = this.getStateStore(name);
    if (!(store instanceof TypedWindowStore)) return undefined;
    const entries = (store as TypedWindowStore<K, unknown>).all();
    return store.wrapValue === undefined
      ? (entries as KeyValue<Windowed<K>, V>[])
      : entries.map((e) => ({ key: e.key, value: (e.value as ValueAndTimestamp<V>).value }));
  }

  metrics(): TaskMetric[] {
    return this.#tasks.map((task) => ({
      name: 'dropped-records-total',
      group: 'stream-task-metrics',
      tags: { 'task-id': task.config.taskId },
      value: task.droppedRecords,
    }));
  }

  close(): void {
    for (const task of this.#tasks) task.close();
  }
}
