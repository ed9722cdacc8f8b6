import { Serdes } from '../serdes.js';
import { Stores } from '../state/stores.js';
import { timestampedValues } from '../state/value-and-timestamp.js';
import { TypedWindowStore } from '../state/window-store.js';
import type { Windowed } from '../state/windowed.js';
import { windowAggregateProcessor, type Fold } from './aggregate-processors.js';
import type { KGroupedStream } from './kgrouped-stream.js';
import { KTable } from './ktable.js';
import type { Materialized } from './options.js';
import type { TimeWindows } from './time-windows.js';
import { WindowedSerdes } from './windowed-serdes.js';

/** A grouped stream cut into time windows (Kafka Streams' TimeWindowedKStream). */
export class TimeWindowedKStream<K, V> {
  constructor(
    readonly grouped: KGroupedStream<K, V>,
    readonly windows: TimeWindows,
  ) {}

  count(materialized?: Materialized<K, number>): KTable<Windowed<K>, number> {
    // Kafka's count(Materialized) burns one generated name when the store is unnamed (count() does not);
    // so do we, to keep the names equal.
    if (materialized !== undefined && materialized.storeName === undefined) this.grouped.stream.builder.newStoreName('KSTREAM-AGGREGATE-');
    return this.#aggregate('KSTREAM-AGGREGATE-', (_k, _v, old: number | undefined) => (old ?? 0) + 1, {
      ...materialized,
      valueSerde: materialized?.valueSerde ?? Serdes.Long(),
    });
  }

  reduce(reducer: (aggregate: V, value: V) => V, materialized: Materialized<K, V> = {}): KTable<Windowed<K>, V> {
    return this.#aggregate('KSTREAM-REDUCE-', (_k, v, old: V | undefined) => (old === undefined ? v : reducer(old, v)), {
      ...materialized,
      valueSerde: materialized.valueSerde ?? this.grouped.valueSerde,
    });
  }

  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, materialized: Materialized<K, VA> = {}): KTable<Windowed<K>, VA> {
    return this.#aggregate('KSTREAM-AGGREGATE-', (k, v, old: VA | undefined) => aggregator(k, v, old ?? initializer()), materialized);
  }

  #aggregate<VA>(prefix: string, fold: Fold<K, V, VA>, materialized: Materialized<K, VA>): KTable<Windowed<K>, VA> {
    const builder = this.grouped.stream.builder;
    const storeName = materialized.storeName ?? builder.newStoreName(prefix);
    const minimumRetentionMs = this.windows.sizeMs + this.windows.graceMs;
    const retentionMs = materialized.retentionMs ?? minimumRetentionMs;
    if (retentionMs < minimumRetentionMs) {
      throw new RangeError(`The retention period of the window store ${storeName} must be no smaller than its window size plus the grace period. Got size=[${this.windows.sizeMs}], grace=[${this.windows.graceMs}], retention=[${retentionMs}]`);
    }
    const keySerde = materialized.keySerde ?? this.grouped.keySerde;
    const store = {
      name: storeName,
      build: () =>
        new TypedWindowStore(Stores.inMemoryWindowStore(storeName, retentionMs, this.windows.sizeMs).get(), keySerde, undefined, timestampedValues(materialized.valueSerde)),
    };
    const name = this.grouped.build(prefix, storeName, store, windowAggregateProcessor(storeName, this.windows, fold));
    // As Kafka's FullTimeWindowedSerde: windowed keys reach sinks as key bytes + window start.
    const windowedKeySerde = keySerde && WindowedSerdes.timeWindowedSerdeFrom(keySerde, this.windows.sizeMs);
    return new KTable<Windowed<K>, VA>(builder, name, materialized.storeName !== undefined ? storeName : undefined, windowedKeySerde, materialized.valueSerde);
  }
}
