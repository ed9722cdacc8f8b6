import { describe, expect, it } from 'vitest';
import { formatOffsetLine, parseOffsetTime, parsePartitionList } from './get-offsets-command.js';

describe('get-offsets arguments', () => {
  it('reads --time as GetOffsetShell does: -1/latest, -2/earliest, -3/max-timestamp or a timestamp', () => {
    expect([parseOffsetTime('-1'), parseOffsetTime('latest')]).toEqual([-1n, -1n]);
    expect([parseOffsetTime('-2'), parseOffsetTime('earliest')]).toEqual([-2n, -2n]);
    expect([parseOffsetTime('-3'), parseOffsetTime('max-timestamp')]).toEqual([-3n, -3n]);
    expect(parseOffsetTime('1700000000000')).toBe(1_700_000_000_000n);
    for (const bad of ['-4', 'yesterday', '1.5', '']) expect(() => parseOffsetTime(bad)).toThrow(`Invalid --time "${bad}"`);
  });

  it('reads partition lists with ranges, sorted and without duplicates', () => {
    expect(parsePartitionList('3,0-2,1')).toEqual([0, 1, 2, 3]);
    expect(() => parsePartitionList('2-1')).toThrow('Invalid partition range');
    expect(() => parsePartitionList('a')).toThrow('--partitions');
  });

  it('prints topic:partition:offset, with nothing after the colon when no offset matches the timestamp', () => {
    expect(formatOffsetLine('t', 0, 42n)).toBe('t:0:42\n');
    expect(formatOffsetLine('t', 3, -1n)).toBe('t:3:\n');
  });
});
