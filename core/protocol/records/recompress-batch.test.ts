import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../protocol-error.js';
import { Compression, RecordBatchView, type CompressionCodec } from '../record-batch-header.js';
import { buildEndTxnMarkerBatch } from './control-batch.js';
import { buildRecordBatch } from './record-batch-builder.js';
import { batchRecords } from './record-iterator.js';
import { recompressBatch } from './recompress-batch.js';

const codecs: CompressionCodec[] = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd];
const records = Array.from({ length: 50 }, (_, i) => ({
  key: i % 7 === 0 ? null : Buffer.from(`key-${i}`),
  value: Buffer.from(`{"n":${i},"text":"recompressed line ${i}"}`),
  headers: [{ key: 'trace', value: Buffer.from(String(i)) }],
  timestamp: 1_700_000_000_000 + i * 3,
  offsetDelta: i * 2,
}));

function headerFields(view: RecordBatchView): unknown[] {
  return [
    view.baseOffset, view.partitionLeaderEpoch, view.lastOffsetDelta, view.baseTimestamp, view.maxTimestamp,
    view.producerId, view.producerEpoch, view.baseSequence, view.recordsCount, view.isTransactional, view.timestampType,
  ];
}

describe('recompressBatch', () => {
  for (const from of codecs) {
    it(`re-encodes a batch compressed with codec ${from} into every other codec, keeping every header field and record`, async () => {
      const original = await buildRecordBatch({
        records, compression: from, baseOffset: 1000n, partitionLeaderEpoch: 4, producerId: 8n, producerEpoch: 2, baseSequence: 40, isTransactional: true,
      });
      const source = new RecordBatchView(original, 0);
      const expected = [...(await batchRecords(source))];
      for (const to of codecs) {
        const view = new RecordBatchView(await recompressBatch(source, to), 0);
        expect(view.compression).toBe(to);
        expect(view.isCrcValid()).toBe(true);
        expect(headerFields(view)).toEqual(headerFields(source));
        expect([...(await batchRecords(view))]).toEqual(expected);
      }
    });
  }

  it('leaves control batches uncompressed, as Kafka does', async () => {
    const marker = buildEndTxnMarkerBatch({ type: 'commit', producerId: 1n, producerEpoch: 0, coordinatorEpoch: 3, timestamp: 0 });
    expect((await recompressBatch(new RecordBatchView(marker, 0), Compression.zstd)).equals(marker)).toBe(true);
  });

  it('refuses a batch whose records are malformed instead of re-wrapping them', async () => {
    const batch = await buildRecordBatch({ records: records.slice(0, 2), compression: Compression.none });
    batch[61] = 0x7f; // first record claims more bytes than the batch holds
    await expect(recompressBatch(new RecordBatchView(batch, 0), Compression.lz4)).rejects.toBeInstanceOf(ProtocolError);
  });
});
