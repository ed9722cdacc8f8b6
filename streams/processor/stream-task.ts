import type { Serde } from '../serdes.js';
import type { StateStore, StateStoreContext } from '../state/state-store.js';
import { serdeOrDefault } from '../state/typed-serdes.js';
import {
  PunctuationType,
  type Cancellable,
  type Processor,
  type ProcessorContext,
  type Punctuator,
  type RecordMetadata,
} from './processor.js';
import { PunctuationQueue } from './punctuation-queue.js';
import { Record, type Headers } from './record.js';
import type { SinkNode, Topology, TopologyNode } from './topology.js';

/** A record as bytes on a topic, read by a source or written by a sink. */
export interface TopicRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

export interface TaskConfig {
  readonly applicationId: string;
  readonly taskId: string;
  readonly defaultKeySerde: Serde<unknown> | undefined;
  readonly defaultValueSerde: Serde<unknown> | undefined;
  /** Sink output, in the order the sinks wrote it. */
  readonly send: (record: TopicRecord) => void;
  readonly wallClockMs: () => number;
}

/** Stream time before any record: Kafka's RecordQueue.UNKNOWN. */
const UNKNOWN = -1;

/**
 * Runs one sub-topology over one partition group (Kafka's StreamTask): owns
 * its processors, stores, stream time and punctuation queues. Input and time
 * come in as calls, output leaves through `send`, so the same task serves
 * the test driver now and the consumer/producer runtime later.
 */
export class StreamTask {
  readonly #processors = new Map<string, Processor<unknown, unknown, unknown, unknown>>();
  readonly #children = new Map<string, TopologyNode[]>();
  readonly #stores = new Map<string, StateStore>();
  readonly #sources = new Map<string, TopologyNode & { kind: 'source' }>();
  readonly #streamTimeQueue = new PunctuationQueue();
  readonly #wallClockQueue = new PunctuationQueue();
  #streamTimeMs = UNKNOWN;
  #currentNode: string | undefined;
  #currentMetadata: RecordMetadata | undefined;
  #droppedRecords = 0;

  constructor(
    readonly topology: Topology,
    readonly nodeNames: readonly string[],
    readonly config: TaskConfig,
  ) {
    const members = new Set(nodeNames);
    for (const node of topology.nodes()) {
      if (!members.has(node.name)) continue;
      this.#children.set(node.name, []);
      if (node.kind === 'source') for (const topic of node.topics) this.#sources.set(topic, node);
    }
    for (const node of topology.nodes()) {
      if (node.kind === 'source' || !members.has(node.name)) continue;
      for (const parent of node.parents) this.#children.get(parent)!.push(node);
    }
  }

  get streamTimeMs(): number {
    return this.#streamTimeMs;
  }

  get droppedRecords(): number {
    return this.#droppedRecords;
  }

  sourceTopics(): string[] {
    return [...this.#sources.keys()];
  }

  store(name: string): StateStore | undefined {
    return this.#stores.get(name);
  }

  /** Builds and opens the stores, then inits the processors in topology order. */
  initialize(): void {
    const storeContext: StateStoreContext = {
      applicationId: this.config.applicationId,
      taskId: this.config.taskId,
      defaultKeySerde: this.config.defaultKeySerde,
      defaultValueSerde: this.config.defaultValueSerde,
    };
    for (const node of this.topology.nodes()) {
      if (node.kind !== 'processor' || !this.#children.has(node.name)) continue;
      for (const name of node.stores) {
        if (this.#stores.has(name)) continue;
        const store = this.topology.storeBuilder(name)!.build();
        store.init(storeContext);
        this.#stores.set(name, store);
      }
      this.#processors.set(node.name, node.supplier());
    }
    for (const [name, processor] of this.#processors) {
      this.#within(name, () => processor.init?.(this.#context(name)));
    }
  }

  /** Processes one input record, then fires the stream-time punctuations it made due. */
  process(input: TopicRecord, metadata?: Omit<RecordMetadata, 'topic'>): void {
    const source = this.#sources.get(input.topic);
    if (source === undefined) throw new Error(`task ${this.config.taskId} does not read topic ${input.topic}`);
    const keySerde = serdeOrDefault(source.keySerde, this.config.defaultKeySerde, `source ${source.name} key`);
    const valueSerde = serdeOrDefault(source.valueSerde, this.config.defaultValueSerde, `source ${source.name} value`);
    const record = new Record(keySerde.deserialize(input.topic, input.key), valueSerde.deserialize(input.topic, input.value), input.timestamp, input.headers);
    this.#streamTimeMs = Math.max(this.#streamTimeMs, input.timestamp);
    this.#currentMetadata = metadata === undefined ? undefined : { topic: input.topic, ...metadata };
    try {
      this.#within(source.name, () => this.#forward(source.name, record));
    } finally {
      this.#currentMetadata = undefined;
    }
    this.#streamTimeQueue.mayPunctuate(this.#streamTimeMs, (node, punctuator, now) => this.#within(node, () => punctuator(now)));
  }

  maybePunctuateSystemTime(): boolean {
    return this.#wallClockQueue.mayPunctuate(this.config.wallClockMs(), (node, punctuator, now) => this.#within(node, () => punctuator(now)));
  }

  flush(): void {
    for (const store of this.#stores.values()) store.flush();
  }

  close(): void {
    for (const [name, processor] of this.#processors) this.#within(name, () => processor.close?.());
    for (const store of this.#stores.values()) store.close();
  }

  #within(nodeName: string, run: () => void): void {
    const previous = this.#currentNode;
    this.#currentNode = nodeName;
    try {
      run();
    } finally {
      this.#currentNode = previous;
    }
  }

  #forward(from: string, record: Record<unknown, unknown>, childName?: string): void {
    const children = this.#children.get(from)!;
    const targets = childName === undefined ? children : children.filter((c) => c.name === childName);
    if (childName !== undefined && targets.length === 0) throw new Error(`${from} has no child named ${childName}`);
    for (const child of targets) {
      if (child.kind === 'sink') this.#sink(child, record);
      else this.#within(child.name, () => this.#processors.get(child.name)!.process(record));
    }
  }

  #sink(sink: SinkNode, record: Record<unknown, unknown>): void {
    const keySerde = serdeOrDefault(sink.keySerde, this.config.defaultKeySerde, `sink ${sink.name} key`);
    const valueSerde = serdeOrDefault(sink.valueSerde, this.config.defaultValueSerde, `sink ${sink.name} value`);
    this.config.send({
      topic: sink.topic,
      key: keySerde.serialize(sink.topic, record.key),
      value: valueSerde.serialize(sink.topic, record.value),
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }

  #context(nodeName: string): ProcessorContext<unknown, unknown> {
    const node = this.topology.node(nodeName);
    const stores = node?.kind === 'processor' ? node.stores : [];
    return {
      applicationId: this.config.applicationId,
      taskId: this.config.taskId,
      forward: (record, childName) => this.#forward(this.#currentNode ?? nodeName, record, childName),
      schedule: (intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable =>
        type === PunctuationType.STREAM_TIME
          ? // Aligned to 0, so the first punctuation fires with the first record (as Kafka).
            this.#streamTimeQueue.schedule(nodeName, 0, intervalMs, punctuator)
          : this.#wallClockQueue.schedule(nodeName, this.config.wallClockMs() + intervalMs, intervalMs, punctuator),
      getStateStore: <S extends StateStore>(name: string): S => {
        if (!stores.includes(name)) throw new Error(`processor ${nodeName} has no access to state store ${name}`);
        return this.#stores.get(name) as S;
      },
      recordMetadata: () => this.#currentMetadata,
      currentStreamTimeMs: () => this.#streamTimeMs,
      currentSystemTimeMs: () => this.config.wallClockMs(),
      recordDropped: () => {
        this.#droppedRecords += 1;
      },
    };
  }
}
