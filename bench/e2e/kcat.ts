import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * kcat is librdkafka's command-line client: the reference producer and consumer of this benchmark,
 * the load tests' log reader and the tests' third client. Its path on PATH, or undefined.
 */
export const kcatPath = (process.env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, 'kcat')).find((path) => existsSync(path));

export type Acks = '0' | '1' | 'all';
export type Compression = 'none' | 'lz4';

/**
 * Writes `count` newline-delimited records of exactly `recordBytes` bytes
 * (the newline is the delimiter, not part of the record). The payload is
 * base64 of random bytes: printable, and about as compressible as JSON logs
 * are to lz4 (about 25% smaller), so compression is neither free nor useless.
 */
export function writeRecordFile(path: string, recordBytes: number, count: number): void {
  const pool = randomBytes(Math.ceil(((4 << 20) * 3) / 4)).toString('base64');
  const fd = openSync(path, 'w');
  try {
    const perChunk = Math.max(1, Math.floor((1 << 20) / (recordBytes + 1)));
    const chunk = Buffer.allocUnsafe(perChunk * (recordBytes + 1));
    let offset = 0;
    for (let written = 0; written < count; ) {
      const n = Math.min(perChunk, count - written);
      for (let i = 0; i < n; i++) {
        const at = i * (recordBytes + 1);
        // Consecutive records start at unrelated places in the pool, so no two are equal.
        offset = (offset + 7919 * recordBytes + 13) % (pool.length - recordBytes);
        chunk.write(pool.slice(offset, offset + recordBytes), at, 'latin1');
        chunk[at + recordBytes] = 0x0a;
      }
      writeSync(fd, chunk, 0, n * (recordBytes + 1));
      written += n;
    }
  } finally {
    closeSync(fd);
  }
}

export interface KcatRun {
  seconds: number;
  stderr: string;
}

function run(args: string[], stdinPath: string | null, onStdout?: (chunk: Buffer) => void): Promise<KcatRun> {
  if (kcatPath === undefined) throw new Error('kcat not found: apt-get install -y kcat');
  const stdinFd = stdinPath === null ? 'ignore' : openSync(stdinPath, 'r');
  const start = process.hrtime.bigint();
  const child = spawn(kcatPath, args, { stdio: [stdinFd, onStdout === undefined ? 'ignore' : 'pipe', 'pipe'] });
  if (typeof stdinFd === 'number') closeSync(stdinFd);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (onStdout !== undefined) child.stdout!.on('data', onStdout);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      // librdkafka logs transient trouble it recovers from; only the exit code (and the caller's count check) decide.
      if (code !== 0) reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ seconds, stderr });
    });
  });
}

/** `kcat -P` of a record file: every line one record, spread over the partitions by librdkafka's partitioner. */
/** `count` limits the run to the file's first records. */
export function kcatProduce(options: { bootstrap: string; topic: string; file: string; acks: Acks; compression: Compression; count: number }): Promise<KcatRun> {
  return run(
    [
      '-P',
      '-b', options.bootstrap,
      '-t', options.topic,
      '-c', String(options.count),
      '-z', options.compression === 'none' ? 'none' : options.compression,
      '-X', `acks=${options.acks === 'all' ? '-1' : options.acks}`,
      // acks=0 still needs the broker's metadata; the rest are librdkafka's defaults made explicit.
      '-X', 'linger.ms=5',
      '-X', 'batch.size=1000000',
      '-X', 'queue.buffering.max.kbytes=1048576',
    ],
    options.file,
  );
}

/** `kcat -C -e` from the beginning: returns once it has read the end of every partition; counts what it read. */
export async function kcatConsume(options: { bootstrap: string; topic: string; expected: number }): Promise<KcatRun & { records: number }> {
  let records = 0;
  const result = await run(
    ['-C', '-e', '-b', options.bootstrap, '-t', options.topic, '-o', 'beginning', '-c', String(options.expected), '-f', '\n'],
    null,
    (chunk) => {
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) records++;
    },
  );
  return { ...result, records };
}
