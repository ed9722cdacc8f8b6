import { describe, expect, it } from 'vitest';
import { Serdes } from '../serdes.js';
import { Stores } from '../state/stores.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { TopologyTestDriver } from '../test-utils/topology-test-driver.js';
import { PunctuationType, type ProcessorContext } from './processor.js';
import { Record } from './record.js';
import { Topology } from './topology.js';

const props = { 'application.id': 'punctuation', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String() };

/**
 * A Processor API processor that sums values per key into a store and, on
 * each punctuation, forwards "<type>@<time>:<sums>" and counts its calls.
 */
function summingTopology(type: PunctuationType, intervalMs: number, cancelAfter = Infinity): Topology {
  return new Topology()
    .addSource({ name: 'source', valueSerde: Serdes.Integer() }, 'numbers')
    .addProcessor(
      'summer',
      () => {
        let context: ProcessorContext<string, string>;
        let store: KeyValueStore<string, number>;
        let calls = 0;
        return {
          init(c) {
            context = c;
            store = c.getStateStore('sums');
            const schedule = c.schedule(intervalMs, type, (timestamp) => {
              const sums = store.all().map((e) => `${e.key}=${e.value}`).join(',');
              context.forward(new Record('punctuation', `${type}@${timestamp}:${sums}`, timestamp));
              if (++calls >= cancelAfter) schedule.cancel();
            });
          },
          process(record: Record<string, number>) {
            store.put(record.key, (store.get(record.key) ?? 0) + record.value);
          },
        };
      },
      'source',
    )
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('sums'), Serdes.String(), Serdes.Integer()), 'summer')
    .addSink('sink', 'out', 'summer');
}

function run(type: PunctuationType, intervalMs: number, cancelAfter?: number) {
  const driver = new TopologyTestDriver(summingTopology(type, intervalMs, cancelAfter), props, 1_000_000);
  const input = driver.createInputTopic('numbers', Serdes.String(), Serdes.Integer());
  const output = driver.createOutputTopic('out', Serdes.String(), Serdes.String());
  return { driver, input, read: () => output.readValuesToList() };
}

describe('punctuation', () => {
  it('on STREAM_TIME fires with the first record (aligned to 0), then when record time crosses each interval', () => {
    const { driver, input, read } = run(PunctuationType.STREAM_TIME, 10);
    driver.advanceWallClockTime(60_000); // wall-clock time does not move stream time
    expect(read()).toEqual([]);
    input.pipeInput('a', 1, 3); // schedule at 0 is due: fires after processing, with stream time 3
    input.pipeInput('a', 2, 9); // next due at 10
    input.pipeInput('b', 5, 10);
    input.pipeInput('a', 1, 4); // out-of-order: stream time stays 10
    expect(read()).toEqual(['STREAM_TIME@3:a=1', 'STREAM_TIME@10:a=3,b=5']);
  });

  it('on STREAM_TIME fires once for a jump over several intervals, then realigns', () => {
    const { input, read } = run(PunctuationType.STREAM_TIME, 10);
    input.pipeInput('a', 1, 0);
    input.pipeInput('a', 1, 35); // missed 10, 20, 30: one punctuation, next at 40
    input.pipeInput('a', 1, 39);
    input.pipeInput('a', 1, 40);
    expect(read()).toEqual(['STREAM_TIME@0:a=1', 'STREAM_TIME@35:a=2', 'STREAM_TIME@40:a=4']);
  });

  it('on WALL_CLOCK_TIME fires an interval after scheduling, driven only by the wall clock', () => {
    const { driver, input, read } = run(PunctuationType.WALL_CLOCK_TIME, 1000);
    input.pipeInput('a', 1, 5_000_000); // record time does not move the wall clock
    expect(read()).toEqual([]);
    driver.advanceWallClockTime(999);
    expect(read()).toEqual([]);
    driver.advanceWallClockTime(1);
    driver.advanceWallClockTime(2500); // a jump over two intervals fires once
    driver.advanceWallClockTime(500);
    expect(read()).toEqual(['WALL_CLOCK_TIME@1001000:a=1', 'WALL_CLOCK_TIME@1003500:a=1', 'WALL_CLOCK_TIME@1004000:a=1']);
  });

  it('stops after the punctuator cancels its schedule', () => {
    const { driver, read } = run(PunctuationType.WALL_CLOCK_TIME, 10, 2);
    for (let i = 0; i < 5; i++) driver.advanceWallClockTime(10);
    expect(read()).toHaveLength(2);
  });

  it('refuses an interval under 1 ms', () => {
    expect(() => run(PunctuationType.STREAM_TIME, 0)).toThrow(/at least 1 ms/);
  });
});
