import { describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../kstream/streams-builder.js';
import { wordCountTopology } from '../examples/word-count-topology.js';
import { Stores } from '../state/stores.js';
import { Topology, TopologyException } from './topology.js';

// Kafka Streams' WordCountDemo, written with our DSL. The expected text is what
// Kafka's TopologyDescription.toString() prints for that program (format from
// InternalTopologyBuilder; the node names follow Kafka's naming counters).
const kafkaWordCountDescription =
  'Topologies:\n' +
  '   Sub-topology: 0\n' +
  '    Source: KSTREAM-SOURCE-0000000000 (topics: [streams-plaintext-input])\n' +
  '      --> KSTREAM-FLATMAPVALUES-0000000001\n' +
  '    Processor: KSTREAM-FLATMAPVALUES-0000000001 (stores: [])\n' +
  '      --> KSTREAM-KEY-SELECT-0000000002\n' +
  '      <-- KSTREAM-SOURCE-0000000000\n' +
  '    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])\n' +
  '      --> counts-store-repartition-filter\n' +
  '      <-- KSTREAM-FLATMAPVALUES-0000000001\n' +
  '    Processor: counts-store-repartition-filter (stores: [])\n' +
  '      --> counts-store-repartition-sink\n' +
  '      <-- KSTREAM-KEY-SELECT-0000000002\n' +
  '    Sink: counts-store-repartition-sink (topic: counts-store-repartition)\n' +
  '      <-- counts-store-repartition-filter\n' +
  '\n' +
  '  Sub-topology: 1\n' +
  '    Source: counts-store-repartition-source (topics: [counts-store-repartition])\n' +
  '      --> KSTREAM-AGGREGATE-0000000003\n' +
  '    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [counts-store])\n' +
  '      --> KTABLE-TOSTREAM-0000000007\n' +
  '      <-- counts-store-repartition-source\n' +
  '    Processor: KTABLE-TOSTREAM-0000000007 (stores: [])\n' +
  '      --> KSTREAM-SINK-0000000008\n' +
  '      <-- KSTREAM-AGGREGATE-0000000003\n' +
  '    Sink: KSTREAM-SINK-0000000008 (topic: streams-wordcount-output)\n' +
  '      <-- KTABLE-TOSTREAM-0000000007\n' +
  '\n';

describe('Topology.describe()', () => {
  it('prints the word-count topology exactly as Kafka Streams does', () => {
    expect(wordCountTopology().describe().toString()).toBe(kafkaWordCountDescription);
  });

  it('names an unnamed grouping repartition topic after the generated store, as Kafka does', () => {
    // Kafka's PurgeRepartitionTopicIntegrationTest: stream().groupBy().count() repartitions
    // through <application.id>-KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition.
    const builder = new StreamsBuilder();
    builder.stream<string, string>('input').groupBy((_k, v) => v).count();
    const topology = builder.build();
    expect(topology.internalTopics()).toEqual(['KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition']);
    const text = topology.describe().toString();
    expect(text).toContain('    Sink: KSTREAM-SINK-0000000004 (topic: KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition)\n');
    expect(text).toContain('    Source: KSTREAM-SOURCE-0000000006 (topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition])\n');
    expect(text).toContain('    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000002])\n');
  });

  it('burns one extra name for count(Materialized) without a store name, as Kafka does', () => {
    const builder = new StreamsBuilder();
    builder.stream<string, string>('input').selectKey((_k, v) => v).groupByKey().count({});
    // source 0, selectKey 1, burnt 2, store 3, aggregate 4, sink 5, filter 6, source 7.
    expect(builder.build().internalTopics()).toEqual(['KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition']);
    expect(builder.build().describe().toString()).toContain('Processor: KSTREAM-AGGREGATE-0000000004 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000003])');
  });

  it('does not repartition when the key was not changed', () => {
    const builder = new StreamsBuilder();
    builder.stream<string, string>('input').filter(() => true).mapValues((v) => v.length).groupByKey().count();
    const topology = builder.build();
    expect(topology.internalTopics()).toEqual([]);
    expect(topology.describe().subtopologies).toHaveLength(1);
  });

  it('connects processors that share a store into one sub-topology', () => {
    const topology = new Topology()
      .addSource('a-source', 'a')
      .addSource('b-source', 'b')
      .addProcessor('a-proc', () => ({ process: () => {} }), 'a-source')
      .addProcessor('b-proc', () => ({ process: () => {} }), 'b-source')
      .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('shared')), 'a-proc', 'b-proc')
      .addSource('c-source', 'c', 'd')
      .addSink('c-sink', 'out', 'c-source');
    expect(topology.describe().toString()).toBe(
      'Topologies:\n' +
        '   Sub-topology: 0\n' +
        '    Source: a-source (topics: [a])\n' +
        '      --> a-proc\n' +
        '    Source: b-source (topics: [b])\n' +
        '      --> b-proc\n' +
        '    Processor: a-proc (stores: [shared])\n' +
        '      --> none\n' +
        '      <-- a-source\n' +
        '    Processor: b-proc (stores: [shared])\n' +
        '      --> none\n' +
        '      <-- b-source\n' +
        '\n' +
        '  Sub-topology: 1\n' +
        '    Source: c-source (topics: [c, d])\n' +
        '      --> c-sink\n' +
        '    Sink: c-sink (topic: out)\n' +
        '      <-- c-source\n' +
        '\n',
    );
  });

  it('refuses duplicate names, unknown parents, sinks as parents and topics read twice', () => {
    const topology = new Topology().addSource('s', 't').addSink('k', 'out', 's');
    expect(() => topology.addSource('s', 'u')).toThrow(TopologyException);
    expect(() => topology.addSource('s2', 't')).toThrow(/already read by source s/);
    expect(() => topology.addProcessor('p', () => ({ process: () => {} }), 'missing')).toThrow(/not added yet/);
    expect(() => topology.addProcessor('p', () => ({ process: () => {} }), 'k')).toThrow(/sink k cannot be used as a parent/);
    expect(() => topology.connectProcessorAndStateStores('s', 'store')).toThrow(/processor s is not added yet/);
  });
});
