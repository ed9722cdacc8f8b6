import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../test-utils/topology-test-driver.js';
import { joinDocsRows, joiner, joinTestProps, pipeJoinRows, type JoinRow } from './join-docs-rows.js';
import { JoinWindows } from './join-windows.js';
import { StreamsBuilder } from './streams-builder.js';

type Row = JoinRow;
type Kind = 'join' | 'leftJoin' | 'outerJoin';

function joined(builder: StreamsBuilder, kind: Kind, windows: JoinWindows) {
  const left = builder.stream<string, string>('left');
  const right = builder.stream<string, string>('right');
  if (kind === 'join') return left.join(right, joiner, windows);
  return kind === 'leftJoin' ? left.leftJoin(right, joiner, windows) : left.outerJoin(right, joiner, windows);
}

function run(windows: JoinWindows, rows: Row[], kind: Kind = 'join') {
  const builder = new StreamsBuilder();
  joined(builder, kind, windows).to('out');
  return pipeJoinRows(new TopologyTestDriver(builder.build(), joinTestProps, 0), rows);
}

describe('KStream-KStream windowed joins', () => {
  it.each(['join', 'leftJoin', 'outerJoin'] as const)('%s matches the docs semantics table (one key, every record within the window, so all join)', (kind) => {
    expect(run(JoinWindows.ofTimeDifferenceWithNoGrace(15), joinDocsRows, kind)).toEqual({
      out: [
        ['[A, a]', 4],
        ['[B, a]', 5],
        ['[A, b]', 6],
        ['[B, b]', 6],
        ['[C, a]', 9],
        ['[C, b]', 9],
        ['[A, c]', 10],
        ['[B, c]', 10],
        ['[C, c]', 10],
        ['[A, d]', 14],
        ['[B, d]', 14],
        ['[C, d]', 14],
        ['[D, a]', 15],
        ['[D, b]', 15],
        ['[D, c]', 15],
        ['[D, d]', 15],
      ],
      dropped: 7, // every null value
    });
  });

  it('joins records at most the time difference apart, both ends inclusive, keeping duplicates', () => {
    const rows: Row[] = [
      ['left', 'A', 100],
      ['right', 'a', 110], // 10 after A: joins
      ['right', 'b', 111], // 11 after A: does not
      ['right', 'b2', 111], // same key and time: both kept
      ['left', 'B', 121], // b and b2 are 10 before: join; a is 11 before
    ];
    expect(run(JoinWindows.ofTimeDifferenceWithNoGrace(10), rows).out).toEqual([
      ['[A, a]', 110],
      ['[B, b]', 121],
      ['[B, b2]', 121],
    ]);
  });

  it('an asymmetric window (before 0, after 10) is seen reversed from the other stream', () => {
    const rows: Row[] = [
      ['left', 'A', 100],
      ['right', 'a', 105], // left in [95, 105]: A
      ['right', 'c', 95], // left in [85, 95]: none
      ['right', 'e', 115], // left in [105, 115]: none
      ['left', 'F', 110], // right in [110, 120]: e
    ];
    expect(run(JoinWindows.ofTimeDifferenceWithNoGrace(0).after(10), rows).out).toEqual([
      ['[A, a]', 105],
      ['[F, e]', 115],
    ]);
  });

  // Stream time is shared by both sides; a record's window closes when stream time passes its end plus the grace.
  const lateRows: Row[] = [
    ['left', 'A', 100], // waits: no right record yet
    ['right', 'b', 105], // joins A, which no longer waits
    ['left', 'C', 120], // waits
    ['left', 'D', 125], // waits
    ['right', 'd', 134], // joins D; C's window [110, 130] + grace 5 is still open at 134
    ['left', 'E', 136], // stream time 136 closes C's window: [C, null] first, then E joins d
    ['left', 'F', 90], // its window ended before stream time and nothing matches: emitted at once
    ['right', 'g', 160],
    ['left', 'H', 176], // closes g's window
  ];

  it('leftJoin emits an unjoined left record with null, with its own timestamp, once its window and grace have passed', () => {
    expect(run(JoinWindows.ofTimeDifferenceAndGrace(10, 5), lateRows, 'leftJoin').out).toEqual([
      ['[A, b]', 105],
      ['[D, d]', 134],
      ['[C, null]', 120],
      ['[E, d]', 136],
      ['[F, null]', 90],
    ]);
  });

  it('outerJoin does so for both sides, and a right record that joined (d) is never emitted with null', () => {
    expect(run(JoinWindows.ofTimeDifferenceAndGrace(10, 5), lateRows, 'outerJoin').out).toEqual([
      ['[A, b]', 105],
      ['[D, d]', 134],
      ['[C, null]', 120],
      ['[E, d]', 136],
      ['[F, null]', 90],
      ['[null, g]', 160],
    ]);
  });

  it('keeps stream time per task: a second driver on the same topology starts from scratch', () => {
    const builder = new StreamsBuilder();
    joined(builder, 'leftJoin', JoinWindows.ofTimeDifferenceAndGrace(10, 5)).to('out');
    const topology = builder.build();
    const first = pipeJoinRows(new TopologyTestDriver(topology, joinTestProps, 0), lateRows);
    expect(pipeJoinRows(new TopologyTestDriver(topology, joinTestProps, 0), lateRows)).toEqual(first);
  });

  it('names left and outer join processors as Kafka does (OUTEROTHER for left, OUTERTHIS and OUTEROTHER for outer)', () => {
    const names = (kind: 'leftJoin' | 'outerJoin') => {
      const builder = new StreamsBuilder();
      joined(builder, kind, JoinWindows.ofTimeDifferenceWithNoGrace(10));
      return builder.build().nodes().map((n) => n.name).slice(2);
    };
    expect(names('leftJoin')).toEqual(['KSTREAM-WINDOWED-0000000002', 'KSTREAM-WINDOWED-0000000003', 'KSTREAM-JOINTHIS-0000000004', 'KSTREAM-OUTEROTHER-0000000005', 'KSTREAM-MERGE-0000000006']);
    expect(names('outerJoin')).toEqual(['KSTREAM-WINDOWED-0000000002', 'KSTREAM-WINDOWED-0000000003', 'KSTREAM-OUTERTHIS-0000000004', 'KSTREAM-OUTEROTHER-0000000005', 'KSTREAM-MERGE-0000000006']);
  });

  it('describes the windowed, join and merge processors and both join stores with Kafka names', () => {
    const builder = new StreamsBuilder();
    joined(builder, 'join', JoinWindows.ofTimeDifferenceWithNoGrace(10)).to('out');
    expect(builder.build().describe().toString()).toBe(
      'Topologies:\n' +
        '   Sub-topology: 0\n' +
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [left])\n' +
        '      --> KSTREAM-WINDOWED-0000000002\n' +
        '    Source: KSTREAM-SOURCE-0000000001 (topics: [right])\n' +
        '      --> KSTREAM-WINDOWED-0000000003\n' +
        '    Processor: KSTREAM-WINDOWED-0000000002 (stores: [KSTREAM-JOINTHIS-0000000004-store])\n' +
        '      --> KSTREAM-JOINTHIS-0000000004\n' +
        '      <-- KSTREAM-SOURCE-0000000000\n' +
        '    Processor: KSTREAM-WINDOWED-0000000003 (stores: [KSTREAM-JOINOTHER-0000000005-store])\n' +
        '      --> KSTREAM-JOINOTHER-0000000005\n' +
        '      <-- KSTREAM-SOURCE-0000000001\n' +
        '    Processor: KSTREAM-JOINOTHER-0000000005 (stores: [KSTREAM-JOINTHIS-0000000004-store])\n' +
        '      --> KSTREAM-MERGE-0000000006\n' +
        '      <-- KSTREAM-WINDOWED-0000000003\n' +
        '    Processor: KSTREAM-JOINTHIS-0000000004 (stores: [KSTREAM-JOINOTHER-0000000005-store])\n' +
        '      --> KSTREAM-MERGE-0000000006\n' +
        '      <-- KSTREAM-WINDOWED-0000000002\n' +
        '    Processor: KSTREAM-MERGE-0000000006 (stores: [])\n' +
        '      --> KSTREAM-SINK-0000000007\n' +
        '      <-- KSTREAM-JOINOTHER-0000000005, KSTREAM-JOINTHIS-0000000004\n' +
        '    Sink: KSTREAM-SINK-0000000007 (topic: out)\n' +
        '      <-- KSTREAM-MERGE-0000000006\n' +
        '\n',
    );
  });
});
