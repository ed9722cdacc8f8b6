import type { Serde } from '../serdes.js';
import type { StateStore, StoreBuilder } from '../state/state-store.js';
import type { ProcessorSupplier } from './processor.js';
import { describeTopology, type TopologyDescription } from './topology-description.js';

export class TopologyException extends Error {
  override readonly name = 'TopologyException';
}

export interface SerdeOptions {
  readonly keySerde?: Serde<any>;
  readonly valueSerde?: Serde<any>;
}

export interface SourceNode extends SerdeOptions {
  readonly kind: 'source';
  readonly name: string;
  readonly topics: readonly string[];
}

export interface ProcessorNode {
  readonly kind: 'processor';
  readonly name: string;
  readonly supplier: ProcessorSupplier<any, any, any, any>;
  readonly parents: readonly string[];
  readonly stores: string[];
}

export interface SinkNode extends SerdeOptions {
  readonly kind: 'sink';
  readonly name: string;
  readonly topic: string;
  readonly parents: readonly string[];
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode;

type Named = { readonly name: string } & SerdeOptions;

/**
 * A processor topology (Kafka Streams' Topology): sources read topics,
 * processors transform, sinks write topics; state stores are connected to the
 * processors that use them. Nodes are kept in insertion order, which numbers
 * the sub-topologies as Kafka does.
 */
export class Topology {
  readonly #nodes = new Map<string, TopologyNode>();
  readonly #stores = new Map<string, StoreBuilder<StateStore>>();
  readonly #sourceTopics = new Map<string, string>();
  readonly #internalTopics = new Set<string>();

  addSource(source: string | Named, ...topics: string[]): this {
    const { name, ...serdes } = typeof source === 'string' ? { name: source } : source;
    if (topics.length === 0) throw new TopologyException(`source ${name} must read at least one topic`);
    this.#checkNewName(name);
    for (const topic of topics) {
      const owner = this.#sourceTopics.get(topic);
      if (owner !== undefined) throw new TopologyException(`topic ${topic} is already read by source ${owner}`);
    }
    for (const topic of topics) this.#sourceTopics.set(topic, name);
    this.#nodes.set(name, { kind: 'source', name, topics: [...topics], ...serdes });
    return this;
  }

  addProcessor<KIn, VIn, KOut, VOut>(name: string, supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>, ...parentNames: string[]): this {
    this.#checkNewName(name);
    this.#checkParents(name, parentNames);
    this.#nodes.set(name, { kind: 'processor', name, supplier, parents: [...parentNames], stores: [] });
    return this;
  }

  addSink(sink: string | Named, topic: string, ...parentNames: string[]): this {
    const { name, ...serdes } = typeof sink === 'string' ? { name: sink } : sink;
    this.#checkNewName(name);
    this.#checkParents(name, parentNames);
    this.#nodes.set(name, { kind: 'sink', name, topic, parents: [...parentNames], ...serdes });
    return this;
  }

  addStateStore(builder: StoreBuilder<StateStore>, ...processorNames: string[]): this {
    if (this.#stores.has(builder.name)) throw new TopologyException(`state store ${builder.name} is already added`);
    this.#stores.set(builder.name, builder);
    this.connectProcessorAndStateStores(processorNames, builder.name);
    return this;
  }

  connectProcessorAndStateStores(processorNames: string | readonly string[], ...storeNames: string[]): this {
    for (const processorName of typeof processorNames === 'string' ? [processorNames] : processorNames) {
      const node = this.#nodes.get(processorName);
      if (node?.kind !== 'processor') throw new TopologyException(`processor ${processorName} is not added yet`);
      for (const store of storeNames) {
        if (!this.#stores.has(store)) throw new TopologyException(`state store ${store} is not added yet`);
        if (!node.stores.includes(store)) node.stores.push(store);
      }
    }
    return this;
  }

  /** Marks a topic the application owns (a repartition topic), named <application.id>-<topic> on the broker. */
  markInternalTopic(topic: string): void {
    this.#internalTopics.add(topic);
  }

  isInternalTopic(topic: string): boolean {
    return this.#internalTopics.has(topic);
  }

  internalTopics(): readonly string[] {
    return [...this.#internalTopics];
  }

  nodes(): readonly TopologyNode[] {
    return [...this.#nodes.values()];
  }

  node(name: string): TopologyNode | undefined {
    return this.#nodes.get(name);
  }

  storeBuilder(name: string): StoreBuilder<StateStore> | undefined {
    return this.#stores.get(name);
  }

  describe(): TopologyDescription {
    return describeTopology(this.nodes());
  }

  #checkNewName(name: string): void {
    if (name === '') throw new TopologyException('a node name must not be empty');
    if (this.#nodes.has(name)) throw new TopologyException(`processor ${name} is already added`);
  }

  #checkParents(name: string, parentNames: string[]): void {
    if (parentNames.length === 0) throw new TopologyException(`${name} must have at least one parent`);
    for (const parent of parentNames) {
      if (parent === name) throw new TopologyException(`${name} cannot be its own parent`);
      const node = this.#nodes.get(parent);
      if (node === undefined) throw new TopologyException(`parent processor ${parent} is not added yet for ${name}`);
      if (node.kind === 'sink') throw new TopologyException(`sink ${parent} cannot be used as a parent`);
    }
  }
}
