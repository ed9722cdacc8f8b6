import { describe, expect, it } from 'vitest';
import { Serdes } from '../serdes.js';
import { TopologyTestDriver } from '../test-utils/topology-test-driver.js';
import { joinDocsRows, joiner, joinTestProps, pipeJoinRows } from './join-docs-rows.js';
import type { KStream } from './kstream.js';
import type { KTable } from './ktable.js';
import { StreamsBuilder } from './streams-builder.js';

// Input: the join semantics table of Kafka's Streams DSL docs (left = the stream, right = the table).
function run(join: (stream: KStream<string, string>, table: KTable<string, string>) => KStream<string, string>) {
  const builder = new StreamsBuilder();
  join(builder.stream<string, string>('left'), builder.table<string, string>('right')).to('out');
  return pipeJoinRows(new TopologyTestDriver(builder.build(), joinTestProps, 0), joinDocsRows);
}

describe('KStream-KTable join (Kafka docs semantics table)', () => {
  it('inner join: only stream records whose key the table holds, stamped with the stream record time', () => {
    expect(run((s, t) => s.join(t, joiner))).toEqual({
      out: [
        ['[B, a]', 5],
        ['[D, d]', 15],
      ],
      dropped: 3, // the stream's null values at 1, 7 and 12
    });
  });

  it('left join: every non-null stream record, with null where the table has no value', () => {
    expect(run((s, t) => s.leftJoin(t, joiner))).toEqual({
      out: [
        ['[A, null]', 3],
        ['[B, a]', 5],
        ['[C, null]', 9],
        ['[D, d]', 15],
      ],
      dropped: 3,
    });
  });

  it('drops null-key records in an inner join and joins them with null in a left join (KIP-962)', () => {
    const results = (left: boolean) => {
      const builder = new StreamsBuilder();
      const stream = builder.stream<string, string>('left');
      const table = builder.table<string, string>('right');
      (left ? stream.leftJoin(table, joiner) : stream.join(table, joiner)).to('out');
      const driver = new TopologyTestDriver(builder.build(), joinTestProps, 0);
      driver.createInputTopic('right', Serdes.String(), Serdes.String()).pipeInput('k', 'a', 0);
      driver.createInputTopic('left', Serdes.String(), Serdes.String()).pipeInput(null, 'X', 1);
      return { out: driver.createOutputTopic('out', Serdes.String(), Serdes.String()).readKeyValuesToList(), dropped: driver.metrics()[0]?.value };
    };
    expect(results(false)).toEqual({ out: [], dropped: 1 });
    expect(results(true)).toEqual({ out: [{ key: null, value: '[X, null]' }], dropped: 0 });
  });

  it('joins with a table derived by mapValues and filter (the filtered-out A counts as absent)', () => {
    const out = run((s, t) => s.join(t.mapValues((v) => v.toUpperCase()).filter((_k, v) => v !== 'A'), joiner)).out;
    expect(out).toEqual([['[D, D]', 15]]);
  });

  it('describes the join processor connected to the table source store, with Kafka names', () => {
    const builder = new StreamsBuilder();
    builder.stream<string, string>('left').join(builder.table<string, string>('right'), joiner).to('out');
    expect(builder.build().describe().toString()).toBe(
      'Topologies:\n' +
        '   Sub-topology: 0\n' +
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [left])\n' +
        '      --> KSTREAM-JOIN-0000000004\n' +
        '    Processor: KSTREAM-JOIN-0000000004 (stores: [right-STATE-STORE-0000000001])\n' +
        '      --> KSTREAM-SINK-0000000005\n' +
        '      <-- KSTREAM-SOURCE-0000000000\n' +
        '    Source: KSTREAM-SOURCE-0000000002 (topics: [right])\n' +
        '      --> KTABLE-SOURCE-0000000003\n' +
        '    Sink: KSTREAM-SINK-0000000005 (topic: out)\n' +
        '      <-- KSTREAM-JOIN-0000000004\n' +
        '    Processor: KTABLE-SOURCE-0000000003 (stores: [right-STATE-STORE-0000000001])\n' +
        '      --> none\n' +
        '      <-- KSTREAM-SOURCE-0000000002\n' +
        '\n',
    );
  });
});
