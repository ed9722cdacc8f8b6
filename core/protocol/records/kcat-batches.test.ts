import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { batchViews, Compression, type CompressionCodec } from '../record-batch-header.js';
import { ClientCaptureListener } from '../testdata/batches/client-capture-listener.js';
import type { KafkaRecord } from './kafka-record.js';
import { buildRecordBatch } from './record-batch-builder.js';
import { batchRecords } from './record-iterator.js';
import { kcatPath, requireKcat } from '../../../test/support/kcat.js';

// Batches built by librdkafka (kcat), captured with a minimal listener and kept
// as golden bytes. Refresh them with FRESHET_UPDATE_GOLDENS=1.
const codecs: Array<[string, CompressionCodec]> = [
  ['gzip', Compression.gzip],
  ['snappy', Compression.snappy],
  ['lz4', Compression.lz4],
  ['zstd', Compression.zstd],
];
const LINES = Array.from({ length: 300 }, (_, i) => ({
  key: `key-${i}`,
  value: `{"seq":${i},"level":"info","msg":"line ${i} of the kcat capture","service":"freshet"}`,
}));
const fixture = (codec: string) => new URL(`../testdata/batches/kcat-${codec}.bin`, import.meta.url);

const kcatAvailable = requireKcat();

/** Checks what a consumer would: every batch intact and compressed as asked, every line once, in order. */
async function expectKcatLines(records: Buffer, compression: CompressionCodec): Promise<void> {
  const decoded: KafkaRecord[] = [];
  for (const view of batchViews(records)) {
    expect(view.isCrcValid()).toBe(true);
    expect(view.compression).toBe(compression);
    const batch = [...(await batchRecords(view))];
    expect(batch.map((r) => r.offsetDelta)).toEqual(batch.map((_, i) => i));
    expect(view.lastOffsetDelta).toBe(batch.length - 1);
    decoded.push(...batch);
  }
  expect(decoded.map((r) => r.key?.toString())).toEqual(LINES.map((l) => l.key));
  expect(decoded.map((r) => r.value?.toString())).toEqual(LINES.map((l) => l.value));
  for (const record of decoded) expect(record.headers).toEqual([{ key: 'source', value: Buffer.from('kcat') }]);
}

describe.each(codecs)('kcat batches compressed with %s', (codec, compression) => {
  let listener: ClientCaptureListener | undefined;
  afterEach(async () => listener?.stop());

  it.skipIf(!kcatAvailable)('are captured live from kcat and decode to the produced lines', async () => {
    listener = new ClientCaptureListener();
    const port = await listener.start();
    const args = ['-P', '-b', `127.0.0.1:${port}`, '-t', 'capture', '-p', '0', '-z', codec, '-K', ':', '-H', 'source=kcat', '-X', 'linger.ms=50'];
    const child = spawn(kcatPath!, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(LINES.map((l) => `${l.key}:${l.value}\n`).join(''));
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ exitCode, stderr, errors: listener.errors }).toEqual({ exitCode: 0, stderr: '', errors: [] });
    const records = Buffer.concat(listener.captured.map((c) => c.records));
    await expectKcatLines(records, compression);
    if (process.env.FRESHET_UPDATE_GOLDENS === '1') writeFileSync(fixture(codec), records);
  });

  it.skipIf(!kcatAvailable)('that we build are consumed by kcat with CRC checks, every record once and in order', async () => {
    const batches: Buffer[] = [];
    for (let baseOffset = 0; baseOffset < LINES.length; baseOffset += 100) {
      const records = LINES.slice(baseOffset, baseOffset + 100).map((l, i) => ({
        key: Buffer.from(l.key),
        value: Buffer.from(l.value),
        headers: [{ key: 'source', value: Buffer.from('freshet') }],
        timestamp: 1_700_000_000_000 + baseOffset + i,
      }));
      batches.push(await buildRecordBatch({ records, baseOffset: BigInt(baseOffset), partitionLeaderEpoch: 0, compression }));
    }
    listener = new ClientCaptureListener();
    listener.serve(Buffer.concat(batches), BigInt(LINES.length));
    const port = await listener.start();
    const args = ['-C', '-b', `127.0.0.1:${port}`, '-t', 'capture', '-p', '0', '-o', '0', '-e', '-q', '-X', 'check.crcs=true', '-f', '%o %T %h %k:%s\\n'];
    const child = spawn(kcatPath!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ exitCode, stderr, errors: listener.errors }).toEqual({ exitCode: 0, stderr: '', errors: [] });
    expect(stdout.split('\n').filter((line) => line !== '')).toEqual(LINES.map((l, i) => `${i} ${1_700_000_000_000 + i} source=freshet ${l.key}:${l.value}`));
  });

  it('decode from the golden bytes kcat sent', async () => {
    expect(existsSync(fixture(codec))).toBe(true);
    await expectKcatLines(readFileSync(fixture(codec)), compression);
  });
});
