import type { Serde } from '../serdes.js';
import type { Change } from './change.js';
import { KStream } from './kstream.js';
import { stateless } from './stateless-processor.js';
import type { StreamsBuilder } from './streams-builder.js';

/**
 * A changelog stream (Kafka Streams' KTable): each record is the latest value
 * of its key, a null value deletes it. Processors forward `Change`s; as in
 * Kafka without old values requested, the old value is not sent downstream.
 */
export class KTable<K, V> {
  constructor(
    readonly builder: StreamsBuilder,
    readonly name: string,
    /** The store name when the table was materialized under a user-given name (queryable). */
    readonly queryableStoreName: string | undefined,
    readonly keySerde: Serde<K> | undefined,
    readonly valueSerde: Serde<V> | undefined,
  ) {}

  #add<V2>(prefix: string, compute: (key: K, value: V) => V2 | null, valueSerde: Serde<V2> | undefined): KTable<K, V2> {
    const name = this.builder.newProcessorName(prefix);
    this.builder.topology.addProcessor(
      name,
      stateless<K, Change<V>, K, Change<V2>>((r, forward) => {
        const newValue = r.value.newValue === null ? null : compute(r.key, r.value.newValue);
        forward(r.withValue({ newValue, oldValue: null }));
      }),
      this.name,
    );
    return new KTable(this.builder, name, undefined, this.keySerde, valueSerde);
  }

  /** Keeps the keys whose value matches; an update that does not match becomes a deletion downstream. */
  filter(predicate: (key: K, value: V) => boolean): KTable<K, V> {
    return this.#add('KTABLE-FILTER-', (k, v) => (predicate(k, v) ? v : null), this.valueSerde);
  }

  filterNot(predicate: (key: K, value: V) => boolean): KTable<K, V> {
    return this.filter((k, v) => !predicate(k, v));
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2): KTable<K, V2> {
    return this.#add('KTABLE-MAPVALUES-', (k, v) => mapper(v, k), undefined);
  }

  /** The table's updates as a record stream: one record per update, deletions as null values. */
  toStream(): KStream<K, V | null> {
    const name = this.builder.newProcessorName('KTABLE-TOSTREAM-');
    this.builder.topology.addProcessor(name, stateless<K, Change<V>, K, V | null>((r, forward) => forward(r.withValue(r.value.newValue))), this.name);
    return new KStream<K, V | null>(this.builder, name, false, this.keySerde, this.valueSerde);
  }
}
