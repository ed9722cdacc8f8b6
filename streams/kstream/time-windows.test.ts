import { describe, expect, it } from 'vitest';
import { Serdes } from '../serdes.js';
import { TopologyTestDriver } from '../test-utils/topology-test-driver.js';
import { StreamsBuilder } from './streams-builder.js';
import { TimeWindows } from './time-windows.js';
import { WindowedSerdes } from './windowed-serdes.js';

const props = { 'application.id': 'windows', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String() };

/** Windowed counts per key, flattened to "key@[start,end)" -> count, as a user would check them. */
function windowedCount(windows: TimeWindows) {
  const builder = new StreamsBuilder();
  builder
    .stream<string, string>('events')
    .groupByKey()
    .windowedBy(windows)
    .count({ storeName: 'counts' })
    .toStream()
    .map((wk, count) => ({ key: `${wk.key}@[${wk.window.startMs},${wk.window.endMs})`, value: count }))
    .to('counts-out', { keySerde: Serdes.String(), valueSerde: Serdes.Long() });
  const driver = new TopologyTestDriver(builder.build(), props, 0);
  return {
    driver,
    input: driver.createInputTopic('events', Serdes.String(), Serdes.String()),
    output: driver.createOutputTopic('counts-out', Serdes.String(), Serdes.Long()),
    dropped: () => driver.metrics().reduce((sum, m) => sum + m.value, 0),
  };
}

describe('TimeWindows', () => {
  it('assigns a timestamp to the windows whose [start, end) contain it, aligned to the epoch', () => {
    expect(TimeWindows.ofSizeWithNoGrace(10).windowsFor(9)).toEqual([{ startMs: 0, endMs: 10 }]);
    // The end is exclusive: 10 belongs to [10,20) only.
    expect(TimeWindows.ofSizeWithNoGrace(10).windowsFor(10)).toEqual([{ startMs: 10, endMs: 20 }]);
    expect(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5).windowsFor(12)).toEqual([
      { startMs: 5, endMs: 15 },
      { startMs: 10, endMs: 20 },
    ]);
    // Near the epoch, windows that would start before 0 do not exist.
    expect(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5).windowsFor(3)).toEqual([{ startMs: 0, endMs: 10 }]);
  });

  it('refuses what Kafka refuses: size <= 0, advance outside (0, size], negative grace', () => {
    expect(() => TimeWindows.ofSizeWithNoGrace(0)).toThrow(RangeError);
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(11)).toThrow(RangeError);
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(0)).toThrow(RangeError);
    expect(() => TimeWindows.ofSizeAndGrace(10, -1)).toThrow(RangeError);
  });

  it('counts tumbling windows with an exclusive end', () => {
    const { input, output } = windowedCount(TimeWindows.ofSizeAndGrace(10, 100));
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'x', 9);
    input.pipeInput('a', 'x', 10);
    input.pipeInput('b', 'x', 19);
    expect(output.readKeyValuesToList()).toEqual([
      { key: 'a@[0,10)', value: 1 },
      { key: 'a@[0,10)', value: 2 },
      { key: 'a@[10,20)', value: 1 },
      { key: 'b@[10,20)', value: 1 },
    ]);
  });

  it('counts a record in every hopping window that contains it', () => {
    const { input, output } = windowedCount(TimeWindows.ofSizeAndGrace(10, 100).advanceBy(5));
    input.pipeInput('a', 'x', 7);
    input.pipeInput('a', 'x', 12);
    expect(output.readKeyValuesToList()).toEqual([
      { key: 'a@[0,10)', value: 1 },
      { key: 'a@[5,15)', value: 1 },
      { key: 'a@[5,15)', value: 2 },
      { key: 'a@[10,20)', value: 1 },
    ]);
  });

  it('accepts out-of-order records within the grace period and drops (and counts) later ones', () => {
    const { driver, input, output, dropped } = windowedCount(TimeWindows.ofSizeAndGrace(10, 5));
    input.pipeInput('a', 'x', 3);
    input.pipeInput('a', 'x', 14); // stream time 14: [0,10) closes at 10 + 5 = 15
    input.pipeInput('a', 'x', 4); // late but within grace
    input.pipeInput('a', 'x', 15); // stream time 15: [0,10) is now closed
    input.pipeInput('a', 'x', 5); // beyond grace: dropped
    expect(output.readKeyValuesToList()).toEqual([
      { key: 'a@[0,10)', value: 1 },
      { key: 'a@[10,20)', value: 1 },
      { key: 'a@[0,10)', value: 2 },
      { key: 'a@[10,20)', value: 2 },
    ]);
    expect(dropped()).toBe(1);
    expect(driver.getWindowStoreEntries<string, number>('counts')).toEqual([
      { key: { key: 'a', window: { startMs: 0, endMs: 10 } }, value: 2 },
      { key: { key: 'a', window: { startMs: 10, endMs: 20 } }, value: 2 },
    ]);
  });

  it('with no grace, closes a window as soon as stream time reaches its end', () => {
    const { input, output, dropped } = windowedCount(TimeWindows.ofSizeWithNoGrace(10));
    input.pipeInput('a', 'x', 10);
    input.pipeInput('a', 'x', 9);
    expect(output.readKeyValuesToList()).toEqual([{ key: 'a@[10,20)', value: 1 }]);
    expect(dropped()).toBe(1);
  });

  it('drops a late record only from the hopping windows that closed', () => {
    const { input, output, dropped } = windowedCount(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5));
    input.pipeInput('a', 'x', 12); // stream time 12: [0,10) is closed, [5,15) open
    input.pipeInput('a', 'x', 8); // in [0,10) (closed) and [5,15) (open)
    expect(output.readKeyValuesToList()).toEqual([
      { key: 'a@[5,15)', value: 1 },
      { key: 'a@[10,20)', value: 1 },
      { key: 'a@[5,15)', value: 2 },
    ]);
    expect(dropped()).toBe(1);
  });

  it('aggregates windows with an initializer and stamps results with the newest record time', () => {
    const builder = new StreamsBuilder();
    builder
      .stream<string, string>('events')
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(100))
      .aggregate(
        () => '',
        (_k, v, agg) => agg + v,
        { storeName: 'concat', valueSerde: Serdes.String() },
      )
      .toStream()
      .selectKey((wk) => `${wk.key}@${wk.window.startMs}`)
      .to('out');
    const driver = new TopologyTestDriver(builder.build(), props, 0);
    const input = driver.createInputTopic('events', Serdes.String(), Serdes.String());
    input.pipeInput('k', 'a', 50);
    input.pipeInput('k', 'b', 20);
    expect(driver.createOutputTopic('out', Serdes.String(), Serdes.String()).readRecordsToList()).toEqual([
      { key: 'k@0', value: 'a', timestamp: 50, headers: [] },
      { key: 'k@0', value: 'ab', timestamp: 50, headers: [] },
    ]);
  });

  it('writes windowed keys with the windowed serde when the grouping key serde is known', () => {
    const builder = new StreamsBuilder();
    builder.stream<string, string>('events').groupByKey({ keySerde: Serdes.String() }).windowedBy(TimeWindows.ofSizeWithNoGrace(100)).count().toStream().to('out');
    const driver = new TopologyTestDriver(builder.build(), props, 0);
    driver.createInputTopic('events', Serdes.String(), Serdes.String()).pipeInput('k', 'v', 250);
    const out = driver.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(Serdes.String(), 100), Serdes.Long());
    expect(out.readKeyValuesToList()).toEqual([{ key: { key: 'k', window: { startMs: 200, endMs: 300 } }, value: 1 }]);
  });
});
