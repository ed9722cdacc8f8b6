import { describe, expect, it } from 'vitest';
import { batchViews, Compression } from '../../core/protocol/record-batch-header.js';
import { batchRecords } from '../../core/protocol/records/record-iterator.js';
import { buildProduceRequest } from './produce-request.js';

describe('buildProduceRequest', () => {
  it('sends one CRC-valid v2 batch per partition, grouped by topic, whose records read back with the same keys, values, headers and order', async () => {
    for (const compression of [Compression.none, Compression.gzip, Compression.lz4, Compression.snappy, Compression.zstd]) {
      const records = (prefix: string) =>
        Array.from({ length: 25 }, (_, i) => ({
          key: i % 5 === 0 ? null : Buffer.from(`${prefix}-key-${i}`),
          value: Buffer.from(`${prefix}-value-${i}`.repeat(i + 1)),
          headers: [{ key: 'index', value: Buffer.from(String(i)) }, { key: 'empty', value: null }],
          timestamp: 1_700_000_000_000 + i,
        }));
      const inputs = [
        { topic: 'a', partition: 2, records: records('a2') },
        { topic: 'b', partition: 0, records: records('b0') },
        { topic: 'a', partition: 0, records: records('a0') },
      ];
      const request = await buildProduceRequest(inputs, { acks: -1, timeoutMs: 1234, compression });
      expect(request).toMatchObject({ acks: -1, timeoutMs: 1234, transactionalId: null });
      expect(request.topicData.map((topic) => [topic.name, topic.partitionData.map((partition) => partition.index)])).toEqual([
        ['a', [2, 0]],
        ['b', [0]],
      ]);
      for (const input of inputs) {
        const bytes = request.topicData.find((topic) => topic.name === input.topic)!.partitionData.find((partition) => partition.index === input.partition)!.records!;
        const views = [...batchViews(bytes)];
        expect(views).toHaveLength(1);
        const view = views[0]!;
        expect(view.isCrcValid()).toBe(true);
        expect(view.compression).toBe(compression);
        expect(view.recordsCount).toBe(input.records.length);
        const decoded = [...(await batchRecords(view))];
        expect(decoded.map((record) => [record.offset, record.key, record.value, record.timestamp, record.headers])).toEqual(
          input.records.map((record, i) => [BigInt(i), record.key, record.value, BigInt(record.timestamp), record.headers]),
        );
      }
    }
  });
});
