import { describe, expect, it } from 'vitest';
import { check, type ConsumedRecord, type ProducedRecord } from './checker.js';

/** A clean history: 3 keys over 2 partitions, every record acknowledged and consumed once. */
function history() {
  const produced: ProducedRecord[] = [];
  const nextOffset = [0n, 0n];
  for (let i = 0; i < 30; i++) {
    const key = `k${i % 3}`;
    const partition = key === 'k1' ? 1 : 0;
    const offset = nextOffset[partition]!;
    nextOffset[partition] = offset + 1n;
    produced.push({ id: `r${i}`, key, seq: Math.floor(i / 3), partition, acknowledged: true, offset });
  }
  const consumed: ConsumedRecord[] = produced.map((p) => ({
    id: p.id,
    key: p.key,
    seq: p.seq,
    partition: p.partition,
    offset: p.offset!,
  }));
  return { produced, consumed };
}

describe('load-test checker', () => {
  it('reports nothing for a clean history', () => {
    const { produced, consumed } = history();
    const verdict = check(produced, consumed, 'exactly-once');
    expect(verdict.ok).toBe(true);
    expect(verdict.totals).toEqual({ acknowledged: 30, consumed: 30, lost: 0, duplicatedInLog: 0, redelivered: 0, orderViolations: 0 });
  });

  it('reports an acknowledged record that was never consumed as lost, in its partition', () => {
    const { produced, consumed } = history();
    const verdict = check(produced, consumed.filter((c) => c.id !== 'r4'));
    expect(verdict.ok).toBe(false);
    expect(verdict.partitions.find((p) => p.partition === 1)?.lost).toEqual(['r4']);
    expect(verdict.totals.lost).toBe(1);
  });

  it('does not count an unacknowledged record that never arrived', () => {
    const { produced, consumed } = history();
    produced.push({ id: 'unacked', key: 'k0', seq: 99, partition: 0, acknowledged: false });
    expect(check(produced, consumed).ok).toBe(true);
  });

  it('reports a record stored twice, allowed only at least once', () => {
    const { produced, consumed } = history();
    const original = consumed.find((c) => c.id === 'r0')!;
    consumed.push({ ...original, offset: 100n });
    expect(check(produced, consumed, 'at-least-once')).toMatchObject({ ok: true, totals: { duplicatedInLog: 1 } });
    expect(check(produced, consumed, 'exactly-once')).toMatchObject({ ok: false, totals: { duplicatedInLog: 1 } });
  });

  it('tells a redelivery (same offset read twice) from a duplicate in the log', () => {
    const { produced, consumed } = history();
    consumed.push({ ...consumed[5]! });
    const verdict = check(produced, consumed, 'exactly-once');
    expect(verdict.totals).toMatchObject({ redelivered: 1, duplicatedInLog: 0 });
    expect(verdict.ok).toBe(false);
  });

  it('reports a key whose sequence goes backwards in offset order', () => {
    const { produced, consumed } = history();
    const k0 = consumed.filter((c) => c.key === 'k0');
    // Swap the stored positions of two k0 records: seq 3 now sits before seq 2.
    const [a, b] = [k0[2]!, k0[3]!];
    [a.offset, b.offset] = [b.offset, a.offset];
    const verdict = check(produced, consumed);
    expect(verdict.ok).toBe(false);
    expect(verdict.partitions[0]?.orderViolations).toEqual([{ key: 'k0', offset: a.offset, seq: 2, previousSeq: 3 }]);
  });
});
