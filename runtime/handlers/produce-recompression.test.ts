import { afterAll, describe, expect, it } from 'vitest';
import { BackgroundPool } from '../../core/actors/background-pool.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { BatchField, Compression, RecordBatchView } from '../../core/protocol/record-batch-header.js';
import { buildRecordBatch } from '../../core/protocol/records/record-batch-builder.js';
import { batchRecords } from '../../core/protocol/records/record-iterator.js';
import { ConfigResourceType, MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { loadBrokerConfig } from '../config/broker-config.js';
import { ProduceRecompression, type Refusal } from './produce-recompression.js';

const pool = new BackgroundPool({ threads: 2 });
afterAll(() => pool.close());

const { config } = loadBrokerConfig({
  'process.roles': 'broker,controller',
  'node.id': '1',
  'controller.quorum.voters': '1@127.0.0.1:9093',
  listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
  'controller.listener.names': 'CONTROLLER',
  'log.dirs': '/tmp/unused',
});
const image = new MetadataImage();
for (const [name, compression] of [['gzipped', 'gzip'], ['as-sent', 'producer']] as const) {
  image.replay({ type: MetadataRecordType.TopicRecord, value: { name, topicId: name === 'gzipped' ? 'AAAAAAAAAAAAAAAAAAAAAQ' : 'AAAAAAAAAAAAAAAAAAAAAg' } });
  image.replay({ type: MetadataRecordType.ConfigRecord, value: { resourceType: ConfigResourceType.topic, resourceName: name, name: 'compression.type', value: compression } });
}
const recompression = new ProduceRecompression(pool, config, { image: () => image });

const batch = (values: string[], compression: number): Promise<Buffer> =>
  buildRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v), timestamp: 1_700_000_000_000 })), compression: compression as 0 });

async function valuesOf(ready: Buffer | Refusal): Promise<[number, boolean, string[]]> {
  if (!Buffer.isBuffer(ready)) throw new Error(`refused: ${ready.errorMessage}`);
  const view = new RecordBatchView(ready, 0);
  return [view.compression, view.isCrcValid(), [...(await batchRecords(view))].map((r) => r.value!.toString())];
}

describe('ProduceRecompression', () => {
  it('recompresses a batch to its topic compression.type on the pool, records and CRC intact', async () => {
    const prepared = recompression.prepare('gzipped', 0, await batch(['a', 'b', 'c'], Compression.lz4));
    expect(prepared).not.toBeNull();
    expect(await valuesOf(await prepared!)).toEqual([Compression.gzip, true, ['a', 'b', 'c']]);
  });

  it('leaves a batch already in the topic codec, or of a topic that keeps the producer codec, on the hot path', async () => {
    expect(recompression.prepare('gzipped', 1, await batch(['a'], Compression.gzip))).toBeNull();
    expect(recompression.prepare('as-sent', 0, await batch(['a'], Compression.snappy))).toBeNull();
  });

  it('refuses a batch whose CRC fails with CORRUPT_MESSAGE instead of giving it a fresh CRC', async () => {
    const corrupt = await batch(['a'], Compression.none);
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 1) ^ 0xff, corrupt.length - 1);
    expect(await recompression.prepare('gzipped', 2, corrupt)).toEqual({ errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: 'record batch fails its CRC' });
  });

  it('hands the batches of one partition over in the order they came, whatever order the pool finishes them in', async () => {
    const large = await batch(Array.from({ length: 20_000 }, (_, i) => `record ${i} `.repeat(8)), Compression.none);
    const order: string[] = [];
    const first = recompression.prepare('gzipped', 3, large)!.then(() => order.push('large'));
    // Already gzip: nothing to do, but it must wait for the batch before it.
    const second = recompression.prepare('gzipped', 3, await batch(['small'], Compression.gzip))!.then(() => order.push('small'));
    const third = recompression.prepare('gzipped', 3, await batch(['tiny'], Compression.none))!.then(() => order.push('tiny'));
    await Promise.all([first, second, third]);
    expect(order).toEqual(['large', 'small', 'tiny']);
    // Once the partition's queue drains, its batches are back on the hot path.
    expect(recompression.prepare('gzipped', 3, await batch(['later'], Compression.gzip))).toBeNull();
    expect(large.readInt16BE(BatchField.attributes) & 7).toBe(Compression.none);
  });
});
