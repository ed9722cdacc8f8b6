import { Serdes } from '../serdes.js';
import type { TopologyTestDriver } from '../test-utils/topology-test-driver.js';

// Test fixture: the input of the join semantics table in Kafka's Streams DSL
// docs, shared by every join kind there. One key; records of the two inputs
// in timestamp order; null is a null value (a tombstone on a table side).
export type JoinRow = [side: 'left' | 'right', value: string | null, timestamp: number];

export const joinDocsRows: JoinRow[] = [
  ['left', null, 1],
  ['right', null, 2],
  ['left', 'A', 3],
  ['right', 'a', 4],
  ['left', 'B', 5],
  ['right', 'b', 6],
  ['left', null, 7],
  ['right', null, 8],
  ['left', 'C', 9],
  ['right', 'c', 10],
  ['right', null, 11],
  ['left', null, 12],
  ['right', null, 13],
  ['right', 'd', 14],
  ['left', 'D', 15],
];

export const joinTestProps = { 'application.id': 'joins', 'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String() };

export const joiner = (left: string | null, right: string | null) => `[${left}, ${right}]`;

/** Pipes the rows into topics `left` and `right` (key `k`) and reads `out` as [value, timestamp] pairs, with the dropped-record count. */
export function pipeJoinRows(driver: TopologyTestDriver, rows: JoinRow[]) {
  const inputs = { left: driver.createInputTopic('left', Serdes.String(), Serdes.String()), right: driver.createInputTopic('right', Serdes.String(), Serdes.String()) };
  for (const [side, value, timestamp] of rows) inputs[side].pipeInput('k', value, timestamp);
  const out = driver.createOutputTopic('out', Serdes.String(), Serdes.String()).readRecordsToList();
  return { out: out.map((r) => [r.value, r.timestamp]), dropped: driver.metrics().reduce((n, m) => n + m.value, 0) };
}
