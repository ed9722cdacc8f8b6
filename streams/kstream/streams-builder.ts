import type { Serde } from '../serdes.js';
import { Topology } from '../processor/topology.js';
import { Stores } from '../state/stores.js';
import { KStream } from './kstream.js';
import { tableSourceProcessor } from './ktable-source.js';
import { KTable } from './ktable.js';
import type { Consumed, Materialized } from './options.js';
import { storeValueGetter } from './table-value-getter.js';

/**
 * Kafka Streams' StreamsBuilder: the DSL entry point. Generated names use one
 * counter for processors and stores, as Kafka's InternalStreamsBuilder does,
 * so a topology built with the same calls gets the same names and the same
 * description (and so the same internal topic names) as in Java.
 */
export class StreamsBuilder {
  readonly topology = new Topology();
  #index = 0;

  newProcessorName(prefix: string): string {
    return `${prefix}${String(this.#index++).padStart(10, '0')}`;
  }

  newStoreName(prefix: string): string {
    return `${prefix}STATE-STORE-${String(this.#index++).padStart(10, '0')}`;
  }

  stream<K, V>(topics: string | readonly string[], consumed: Consumed<K, V> = {}): KStream<K, V> {
    const name = consumed.name ?? this.newProcessorName('KSTREAM-SOURCE-');
    const source: { name: string; keySerde?: Serde<K>; valueSerde?: Serde<V> } = { name };
    if (consumed.keySerde !== undefined) source.keySerde = consumed.keySerde;
    if (consumed.valueSerde !== undefined) source.valueSerde = consumed.valueSerde;
    this.topology.addSource(source, ...(typeof topics === 'string' ? [topics] : topics));
    return new KStream<K, V>(this, name, false, consumed.keySerde, consumed.valueSerde);
  }

  /**
   * A table read from a topic (Kafka's builder.table): a source, then a
   * KTABLE-SOURCE processor keeping the latest value per key in a store named
   * `<topic>-STATE-STORE-<n>` unless Materialized names it.
   */
  table<K, V>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): KTable<K, V> {
    const storeName = materialized.storeName ?? this.newStoreName(`${topic}-`);
    const stream = this.stream<K, V>(topic, consumed);
    const name = consumed.name === undefined ? this.newProcessorName('KTABLE-SOURCE-') : `${consumed.name}-table-source`;
    this.topology.addProcessor(name, tableSourceProcessor<K, V>(storeName), stream.name);
    const keySerde = materialized.keySerde ?? consumed.keySerde;
    const valueSerde = materialized.valueSerde ?? consumed.valueSerde;
    this.topology.addStateStore(Stores.timestampedKeyValueStoreBuilder(Stores.inMemoryKeyValueStore(storeName), keySerde, valueSerde), name);
    return new KTable<K, V>(this, name, materialized.storeName, keySerde, valueSerde, storeValueGetter(storeName));
  }

  build(): Topology {
    return this.topology;
  }
}
