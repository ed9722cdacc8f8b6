// freshet/streams: Kafka Streams' topology, Processor API, DSL, stores and test driver.
export { Record, type Headers } from './processor/record.js';
export {
  PunctuationType,
  type Cancellable,
  type Processor,
  type ProcessorContext,
  type ProcessorSupplier,
  type Punctuator,
  type RecordMetadata,
} from './processor/processor.js';
export { Topology, TopologyException } from './processor/topology.js';
export type { TopologyDescription, SubtopologyDescription } from './processor/topology-description.js';
export { Serdes, type Serde } from './serdes.js';
export { StreamsConfig, type StreamsProperties } from './streams-config.js';
export { Stores, type BytesStoreSupplier } from './state/stores.js';
export type { KeyValue, StateStore, StoreBuilder } from './state/state-store.js';
export type { KeyValueStore, ReadOnlyKeyValueStore } from './state/key-value-store.js';
export type { WindowStore } from './state/window-store.js';
export type { Windowed, TimeWindow } from './state/windowed.js';
export type { ValueAndTimestamp } from './state/value-and-timestamp.js';
export { StreamsBuilder } from './kstream/streams-builder.js';
export { KStream } from './kstream/kstream.js';
export { KTable } from './kstream/ktable.js';
export { KGroupedStream } from './kstream/kgrouped-stream.js';
export { BranchedKStream, type Branched } from './kstream/branched-kstream.js';
export { TimeWindows } from './kstream/time-windows.js';
export { JoinWindows } from './kstream/join-windows.js';
export type { ValueJoiner } from './kstream/join-processors.js';
export { TimeWindowedKStream } from './kstream/time-windowed-kstream.js';
export { WindowedSerdes } from './kstream/windowed-serdes.js';
export { pair, type Consumed, type Grouped, type KeyValuePair, type Materialized, type Produced } from './kstream/options.js';
export { TopologyTestDriver, type TaskMetric } from './test-utils/topology-test-driver.js';
export { TestInputTopic, TestOutputTopic, type TestRecord } from './test-utils/test-topics.js';
