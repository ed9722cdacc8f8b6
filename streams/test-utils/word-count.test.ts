import { describe, expect, it } from 'vitest';
import { wordCountTopology } from '../examples/word-count-topology.js';
import { Serdes } from '../serdes.js';
import { StreamsConfig } from '../streams-config.js';
import { TopologyTestDriver } from './topology-test-driver.js';

const props = {
  [StreamsConfig.APPLICATION_ID_CONFIG]: 'streams-wordcount',
  [StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG]: 'org.apache.kafka.common.serialization.Serdes$StringSerde',
  [StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG]: Serdes.String(),
};

describe('word count through the TopologyTestDriver', () => {
  it('emits one updated count per word occurrence, in input order, through the repartition topic', () => {
    const driver = new TopologyTestDriver(wordCountTopology(), props, 0);
    const input = driver.createInputTopic('streams-plaintext-input', Serdes.String(), Serdes.String());
    const output = driver.createOutputTopic('streams-wordcount-output', Serdes.String(), Serdes.Long());
    input.pipeInput(null, 'all streams lead to kafka', 1000);
    input.pipeInput(null, 'hello kafka streams', 2000);
    expect(output.readKeyValuesToList()).toEqual([
      { key: 'all', value: 1 },
      { key: 'streams', value: 1 },
      { key: 'lead', value: 1 },
      { key: 'to', value: 1 },
      { key: 'kafka', value: 1 },
      { key: 'hello', value: 1 },
      { key: 'kafka', value: 2 },
      { key: 'streams', value: 2 },
    ]);
    // The counts went through <application.id>-counts-store-repartition, keyed by word.
    const repartition = driver.createOutputTopic('streams-wordcount-counts-store-repartition', Serdes.String(), Serdes.String());
    expect(repartition.readKeyValuesToList().slice(0, 2)).toEqual([
      { key: 'all', value: 'all' },
      { key: 'streams', value: 'streams' },
    ]);
    const store = driver.getKeyValueStore<string, number>('counts-store')!;
    expect(store.get('kafka')).toBe(2);
    expect(store.all()).toEqual([
      { key: 'all', value: 1 },
      { key: 'hello', value: 1 },
      { key: 'kafka', value: 2 },
      { key: 'lead', value: 1 },
      { key: 'streams', value: 2 },
      { key: 'to', value: 1 },
    ]);
    driver.close();
  });

  it('writes counts as Kafka Longs: 8 bytes big-endian', () => {
    const driver = new TopologyTestDriver(wordCountTopology(), props, 0);
    driver.createInputTopic('streams-plaintext-input', Serdes.String(), Serdes.String()).pipeInput(null, 'kafka', 5);
    const [record] = driver.createOutputTopic('streams-wordcount-output', Serdes.Bytes(), Serdes.Bytes()).readRecordsToList();
    expect(record!.key).toEqual(Buffer.from('kafka'));
    expect(record!.value).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
    expect(record!.timestamp).toBe(5);
  });

  it('refuses input for a topic the topology does not read', () => {
    const driver = new TopologyTestDriver(wordCountTopology(), props, 0);
    expect(() => driver.createInputTopic('elsewhere', Serdes.String(), Serdes.String()).pipeInput('k', 'v', 0)).toThrow('Unknown topic: elsewhere');
  });
});
