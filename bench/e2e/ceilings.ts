import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { NullBrokerCeilings } from './null-ceiling.js';

/** What the hardware allows, measured in the same run as the broker: the denominators of every ratio. */
export interface Ceilings extends Partial<NullBrokerCeilings> {
  /** A Node TCP sink on loopback that discards what it reads, in another process. */
  tcpLoopbackMBps: number;
  /** Sequential 1 MiB writeSync appends in the broker's log dir, then one fdatasync. */
  fileAppendMBps: number;
}

const chunkBytes = 1 << 20;

/** Seconds a task took, from a monotonic clock. */
export async function timed(task: () => Promise<void> | void): Promise<number> {
  const start = process.hrtime.bigint();
  await task();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function measureFileAppend(dir: string, totalBytes: number): Promise<number> {
  const path = join(dir, `freshet-bench-ceiling-${process.pid}.log`);
  const chunk = Buffer.alloc(chunkBytes, 0x61);
  const fd = openSync(path, 'w');
  try {
    // Warm up the buffer and the file system path before timing.
    writeSync(fd, chunk);
    const seconds = await timed(() => {
      for (let written = 0; written < totalBytes; written += chunkBytes) writeSync(fd, chunk);
      fdatasyncSync(fd);
    });
    return totalBytes / seconds / 1e6;
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}

const sinkSource = `
const server = require('node:net').createServer((socket) => {
  let bytes = 0;
  socket.on('data', (chunk) => (bytes += chunk.length)).on('end', () => socket.end(String(bytes)));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.on('disconnect', () => process.exit(0));
`;

/** Streams `totalBytes` (rounded up to whole MiB) from a reused 1 MiB buffer to a discarding sink in a child process. */
export async function measureTcpLoopback(requestedBytes: number): Promise<number> {
  const totalBytes = Math.ceil(requestedBytes / chunkBytes) * chunkBytes;
  const sink = spawn(process.execPath, ['-e', sinkSource], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      sink.once('error', reject);
      sink.stdout!.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
    });
    const chunk = Buffer.alloc(chunkBytes, 0x61);
    const seconds = await timed(
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          socket.once('error', reject);
          let written = 0;
          const pump = (): void => {
            while (written < totalBytes) {
              written += chunkBytes;
              if (!socket.write(chunk)) return void socket.once('drain', pump);
            }
            socket.end();
          };
          socket.once('connect', pump);
          // The sink answers with the byte count once it has read everything.
          let answer = '';
          socket.on('data', (data: Buffer) => (answer += data.toString()));
          socket.once('end', () =>
            Number(answer) === totalBytes ? resolve() : reject(new Error(`TCP sink read ${answer} of ${totalBytes} bytes`)),
          );
        }),
    );
    return totalBytes / seconds / 1e6;
  } finally {
    sink.kill();
  }
}

export async function measureCeilings(logDir: string, totalBytes: number): Promise<Ceilings> {
  return {
    tcpLoopbackMBps: await measureTcpLoopback(totalBytes),
    fileAppendMBps: await measureFileAppend(logDir, totalBytes),
  };
}
