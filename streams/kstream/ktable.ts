import { TopologyException } from '../processor/topology.js';
import type { Serde } from '../serdes.js';
import type { Change } from './change.js';
import { tableTableJoinProcessor, type ValueJoiner } from './join-processors.js';
import { KStream } from './kstream.js';
import { stateless } from './stateless-processor.js';
import type { StreamsBuilder } from './streams-builder.js';
import { derivedValueGetter, type ValueGetterSupplier } from './table-value-getter.js';

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
    /** How joins read this table's current values; undefined for tables that cannot be read (windowed). */
    readonly valueGetter?: ValueGetterSupplier<K, V>,
  ) {}

  /** How a join reads this table; its processors must be connected to the getter's stores. */
  joinValueGetter(): ValueGetterSupplier<K, V> {
    if (this.valueGetter === undefined) throw new TopologyException(`table ${this.name} cannot be joined: its values are not readable by key`);
    return this.valueGetter;
  }

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
    const getter = this.valueGetter && derivedValueGetter(this.valueGetter, compute);
    return new KTable(this.builder, name, undefined, this.keySerde, valueSerde, getter);
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

  /** Kafka's KTable-KTable inner join: a result while both sides have a value, a tombstone when one side goes. */
  join<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<K, V, VO, VR>): KTable<K, VR> {
    return this.#join(other, (v, o, k) => joiner(v!, o!, k), false, false);
  }

  /** Every value of this table joined with the other's value or null. */
  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<K, V, VO | null, VR>): KTable<K, VR> {
    return this.#join(other, (v, o, k) => joiner(v!, o, k), false, true);
  }

  /** A result while either side has a value, the missing side as null. */
  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<K, V | null, VO | null, VR>): KTable<K, VR> {
    return this.#join(other, joiner, true, true);
  }

  /**
   * Kafka's KTableImpl.doJoin: a KTABLE-JOINTHIS processor for this side's
   * updates, a KTABLE-JOINOTHER one for the other's, each reading the other
   * side's values, both into a KTABLE-MERGE processor. The result table reads
   * its values by joining both sides' getters again.
   */
  #join<VO, VR>(other: KTable<K, VO>, joiner: (value: V | null, otherValue: VO | null, key: K) => VR, thisOptional: boolean, otherOptional: boolean): KTable<K, VR> {
    const builder = this.builder;
    const thisGetter = this.joinValueGetter();
    const otherGetter = other.joinValueGetter();
    const mergeName = builder.newProcessorName('KTABLE-MERGE-');
    const thisName = builder.newProcessorName('KTABLE-JOINTHIS-');
    const otherName = builder.newProcessorName('KTABLE-JOINOTHER-');
    builder.topology.addProcessor(thisName, tableTableJoinProcessor(otherGetter, joiner, thisOptional, otherOptional), this.name);
    builder.topology.addProcessor(otherName, tableTableJoinProcessor<K, VO, V, VR>(thisGetter, (o, v, k) => joiner(v, o, k), otherOptional, thisOptional), other.name);
    builder.topology.connectProcessorAndStateStores(thisName, ...otherGetter.storeNames);
    builder.topology.connectProcessorAndStateStores(otherName, ...thisGetter.storeNames);
    builder.topology.addProcessor(mergeName, stateless<K, Change<VR>, K, Change<VR>>((r, forward) => forward(r)), thisName, otherName);
    const getter = joinedValueGetter(thisGetter, otherGetter, joiner, thisOptional, otherOptional);
    return new KTable<K, VR>(builder, mergeName, undefined, this.keySerde, undefined, getter);
  }
}

function joinedValueGetter<K, V, VO, VR>(
  left: ValueGetterSupplier<K, V>,
  right: ValueGetterSupplier<K, VO>,
  joiner: (value: V | null, otherValue: VO | null, key: K) => VR,
  leftOptional: boolean,
  rightOptional: boolean,
): ValueGetterSupplier<K, VR> {
  return {
    storeNames: [...left.storeNames, ...right.storeNames],
    get: (context) => {
      const getLeft = left.get(context);
      const getRight = right.get(context);
      return (key) => {
        const l = getLeft(key);
        const r = getRight(key);
        if ((l === undefined && !leftOptional) || (r === undefined && !rightOptional) || (l === undefined && r === undefined)) return undefined;
        return { value: joiner(l?.value ?? null, r?.value ?? null, key), timestamp: Math.max(l?.timestamp ?? -1, r?.timestamp ?? -1) };
      };
    },
  };
}
