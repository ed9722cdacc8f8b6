import type { Serde } from '../serdes.js';

// Kafka Streams' Consumed, Produced, Grouped and Materialized, as plain options.
export interface Consumed<K, V> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  /** The source processor's name (Consumed.as). */
  readonly name?: string;
}

export interface Produced<K, V> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly name?: string;
}

export interface Grouped<K, V> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  /** Names the repartition topic: <application.id>-<name>-repartition. */
  readonly name?: string;
}

export interface Materialized<K, V> {
  /** The store name; the store is then queryable and names the repartition topic. */
  readonly storeName?: string;
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  /** Window stores only: how long windows are kept (default window size + grace). */
  readonly retentionMs?: number;
}

export interface KeyValuePair<K, V> {
  readonly key: K;
  readonly value: V;
}

export function pair<K, V>(key: K, value: V): KeyValuePair<K, V> {
  return { key, value };
}
