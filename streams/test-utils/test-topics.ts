import type { Headers } from '../processor/record.js';
import type { Serde } from '../serdes.js';
import type { KeyValuePair } from '../kstream/options.js';

/** A record read from an output topic (Kafka's TestRecord). */
export interface TestRecord<K, V> {
  readonly key: K | null;
  readonly value: V | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

export interface InputTopicSink {
  pipe(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers): void;
}

/** Kafka's TestInputTopic: records without a timestamp get the topic's current time, which then auto-advances. */
export class TestInputTopic<K, V> {
  #currentTimeMs: number;

  constructor(
    private readonly driver: InputTopicSink,
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    startTimestampMs: number,
    private readonly autoAdvanceMs: number,
  ) {
    this.#currentTimeMs = startTimestampMs;
  }

  pipeInput(key: K | null, value: V | null, timestampMs?: number, headers: Headers = []): void {
    let timestamp = timestampMs;
    if (timestamp === undefined) {
      timestamp = this.#currentTimeMs;
      this.#currentTimeMs += this.autoAdvanceMs;
    }
    this.driver.pipe(this.topic, this.keySerde.serialize(this.topic, key), this.valueSerde.serialize(this.topic, value), timestamp, headers);
  }

  pipeKeyValueList(records: Iterable<KeyValuePair<K | null, V | null>>): void {
    for (const r of records) this.pipeInput(r.key, r.value);
  }

  advanceTime(ms: number): void {
    this.#currentTimeMs += ms;
  }
}

export interface StoredRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

/** Kafka's TestOutputTopic: reading consumes the records read. */
export class TestOutputTopic<K, V> {
  constructor(
    private readonly queue: StoredRecord[],
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  readRecord(): TestRecord<K, V> {
    const r = this.queue.shift();
    if (r === undefined) throw new Error(`topic ${this.topic} is empty`);
    return { key: this.keySerde.deserialize(this.topic, r.key), value: this.valueSerde.deserialize(this.topic, r.value), timestamp: r.timestamp, headers: r.headers };
  }

  readKeyValue(): KeyValuePair<K | null, V | null> {
    const { key, value } = this.readRecord();
    return { key, value };
  }

  readValue(): V | null {
    return this.readRecord().value;
  }

  readRecordsToList(): TestRecord<K, V>[] {
    const out: TestRecord<K, V>[] = [];
    while (this.queue.length > 0) out.push(this.readRecord());
    return out;
  }

  readValuesToList(): (V | null)[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  readKeyValuesToList(): KeyValuePair<K | null, V | null>[] {
    return this.readRecordsToList().map(({ key, value }) => ({ key, value }));
  }

  /** The latest value per key; a null value removes the key, as a table would. */
  readKeyValuesToMap(): Map<K | null, V> {
    const map = new Map<K | null, V>();
    for (const { key, value } of this.readRecordsToList()) {
      if (value === null) map.delete(key);
      else map.set(key, value);
    }
    return map;
  }

  getQueueSize(): number {
    return this.queue.length;
  }

  isEmpty(): boolean {
    return this.queue.length === 0;
  }
}
