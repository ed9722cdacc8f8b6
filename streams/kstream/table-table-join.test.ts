import { describe, expect, it } from 'vitest';
import { Serdes } from '../serdes.js';
import { TopologyTestDriver } from '../test-utils/topology-test-driver.js';
import { joinDocsRows, joiner, joinTestProps, pipeJoinRows } from './join-docs-rows.js';
import type { KTable } from './ktable.js';
import { StreamsBuilder } from './streams-builder.js';

function run(join: (left: KTable<string, string>, right: KTable<string, string>) => KTable<string, string>) {
  const builder = new StreamsBuilder();
  join(builder.table<string, string>('left'), builder.table<string, string>('right')).toStream().to('out');
  return pipeJoinRows(new TopologyTestDriver(builder.build(), joinTestProps, 0), joinDocsRows).out;
}

// Each result is stamped with the larger timestamp of the two sides' values.
describe('KTable-KTable join (Kafka docs semantics table)', () => {
  it('inner join: a result while both sides have a value, a tombstone when one goes', () => {
    expect(run((l, r) => l.join(r, joiner))).toEqual([
      ['[A, a]', 4],
      ['[B, a]', 5],
      ['[B, b]', 6],
      [null, 7],
      ['[C, c]', 10],
      [null, 11],
      ['[D, d]', 15],
    ]);
  });

  it('left join: a result for every left value, null for the missing right', () => {
    expect(run((l, r) => l.leftJoin(r, joiner))).toEqual([
      ['[A, null]', 3],
      ['[A, a]', 4],
      ['[B, a]', 5],
      ['[B, b]', 6],
      [null, 7],
      ['[C, null]', 9],
      ['[C, c]', 10],
      ['[C, null]', 11],
      [null, 12],
      ['[D, d]', 15],
    ]);
  });

  it('outer join: a result while either side has a value; tombstones of absent keys emit nothing', () => {
    expect(run((l, r) => l.outerJoin(r, joiner))).toEqual([
      ['[A, null]', 3],
      ['[A, a]', 4],
      ['[B, a]', 5],
      ['[B, b]', 6],
      ['[null, b]', 7],
      [null, 8],
      ['[C, null]', 9],
      ['[C, c]', 10],
      ['[C, null]', 11],
      [null, 12],
      ['[null, d]', 14],
      ['[D, d]', 15],
    ]);
  });

  it('a join result can be joined again, reading both sides of the first join', () => {
    const builder = new StreamsBuilder();
    const a = builder.table<string, string>('a');
    const b = builder.table<string, string>('b');
    const c = builder.table<string, string>('c');
    a.join(b, (x, y) => x + y)
      .leftJoin(c, (xy, z) => `${xy}${z ?? '-'}`)
      .toStream()
      .to('out');
    const driver = new TopologyTestDriver(builder.build(), joinTestProps, 0);
    const pipe = (topic: string, value: string, timestamp: number) => driver.createInputTopic(topic, Serdes.String(), Serdes.String()).pipeInput('k', value, timestamp);
    pipe('c', 'z', 1); // no a*b yet: nothing
    pipe('a', 'x', 2); // no b: nothing
    pipe('b', 'y', 3);
    pipe('c', 'Z', 4); // an update of c is joined with a*b read through a's and b's stores
    expect(driver.createOutputTopic('out', Serdes.String(), Serdes.String()).readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([
      ['xyz', 3],
      ['xyZ', 4],
    ]);
  });

  it('describes Kafka names: KTABLE-MERGE before KTABLE-JOINTHIS and KTABLE-JOINOTHER', () => {
    const builder = new StreamsBuilder();
    builder.table<string, string>('left').join(builder.table<string, string>('right'), joiner);
    const nodes = builder.build().nodes().map((n) => (n.kind === 'processor' ? `${n.name} ${n.stores.join(',')} <- ${n.parents.join(',')}` : n.name));
    expect(nodes).toEqual([
      'KSTREAM-SOURCE-0000000001',
      'KTABLE-SOURCE-0000000002 left-STATE-STORE-0000000000 <- KSTREAM-SOURCE-0000000001',
      'KSTREAM-SOURCE-0000000004',
      'KTABLE-SOURCE-0000000005 right-STATE-STORE-0000000003 <- KSTREAM-SOURCE-0000000004',
      'KTABLE-JOINTHIS-0000000007 right-STATE-STORE-0000000003 <- KTABLE-SOURCE-0000000002',
      'KTABLE-JOINOTHER-0000000008 left-STATE-STORE-0000000000 <- KTABLE-SOURCE-0000000005',
      'KTABLE-MERGE-0000000006  <- KTABLE-JOINTHIS-0000000007,KTABLE-JOINOTHER-0000000008',
    ]);
  });
});
