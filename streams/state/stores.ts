import type { Serde } from '../serdes.js';
import type { KeyValueBytesStore, WindowBytesStore } from './bytes-store.js';
import { InMemoryKeyValueStore } from './in-memory-key-value-store.js';
import { InMemoryWindowStore } from './in-memory-window-store.js';
import { TypedKeyValueStore, type KeyValueStore } from './key-value-store.js';
import type { StoreBuilder } from './state-store.js';
import { timestampedValues, type ValueAndTimestamp } from './value-and-timestamp.js';
import { TypedWindowStore, type WindowStore } from './window-store.js';

/** Makes the bytes store for one task (Kafka's *BytesStoreSupplier). */
export interface BytesStoreSupplier<S> {
  readonly name: string;
  get(): S;
}

// Kafka Streams' Stores factory; the LMDB suppliers will sit beside the in-memory ones.
export const Stores = {
  inMemoryKeyValueStore: (name: string): BytesStoreSupplier<KeyValueBytesStore> => ({ name, get: () => new InMemoryKeyValueStore(name) }),
  inMemoryWindowStore: (name: string, retentionPeriodMs: number, windowSizeMs: number, retainDuplicates = false): BytesStoreSupplier<WindowBytesStore> => ({
    name,
    get: () => new InMemoryWindowStore(name, retentionPeriodMs, windowSizeMs, retainDuplicates),
  }),
  keyValueStoreBuilder: <K, V>(
    supplier: BytesStoreSupplier<KeyValueBytesStore>,
    keySerde?: Serde<K>,
    valueSerde?: Serde<V>,
  ): StoreBuilder<KeyValueStore<K, V>> => ({ name: supplier.name, build: () => new TypedKeyValueStore(supplier.get(), keySerde, valueSerde) }),
  /** Values stored with their timestamp, in Kafka's timestamped layout (KTable stores). */
  timestampedKeyValueStoreBuilder: <K, V>(
    supplier: BytesStoreSupplier<KeyValueBytesStore>,
    keySerde?: Serde<K>,
    valueSerde?: Serde<V>,
  ): StoreBuilder<KeyValueStore<K, ValueAndTimestamp<V>>> => ({
    name: supplier.name,
    build: () => new TypedKeyValueStore(supplier.get(), keySerde, undefined, timestampedValues(valueSerde)),
  }),
  windowStoreBuilder: <K, V>(
    supplier: BytesStoreSupplier<WindowBytesStore>,
    keySerde?: Serde<K>,
    valueSerde?: Serde<V>,
  ): StoreBuilder<WindowStore<K, V>> => ({ name: supplier.name, build: () => new TypedWindowStore(supplier.get(), keySerde, valueSerde) }),
} as const;
