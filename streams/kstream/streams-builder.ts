import type { Serde } from '../serdes.js';
import { Topology } from '../processor/topology.js';
import { KStream } from './kstream.js';
import type { Consumed } from './options.js';

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

  build(): Topology {
    return this.topology;
  }
}
