import { StreamsBuilder } from '../kstream/streams-builder.js';
import type { Topology } from '../processor/topology.js';
import { Serdes } from '../serdes.js';

/** Kafka Streams' WordCountDemo: counts words of text lines, keyed by word, into a Long per word. */
export function wordCountTopology(inputTopic = 'streams-plaintext-input', outputTopic = 'streams-wordcount-output'): Topology {
  const builder = new StreamsBuilder();
  builder
    .stream<string, string>(inputTopic)
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((word) => word !== ''))
    .groupBy((_key, word) => word)
    .count({ storeName: 'counts-store' })
    .toStream()
    .to(outputTopic, { keySerde: Serdes.String(), valueSerde: Serdes.Long() });
  return builder.build();
}
