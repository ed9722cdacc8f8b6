import { describe, expect, it } from 'vitest';
import { Serdes } from '../serdes.js';
import { Stores } from '../state/stores.js';
import { TopologyTestDriver } from '../test-utils/topology-test-driver.js';
import type { ProcessorContext } from './processor.js';
import { Record } from './record.js';
import { Topology } from './topology.js';

const props = { 'application.id': 'papi', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String() };

describe('the Processor API in a task', () => {
  it('forwards to one named child, carries headers and timestamps, and reports the input offset', () => {
    const events: string[] = [];
    const topology = new Topology()
      .addSource('source', 'in')
      .addProcessor(
        'router',
        () => {
          let context: ProcessorContext<string, string>;
          return {
            init: (c) => {
              context = c;
              events.push(`init ${c.taskId}`);
            },
            process: (record: Record<string, string>) => {
              const meta = context.recordMetadata();
              events.push(`${meta?.topic}/${meta?.partition}@${meta?.offset}`);
              context.forward(record.withTimestamp(record.timestamp + 1), record.value === 'left' ? 'left-sink' : 'right-sink');
            },
            close: () => events.push('close'),
          };
        },
        'source',
      )
      .addSink('left-sink', 'left', 'router')
      .addSink('right-sink', 'right', 'router');
    const driver = new TopologyTestDriver(topology, props, 0);
    const input = driver.createInputTopic('in', Serdes.String(), Serdes.String());
    input.pipeInput('k', 'left', 10, [{ key: 'h', value: Buffer.from('1') }]);
    input.pipeInput('k', 'right', 20);
    expect(driver.createOutputTopic('left', Serdes.String(), Serdes.String()).readRecordsToList()).toEqual([
      { key: 'k', value: 'left', timestamp: 11, headers: [{ key: 'h', value: Buffer.from('1') }] },
    ]);
    expect(driver.createOutputTopic('right', Serdes.String(), Serdes.String()).readValuesToList()).toEqual(['right']);
    driver.close();
    expect(events).toEqual(['init 0_0', 'in/0@0', 'in/0@1', 'close']);
  });

  it('refuses a state store the processor is not connected to', () => {
    const topology = new Topology()
      .addSource('source', 'in')
      .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('other')))
      .addProcessor('q', () => ({ init: (c) => void c.getStateStore('other'), process: () => {} }), 'source');
    expect(() => new TopologyTestDriver(topology, props, 0)).toThrow('processor q has no access to state store other');
  });

  it('refuses forwarding to a child that does not exist', () => {
    const topology = new Topology().addSource('source', 'in').addProcessor(
      'p',
      () => {
        let context: ProcessorContext<string, string>;
        return { init: (c) => void (context = c), process: (r: Record<string, string>) => context.forward(r, 'nope') };
      },
      'source',
    );
    const driver = new TopologyTestDriver(topology, props, 0);
    expect(() => driver.createInputTopic('in', Serdes.String(), Serdes.String()).pipeInput('k', 'v', 0)).toThrow('p has no child named nope');
  });

  it('gives input topics the current time and auto-advance when no timestamp is piped', () => {
    const topology = new Topology().addSource('source', 'in').addSink('sink', 'out', 'source');
    const driver = new TopologyTestDriver(topology, props, 0);
    const input = driver.createInputTopic('in', Serdes.String(), Serdes.String(), 1000, 5);
    input.pipeKeyValueList([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    expect(driver.createOutputTopic('out', Serdes.String(), Serdes.String()).readRecordsToList().map((r) => r.timestamp)).toEqual([1000, 1005]);
  });
});
