import { describe, expect, it } from 'vitest';
import { PunctuationType } from '../processor/processor.js';
import { Record } from '../processor/record.js';
import { Serdes } from '../serdes.js';
import { Stores } from '../state/stores.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { TopologyTestDriver } from '../test-utils/topology-test-driver.js';
import { StreamsBuilder } from './streams-builder.js';

const props = { 'application.id': 'streams', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String() };

function run(builder: StreamsBuilder, records: Array<[string | null, string]>, ...outputs: string[]) {
  const driver = new TopologyTestDriver(builder.build(), props, 0);
  const input = driver.createInputTopic('in', Serdes.String(), Serdes.String());
  records.forEach(([k, v], i) => input.pipeInput(k, v, i));
  return outputs.map((topic) => driver.createOutputTopic(topic, Serdes.String(), Serdes.String()).readKeyValuesToList());
}

describe('KStream stateless operations', () => {
  it('filter, filterNot, mapValues, map, selectKey, flatMap and flatMapValues transform each record', () => {
    const builder = new StreamsBuilder();
    const s = builder.stream<string, string>('in');
    s.filter((_k, v) => v.startsWith('a')).to('filter');
    s.filterNot((_k, v) => v.startsWith('a')).to('filterNot');
    s.mapValues((v, k) => `${k}:${v.toUpperCase()}`).to('mapValues');
    s.map((k, v) => ({ key: v, value: k ?? 'none' })).to('map');
    s.selectKey((_k, v) => v.slice(0, 1)).to('selectKey');
    s.flatMap((k, v) => [...v].map((c) => ({ key: c, value: k ?? '' }))).to('flatMap');
    s.flatMapValues((v) => v.split('')).to('flatMapValues');
    const [filter, filterNot, mapValues, map, selectKey, flatMap, flatMapValues] = run(
      builder,
      [
        ['k1', 'ab'],
        ['k2', 'b'],
      ],
      'filter',
      'filterNot',
      'mapValues',
      'map',
      'selectKey',
      'flatMap',
      'flatMapValues',
    );
    expect(filter).toEqual([{ key: 'k1', value: 'ab' }]);
    expect(filterNot).toEqual([{ key: 'k2', value: 'b' }]);
    expect(mapValues).toEqual([
      { key: 'k1', value: 'k1:AB' },
      { key: 'k2', value: 'k2:B' },
    ]);
    expect(map).toEqual([
      { key: 'ab', value: 'k1' },
      { key: 'b', value: 'k2' },
    ]);
    expect(selectKey).toEqual([
      { key: 'a', value: 'ab' },
      { key: 'b', value: 'b' },
    ]);
    expect(flatMap).toEqual([
      { key: 'a', value: 'k1' },
      { key: 'b', value: 'k1' },
      { key: 'b', value: 'k2' },
    ]);
    expect(flatMapValues).toEqual([
      { key: 'k1', value: 'a' },
      { key: 'k1', value: 'b' },
      { key: 'k2', value: 'b' },
    ]);
  });

  it('peek and foreach see every record; merge passes on both inputs, depth first in the order children were added', () => {
    const seen: string[] = [];
    const builder = new StreamsBuilder();
    const s = builder.stream<string, string>('in');
    const upper = s.peek((k) => seen.push(`peek:${k}`)).mapValues((v) => v.toUpperCase());
    s.merge(upper).to('merged');
    s.foreach((k, v) => seen.push(`foreach:${k}=${v}`));
    const [merged] = run(builder, [['a', 'x']], 'merged');
    // The source's first child is the peek branch, so its record reaches the merge first.
    expect(merged).toEqual([
      { key: 'a', value: 'X' },
      { key: 'a', value: 'x' },
    ]);
    expect(seen).toEqual(['peek:a', 'foreach:a=x']);
  });

  it('split sends each record to the first matching branch, the rest to the default branch', () => {
    const builder = new StreamsBuilder();
    const branches = builder
      .stream<string, string>('in')
      .split('route-')
      .branch((_k, v) => v.includes('x'), { name: 'x' })
      .branch((_k, v) => v.includes('y'), { chain: (b) => b.mapValues((v) => `y:${v}`) })
      .defaultBranch();
    expect([...branches.keys()]).toEqual(['route-x', 'route-2', 'route-0']);
    branches.get('route-x')!.to('x');
    branches.get('route-2')!.to('y');
    branches.get('route-0')!.to('other');
    const [x, y, other] = run(
      builder,
      [
        ['1', 'xy'],
        ['2', 'y'],
        ['3', 'z'],
      ],
      'x',
      'y',
      'other',
    );
    expect(x).toEqual([{ key: '1', value: 'xy' }]);
    expect(y).toEqual([{ key: '2', value: 'y:y' }]);
    expect(other).toEqual([{ key: '3', value: 'z' }]);
    expect(builder.build().describe().toString()).toContain('Processor: route- (stores: [])\n      --> route-2, route-0, route-x\n');
  });

  it('process() runs a Processor API processor with its state store and punctuations inside the DSL', () => {
    const builder = new StreamsBuilder();
    builder.topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('last-seen'), Serdes.String(), Serdes.Long()));
    builder
      .stream<string, string>('in')
      .process<string, string>(() => {
        let store: KeyValueStore<string, number>;
        return {
          init(context) {
            store = context.getStateStore('last-seen');
            context.schedule(2, PunctuationType.STREAM_TIME, (t) => {
              for (const { key, value } of store.all()) context.forward(new Record(key, `${value}@${t}`, t));
            });
          },
          process(record) {
            store.put(record.key, record.timestamp);
          },
        };
      }, 'last-seen')
      .to('out');
    const [out] = run(
      builder,
      [
        ['a', '-'],
        ['b', '-'],
        ['a', '-'],
      ],
      'out',
    );
    // Stream time 0 fires the first punctuation, 2 the next.
    expect(out).toEqual([
      { key: 'a', value: '0@0' },
      { key: 'a', value: '2@2' },
      { key: 'b', value: '1@2' },
    ]);
  });
});
