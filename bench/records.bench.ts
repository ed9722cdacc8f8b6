import { crc32c } from '@node-rs/crc32';
import { benchGroup } from './harness.js';
import { decompressRecords, compressRecords } from '../core/protocol/compression/records-codec.js';
import { Compression, RecordBatchView, type CompressionCodec } from '../core/protocol/record-batch-header.js';
import { buildRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { iterateRecords } from '../core/protocol/records/record-iterator.js';

// 1 MiB of JSON-like log lines: what compression.type recompression would see.
const size = 1 << 20;
const lines: string[] = [];
for (let i = 0, length = 0; length < size; i++) {
  const line = `{"ts":${1_700_000_000_000 + i * 7},"level":"${i % 10 === 0 ? 'warn' : 'info'}","svc":"api-${i % 5}","msg":"GET /orders/${i * 31} ${200 + (i % 4)} in ${i % 97}ms"}\n`;
  lines.push(line);
  length += line.length;
}
const logLines = Buffer.from(lines.join('')).subarray(0, size);
const target = Buffer.alloc(size);
const codecs: Array<[string, CompressionCodec]> = [
  ['gzip', Compression.gzip],
  ['snappy', Compression.snappy],
  ['lz4', Compression.lz4],
  ['zstd', Compression.zstd],
];
const compressed = new Map<CompressionCodec, Buffer>();
let batch: Buffer = Buffer.alloc(0);

export default benchGroup(
  'core/protocol records',
  [
    { name: 'baseline: Buffer.copy 1 MiB', bytes: size, baseline: true, fn: () => logLines.copy(target) },
    { name: 'crc32c 1 MiB', bytes: size, fn: () => crc32c(logLines) },
    ...codecs.flatMap(([name, codec]) => [
      { name: `${name} compress 1 MiB`, bytes: size, async: true, fn: () => compressRecords(codec, logLines) },
      { name: `${name} decompress to 1 MiB`, bytes: size, async: true, fn: () => decompressRecords(codec, compressed.get(codec)!) },
    ]),
    { name: `iterate ${lines.length} records (1 MiB batch)`, bytes: size, fn: () => {
      let count = 0;
      for (const _record of iterateRecords(new RecordBatchView(batch, 0))) count++;
      return count;
    } },
  ],
  {
    setup: async () => {
      for (const [name, codec] of codecs) {
        const bytes = await compressRecords(codec, logLines);
        compressed.set(codec, bytes);
        process.stderr.write(`# ${name}: 1 MiB of log lines -> ${bytes.length} bytes (ratio ${(size / bytes.length).toFixed(1)})\n`);
      }
      batch = await buildRecordBatch({ records: lines.map((line, i) => ({ key: Buffer.from(`k${i % 100}`), value: Buffer.from(line), timestamp: 1_700_000_000_000 + i })) });
    },
  },
);
