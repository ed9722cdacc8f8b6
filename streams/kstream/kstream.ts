import type { ProcessorSupplier } from '../processor/processor.js';
import { TopologyException } from '../processor/topology.js';
import type { Serde } from '../serdes.js';
import { BranchedKStream } from './branched-kstream.js';
import { KGroupedStream } from './kgrouped-stream.js';
import { streamTableJoinProcessor, type ValueJoiner } from './join-processors.js';
import type { JoinWindows } from './join-windows.js';
import type { KTable } from './ktable.js';
import { streamStreamJoin, type StreamJoinKind } from './stream-stream-join.js';
import type { Grouped, KeyValuePair, Produced } from './options.js';
import { stateless } from './stateless-processor.js';
import type { StreamsBuilder } from './streams-builder.js';

/**
 * A record stream (Kafka Streams' KStream). Each operation adds one processor
 * named as Kafka names it; operations that may change the key set
 * `repartitionRequired`, so that a later grouping goes through a repartition
 * topic.
 */
export class KStream<K, V> {
  constructor(
    readonly builder: StreamsBuilder,
    /** The processor this stream is the output of. */
    readonly name: string,
    readonly repartitionRequired: boolean,
    readonly keySerde: Serde<K> | undefined,
    readonly valueSerde: Serde<V> | undefined,
  ) {}

  #add<K2, V2>(
    prefix: string,
    supplier: ProcessorSupplier<K, V, K2, V2>,
    keyChanging: boolean,
    keySerde: Serde<K2> | undefined,
    valueSerde: Serde<V2> | undefined,
  ): KStream<K2, V2> {
    const name = this.builder.newProcessorName(prefix);
    this.builder.topology.addProcessor(name, supplier, this.name);
    return new KStream(this.builder, name, this.repartitionRequired || keyChanging, keySerde, valueSerde);
  }

  filter(predicate: (key: K, value: V) => boolean): KStream<K, V> {
    return this.#add('KSTREAM-FILTER-', stateless<K, V, K, V>((r, forward) => predicate(r.key, r.value) && forward(r)), false, this.keySerde, this.valueSerde);
  }

  filterNot(predicate: (key: K, value: V) => boolean): KStream<K, V> {
    return this.filter((k, v) => !predicate(k, v));
  }

  map<K2, V2>(mapper: (key: K, value: V) => KeyValuePair<K2, V2>): KStream<K2, V2> {
    return this.#add(
      'KSTREAM-MAP-',
      stateless<K, V, K2, V2>((r, forward) => {
        const out = mapper(r.key, r.value);
        forward(r.withKey(out.key).withValue(out.value));
      }),
      true,
      undefined,
      undefined,
    );
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2): KStream<K, V2> {
    return this.#add('KSTREAM-MAPVALUES-', stateless<K, V, K, V2>((r, forward) => forward(r.withValue(mapper(r.value, r.key)))), false, this.keySerde, undefined);
  }

  flatMap<K2, V2>(mapper: (key: K, value: V) => Iterable<KeyValuePair<K2, V2>>): KStream<K2, V2> {
    return this.#add(
      'KSTREAM-FLATMAP-',
      stateless<K, V, K2, V2>((r, forward) => {
        for (const out of mapper(r.key, r.value)) forward(r.withKey(out.key).withValue(out.value));
      }),
      true,
      undefined,
      undefined,
    );
  }

  flatMapValues<V2>(mapper: (value: V, key: K) => Iterable<V2>): KStream<K, V2> {
    return this.#add(
      'KSTREAM-FLATMAPVALUES-',
      stateless<K, V, K, V2>((r, forward) => {
        for (const value of mapper(r.value, r.key)) forward(r.withValue(value));
      }),
      false,
      this.keySerde,
      undefined,
    );
  }

  selectKey<K2>(mapper: (key: K, value: V) => K2): KStream<K2, V> {
    return this.#add('KSTREAM-KEY-SELECT-', stateless<K, V, K2, V>((r, forward) => forward(r.withKey(mapper(r.key, r.value)))), true, undefined, this.valueSerde);
  }

  peek(action: (key: K, value: V) => void): KStream<K, V> {
    return this.#add(
      'KSTREAM-PEEK-',
      stateless<K, V, K, V>((r, forward) => {
        action(r.key, r.value);
        forward(r);
      }),
      false,
      this.keySerde,
      this.valueSerde,
    );
  }

  foreach(action: (key: K, value: V) => void): void {
    this.#add('KSTREAM-FOREACH-', stateless<K, V, never, never>((r) => action(r.key, r.value)), false, undefined, undefined);
  }

  merge(other: KStream<K, V>): KStream<K, V> {
    const name = this.builder.newProcessorName('KSTREAM-MERGE-');
    this.builder.topology.addProcessor(name, stateless<K, V, K, V>((r, forward) => forward(r)), this.name, other.name);
    return new KStream(this.builder, name, this.repartitionRequired || other.repartitionRequired, this.keySerde, this.valueSerde);
  }

  /** Routes each record to the first branch whose predicate it matches (Kafka's split()). */
  split(named?: string): BranchedKStream<K, V> {
    return new BranchedKStream(this, named ?? this.builder.newProcessorName('KSTREAM-BRANCH-'));
  }

  to(topic: string, produced: Produced<K, V> = {}): void {
    const name = produced.name ?? this.builder.newProcessorName('KSTREAM-SINK-');
    const keySerde = produced.keySerde ?? this.keySerde;
    const valueSerde = produced.valueSerde ?? this.valueSerde;
    this.builder.topology.addSink({ name, ...(keySerde && { keySerde }), ...(valueSerde && { valueSerde }) }, topic, this.name);
  }

  /** Applies a Processor API processor; its output may have any key, so it marks the stream for repartitioning. */
  process<K2, V2>(supplier: ProcessorSupplier<K, V, K2, V2>, ...storeNames: string[]): KStream<K2, V2> {
    const stream = this.#add('KSTREAM-PROCESSOR-', supplier, true, undefined, undefined);
    if (storeNames.length > 0) this.builder.topology.connectProcessorAndStateStores(stream.name, ...storeNames);
    return stream;
  }

  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream(this, this.name, this.repartitionRequired, grouped.keySerde ?? this.keySerde, grouped.valueSerde ?? this.valueSerde, grouped.name);
  }

  groupBy<K2>(selector: (key: K, value: V) => K2, grouped: Grouped<K2, V> = {}): KGroupedStream<K2, V> {
    const name = this.builder.newProcessorName('KSTREAM-KEY-SELECT-');
    this.builder.topology.addProcessor(name, stateless<K, V, K2, V>((r, forward) => forward(r.withKey(selector(r.key, r.value)))), this.name);
    return new KGroupedStream(this as unknown as KStream<K2, V>, name, true, grouped.keySerde, grouped.valueSerde ?? this.valueSerde, grouped.name);
  }

  /** Kafka's KStream-KTable join: each record joined with the table's current value of its key; table updates emit nothing. */
  join<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<K, V, VT, VR>): KStream<K, VR>;
  /** Kafka's windowed KStream-KStream inner join: records of both streams with the same key and timestamps within the windows. */
  join<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<K, V, VO, VR>, windows: JoinWindows): KStream<K, VR>;
  join<VO, VR>(other: KTable<K, VO> | KStream<K, VO>, joiner: ValueJoiner<K, V, VO, VR>, windows?: JoinWindows): KStream<K, VR> {
    if (windows === undefined) return this.#joinTable('KSTREAM-JOIN-', other as KTable<K, VO>, (v, t, k) => joiner(v, t!, k), false);
    const stream = other as KStream<K, VO>;
    return this.#joinStream(stream, (v, o, k) => joiner(v!, o!, k), windows, 'inner');
  }

  /** Windowed KStream-KStream left join: a record that joins nothing is emitted with null once its window closes. */
  leftJoin<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<K, V, VT | null, VR>): KStream<K, VR>;
  leftJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<K, V, VO | null, VR>, windows: JoinWindows): KStream<K, VR>;
  leftJoin<VO, VR>(other: KTable<K, VO> | KStream<K, VO>, joiner: ValueJoiner<K, V, VO | null, VR>, windows?: JoinWindows): KStream<K, VR> {
    if (windows === undefined) return this.#joinTable('KSTREAM-LEFTJOIN-', other as KTable<K, VO>, joiner, true);
    return this.#joinStream(other as KStream<K, VO>, (v, o, k) => joiner(v!, o, k), windows, 'left');
  }

  /** Windowed KStream-KStream outer join: records of either side that join nothing are emitted with null once their window closes. */
  outerJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<K, V | null, VO | null, VR>, windows: JoinWindows): KStream<K, VR> {
    return this.#joinStream(other, joiner, windows, 'outer');
  }

  #joinStream<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<K, V | null, VO | null, VR>, windows: JoinWindows, kind: StreamJoinKind): KStream<K, VR> {
    if (this.repartitionRequired || other.repartitionRequired) throw new TopologyException('joining key-changed streams needs repartition topics, which are not supported yet');
    return new KStream<K, VR>(this.builder, streamStreamJoin(this, other, joiner, windows, kind), false, this.keySerde, undefined);
  }

  #joinTable<VT, VR>(prefix: string, table: KTable<K, VT>, joiner: ValueJoiner<K, V, VT | null, VR>, leftJoin: boolean): KStream<K, VR> {
    // Kafka would repartition a key-changed stream first; that needs the repartition step of joins, not here yet.
    if (this.repartitionRequired) throw new TopologyException('joining a key-changed stream with a table needs a repartition topic, which is not supported yet');
    const getter = table.joinValueGetter();
    const stream = this.#add(prefix, streamTableJoinProcessor(getter, joiner, leftJoin), false, this.keySerde, undefined);
    this.builder.topology.connectProcessorAndStateStores(stream.name, ...getter.storeNames);
    return stream;
  }
}
