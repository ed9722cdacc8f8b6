import type { ProcessorSupplier } from '../processor/processor.js';
import { Serdes, type Serde } from '../serdes.js';
import type { StateStore, StoreBuilder } from '../state/state-store.js';
import { aggregateProcessor, type Fold } from './aggregate-processors.js';
import type { Change } from './change.js';
import { KTable } from './ktable.js';
import type { KStream } from './kstream.js';
import type { Materialized } from './options.js';
import { stateless } from './stateless-processor.js';
import { Stores } from '../state/stores.js';
import { storeValueGetter } from './table-value-getter.js';
import { TimeWindowedKStream } from './time-windowed-kstream.js';
import type { TimeWindows } from './time-windows.js';

const REPARTITION_TOPIC_SUFFIX = '-repartition';

/** A stream grouped by key, ready to aggregate (Kafka Streams' KGroupedStream). */
export class KGroupedStream<K, V> {
  constructor(
    readonly stream: KStream<K, V>,
    /** The processor the grouped records come from. */
    readonly name: string,
    readonly repartitionRequired: boolean,
    readonly keySerde: Serde<K> | undefined,
    readonly valueSerde: Serde<V> | undefined,
    /** Grouped.as: names the repartition topic instead of the store. */
    readonly repartitionName: string | undefined,
  ) {}

  count(materialized?: Materialized<K, number>): KTable<K, number> {
    const builder = this.stream.builder;
    // Kafka's count(Materialized) burns one generated name when the store is unnamed (count() does not);
    // so do we, to keep the names equal.
    if (materialized !== undefined && materialized.storeName === undefined) builder.newStoreName('KSTREAM-AGGREGATE-');
    return this.#aggregate('KSTREAM-AGGREGATE-', (_k, _v, old: number | undefined) => (old ?? 0) + 1, {
      ...materialized,
      // Counts are Kafka Longs in stores and on the wire, so Java readers agree.
      valueSerde: materialized?.valueSerde ?? Serdes.Long(),
    });
  }

  reduce(reducer: (aggregate: V, value: V) => V, materialized: Materialized<K, V> = {}): KTable<K, V> {
    return this.#aggregate('KSTREAM-REDUCE-', (_k, v, old: V | undefined) => (old === undefined ? v : reducer(old, v)), {
      ...materialized,
      valueSerde: materialized.valueSerde ?? this.valueSerde,
    });
  }

  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, materialized: Materialized<K, VA> = {}): KTable<K, VA> {
    return this.#aggregate('KSTREAM-AGGREGATE-', (k, v, old: VA | undefined) => aggregator(k, v, old ?? initializer()), materialized);
  }

  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V> {
    return new TimeWindowedKStream(this, windows);
  }

  #aggregate<VA>(prefix: string, fold: Fold<K, V, VA>, materialized: Materialized<K, VA>): KTable<K, VA> {
    const builder = this.stream.builder;
    const storeName = materialized.storeName ?? builder.newStoreName(prefix);
    const keySerde = materialized.keySerde ?? this.keySerde;
    const store = Stores.timestampedKeyValueStoreBuilder(Stores.inMemoryKeyValueStore(storeName), keySerde, materialized.valueSerde);
    const name = this.build(prefix, storeName, store, aggregateProcessor(storeName, fold));
    return new KTable<K, VA>(builder, name, materialized.storeName !== undefined ? storeName : undefined, keySerde, materialized.valueSerde, storeValueGetter(storeName));
  }

  /**
   * Adds the aggregation processor and its store, behind a repartition topic
   * when the key may have changed upstream (Kafka's GroupedStreamAggregateBuilder).
   * Returns the aggregation processor's name.
   */
  build<KOut, VA>(prefix: string, storeName: string, store: StoreBuilder<StateStore>, supplier: ProcessorSupplier<K, V, KOut, Change<VA>>): string {
    const builder = this.stream.builder;
    const topology = builder.topology;
    const name = builder.newProcessorName(prefix);
    let parent = this.name;
    if (this.repartitionRequired) {
      const topicPrefix = this.repartitionName ?? storeName;
      const topic = topicPrefix.endsWith(REPARTITION_TOPIC_SUFFIX) ? topicPrefix : topicPrefix + REPARTITION_TOPIC_SUFFIX;
      // Generated names are always drawn, so later names match Kafka's whichever are used.
      const generated = [builder.newProcessorName('KSTREAM-SINK-'), builder.newProcessorName('KSTREAM-FILTER-'), builder.newProcessorName('KSTREAM-SOURCE-')];
      const [sink, filter, source] = /^KSTREAM.*-[0-9]{10}$/.test(topicPrefix) ? generated : [`${topic}-sink`, `${topic}-filter`, `${topic}-source`];
      const serdes = { ...(this.keySerde && { keySerde: this.keySerde }), ...(this.valueSerde && { valueSerde: this.valueSerde }) };
      topology.addProcessor(filter!, stateless<K, V, K, V>((r, forward) => forward(r)), parent);
      topology.addSink({ name: sink!, ...serdes }, topic, filter!);
      topology.addSource({ name: source!, ...serdes }, topic);
      topology.markInternalTopic(topic);
      parent = source!;
    }
    topology.addProcessor(name, supplier, parent);
    topology.addStateStore(store, name);
    return name;
  }
}

