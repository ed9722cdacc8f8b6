import { describe, expect, it } from 'vitest';
import { batchRanges, keyedBatch, memoryLog } from './testdata/log-fixtures.js';

/**
 * The case partition-log.model.test.ts shrank to (seed 1399746928): four
 * appends of 81, 81, 97 and 110 bytes with index.interval.bytes=100. The only
 * offset-index entry is [lastOffset 7 → position 162], so a fetch at offset 4
 * starts scanning at position 0 and its batch starts 162 bytes on, more than
 * index.interval.bytes past the entry.
 */
function shrunkCase() {
  const h = memoryLog({ segmentBytes: 400, indexIntervalBytes: 100 });
  let value = 0;
  const batches = [
    ['k3', 'k2!'],
    ['k3!', 'k2'],
    ['k0!', 'k3!', 'k0!', 'k2!'],
    ['k4', 'k1', 'k2!', 'k1!', 'k3!'],
  ].map((keys) => keyedBatch(keys.map((k) => ({ key: k.replace('!', ''), value: k.endsWith('!') ? null : `v${value++}`, timestampMs: 1 }))));
  for (const batch of batches) h.log.append(batch, 0);
  expect(batches.map((b) => b.length)).toEqual([81, 81, 97, 110]);
  expect(h.log.segmentBaseOffsets).toEqual([0n]);
  return { log: h.log, batches };
}

describe('PartitionLog read of a batch far past its index entry', () => {
  it('returns every whole batch that fits maxBytes, not only those in the first read window', () => {
    const { log, batches } = shrunkCase();
    const maxBytes = batches[2]!.length + batches[3]!.length;
    const { records } = log.read(4n, maxBytes);
    expect(batchRanges(records)).toEqual([[4n, 7n], [8n, 12n]]);
    expect(records.equals(Buffer.concat([batches[2]!, batches[3]!]))).toBe(true);
  });

  it('does the same into a caller buffer sized maxBytes + index.interval.bytes + 61, still a view of it', () => {
    const { log, batches } = shrunkCase();
    const maxBytes = batches[2]!.length + batches[3]!.length;
    const into = Buffer.alloc(maxBytes + 100 + 61);
    const { records } = log.read(4n, maxBytes, { into });
    expect(records.buffer).toBe(into.buffer);
    expect(records.equals(Buffer.concat([batches[2]!, batches[3]!]))).toBe(true);
  });
});
