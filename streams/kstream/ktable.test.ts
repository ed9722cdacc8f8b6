import { describe, expect, it } from 'vitest';
import { Serdes } from '../serdes.js';
import { TopologyTestDriver } from '../test-utils/topology-test-driver.js';
import { StreamsBuilder } from './streams-builder.js';

const props = { 'application.id': 'tables', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.JSON() };

function drive(builder: StreamsBuilder) {
  const driver = new TopologyTestDriver(builder.build(), props, 0);
  return { driver, input: driver.createInputTopic('purchases', Serdes.String(), Serdes.JSON<number | null>()) };
}

describe('KTable from an aggregation', () => {
  it('emits the new aggregate for every update of a key, stamped with the newest record time', () => {
    const builder = new StreamsBuilder();
    builder
      .stream<string, number>('purchases')
      .groupByKey()
      .reduce((a, b) => a + b, { storeName: 'totals' })
      .toStream()
      .to('totals-out');
    const { driver, input } = drive(builder);
    input.pipeInput('alice', 10, 100);
    input.pipeInput('bob', 1, 50);
    input.pipeInput('alice', 5, 90); // older record: the aggregate keeps timestamp 100
    expect(driver.createOutputTopic('totals-out', Serdes.String(), Serdes.JSON<number>()).readRecordsToList()).toEqual([
      { key: 'alice', value: 10, timestamp: 100, headers: [] },
      { key: 'bob', value: 1, timestamp: 50, headers: [] },
      { key: 'alice', value: 15, timestamp: 100, headers: [] },
    ]);
    expect(driver.getTimestampedKeyValueStore<string, number>('totals')!.get('alice')).toEqual({ value: 15, timestamp: 100 });
  });

  it('drops and counts records with a null key or a null value', () => {
    const builder = new StreamsBuilder();
    builder.stream<string, number>('purchases').groupByKey().count({ storeName: 'n' }).toStream().to('n-out');
    const { driver, input } = drive(builder);
    input.pipeInput(null, 1, 0);
    input.pipeInput('k', null, 0);
    input.pipeInput('k', 1, 0);
    expect(driver.createOutputTopic('n-out', Serdes.String(), Serdes.Long()).readKeyValuesToList()).toEqual([{ key: 'k', value: 1 }]);
    expect(driver.metrics().map((m) => m.value)).toEqual([2]);
  });

  it('aggregates with an initializer per key', () => {
    const builder = new StreamsBuilder();
    builder
      .stream<string, number>('purchases')
      .groupByKey()
      .aggregate(
        () => ({ count: 0, sum: 0 }),
        (_k, v, agg) => ({ count: agg.count + 1, sum: agg.sum + v }),
        { storeName: 'stats' },
      );
    const { driver, input } = drive(builder);
    input.pipeInput('a', 3, 0);
    input.pipeInput('a', 4, 1);
    input.pipeInput('b', 1, 2);
    expect(driver.getKeyValueStore<string, { count: number; sum: number }>('stats')!.all()).toEqual([
      { key: 'a', value: { count: 2, sum: 7 } },
      { key: 'b', value: { count: 1, sum: 1 } },
    ]);
  });

  it('filter forwards a tombstone for an update that no longer matches, as Kafka does without old values', () => {
    const builder = new StreamsBuilder();
    builder
      .stream<string, number>('purchases')
      .groupByKey()
      .reduce((_old, latest) => latest)
      .filter((_k, v) => v >= 10)
      .mapValues((v) => `big:${v}`)
      .toStream()
      .to('big', { valueSerde: Serdes.String() });
    const { driver, input } = drive(builder);
    input.pipeInput('a', 12, 0);
    input.pipeInput('a', 3, 1);
    input.pipeInput('b', 1, 2);
    input.pipeInput('a', 20, 3);
    const out = driver.createOutputTopic('big', Serdes.String(), Serdes.String());
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'a', value: 'big:12' },
      { key: 'a', value: null },
      { key: 'b', value: null },
      { key: 'a', value: 'big:20' },
    ]);
  });

  it('reads a table back as the latest value per key (readKeyValuesToMap)', () => {
    const builder = new StreamsBuilder();
    builder.stream<string, number>('purchases').groupByKey().count().toStream().to('counts');
    const { driver, input } = drive(builder);
    for (const key of ['x', 'y', 'x', 'x']) input.pipeInput(key, 0, 0);
    expect(driver.createOutputTopic('counts', Serdes.String(), Serdes.Long()).readKeyValuesToMap()).toEqual(
      new Map([
        ['x', 3],
        ['y', 1],
      ]),
    );
  });
});
