import { describe, expect, it } from 'vitest';
import { ProtocolError } from './protocol-error.js';
import { batchViews, BatchField, RecordBatchView } from './record-batch-header.js';
import { buildUncompressedRecordBatch } from './records/record-batch-builder.js';
import { iterateRecords } from './records/record-iterator.js';

function batchAt(baseOffset: bigint, values: string[]): Buffer {
  return buildUncompressedRecordBatch({ baseOffset, records: values.map((v, i) => ({ value: Buffer.from(v), timestamp: 100 + i })) });
}

describe('batchViews', () => {
  it('splits a records field into its batches in order', () => {
    const views = [...batchViews(Buffer.concat([batchAt(0n, ['a', 'b']), batchAt(2n, ['c']), batchAt(3n, ['d', 'e', 'f'])]))];
    expect(views.map((v) => [v.baseOffset, v.lastOffset, v.recordsCount])).toEqual([[0n, 1n, 2], [2n, 2n, 1], [3n, 5n, 3]]);
    expect(views.every((v) => v.isCrcValid())).toBe(true);
  });

  it('drops a partial trailing batch only when asked (fetch responses cut at maxBytes)', () => {
    const records = Buffer.concat([batchAt(0n, ['a']), batchAt(1n, ['b'])]);
    const cut = records.subarray(0, records.length - 3);
    expect([...batchViews(cut, { allowPartialTail: true })].map((v) => v.baseOffset)).toEqual([0n]);
    expect(() => [...batchViews(cut)]).toThrow(ProtocolError);
    expect(() => [...batchViews(records.subarray(0, 70 + 30))]).toThrow(ProtocolError);
  });

  it('refuses magic other than 2 and a batchLength below the header', () => {
    const oldMagic = batchAt(0n, ['a']);
    oldMagic[BatchField.magic] = 1;
    expect(() => [...batchViews(oldMagic)]).toThrow(/magic 1/);
    const short = batchAt(0n, ['a']);
    short.writeInt32BE(10, BatchField.batchLength);
    expect(() => [...batchViews(short)]).toThrow(/below the header size/);
  });
});

describe('RecordBatchView.setMaxTimestamp', () => {
  it('stamps LogAppendTime with a valid CRC, and every record then reports the append time', () => {
    const batch = batchAt(0n, ['a', 'b']);
    const view = new RecordBatchView(batch, 0);
    view.setMaxTimestamp('LogAppendTime', 1_800_000_000_000n);
    expect([view.timestampType, view.maxTimestamp, view.isCrcValid()]).toEqual(['LogAppendTime', 1_800_000_000_000n, true]);
    expect([...iterateRecords(view)].map((r) => r.timestamp)).toEqual([1_800_000_000_000n, 1_800_000_000_000n]);
    view.setMaxTimestamp('CreateTime', 101n);
    expect([view.timestampType, view.isCrcValid()]).toEqual(['CreateTime', true]);
    expect([...iterateRecords(view)].map((r) => r.timestamp)).toEqual([100n, 101n]);
  });

  it('works on a batch in the middle of a larger buffer without touching its neighbours', () => {
    const first = batchAt(0n, ['a']);
    const records = Buffer.concat([first, batchAt(1n, ['b']), batchAt(2n, ['c'])]);
    const before = Buffer.from(records);
    const [, middle] = [...batchViews(records)];
    middle!.setMaxTimestamp('LogAppendTime', 5n);
    const views = [...batchViews(records)];
    expect(views.map((v) => v.isCrcValid())).toEqual([true, true, true]);
    expect(records.subarray(0, first.length).equals(before.subarray(0, first.length))).toBe(true);
    expect(records.subarray(2 * first.length).equals(before.subarray(2 * first.length))).toBe(true);
  });
});
