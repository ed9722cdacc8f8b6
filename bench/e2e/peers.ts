import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../cli/testing/freshet-process.js';

/**
 * The peers Freshet is compared with, from Debian's packages, each started on
 * loopback on a free port with a temp dir and stopped afterwards, fed the same
 * records through their own wire protocols (RESP, NATS) from one connection
 * with a bounded window of unanswered requests.
 */
export interface PeerResult {
  peer: string;
  records: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
}

const window = 4096;

async function startServer(command: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${output}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited ${code}: ${output}`)));
  });
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function connected(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
    socket.setNoDelay(true);
  });
}

/**
 * Sends `count` requests built by `request(i)`, keeping at most `window` unanswered;
 * `answered(chunk)` returns how many answers a chunk completes.
 */
async function pipeline(socket: Socket, count: number, request: (i: number) => Buffer, answered: (chunk: Buffer) => number): Promise<number> {
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    // A peer that stops answering fails the run instead of leaving it waiting forever.
    let lastDone = -1;
    const watchdog = setInterval(() => {
      if (done === lastDone) {
        clearInterval(watchdog);
        reject(new Error(`no answer for 10 s after ${done} of ${count}`));
      }
      lastDone = done;
    }, 10_000);
    const pump = (): void => {
      const parts: Buffer[] = [];
      while (sent < count && sent - done < window) parts.push(request(sent++));
      if (parts.length > 0) socket.write(Buffer.concat(parts));
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        done += answered(chunk);
      } catch (error) {
        reject(error);
        return;
      }
      if (done >= count) {
        clearInterval(watchdog);
        resolve();
      } else pump();
    });
    socket.once('error', reject);
    pump();
  });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function result(peer: string, records: number, recordBytes: number, seconds: number): PeerResult {
  return { peer, records, seconds, recordsPerSec: records / seconds, mbPerSec: (records * recordBytes) / seconds / 1e6 };
}

/** Redis Streams: XADD pipelined, AOF with appendfsync everysec (Redis's durable-but-fast setting). */
export async function benchRedis(records: Buffer[], count: number): Promise<PeerResult> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-peer-redis-'));
  const port = await freePort();
  const server = await startServer(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
    /Ready to accept connections/,
  );
  try {
    const socket = await connected(port);
    const requests = records.map((value) =>
      Buffer.concat([Buffer.from(`*5\r\n$4\r\nXADD\r\n$5\r\nbench\r\n$1\r\n*\r\n$1\r\nv\r\n$${value.length}\r\n`), value, Buffer.from('\r\n')]),
    );
    let lines = 0;
    let atLineStart = true;
    const seconds = await pipeline(
      socket,
      count,
      (i) => requests[i % requests.length]!,
      (chunk) => {
        // Each XADD answer is a bulk string, two lines ($len, id); an error is one line starting with '-'.
        // Counting '\n' bytes is immune to a chunk ending between '\r' and '\n'.
        if ((atLineStart && chunk[0] === 0x2d) || chunk.includes('\n-')) throw new Error(`redis: ${chunk.toString().slice(0, 200)}`);
        atLineStart = chunk[chunk.length - 1] === 0x0a;
        const before = Math.floor(lines / 2);
        for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
        return Math.floor(lines / 2) - before;
      },
    );
    socket.destroy();
    return result('redis-streams', count, records[0]!.length, seconds);
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** NATS JetStream: a file-storage stream, each publish waits for its ack (bounded window). */
export async function benchNats(records: Buffer[], count: number): Promise<PeerResult> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-peer-nats-'));
  const port = await freePort();
  const server = await startServer('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], /Server is ready/);
  try {
    const socket = await connected(port);
    socket.write('CONNECT {"verbose":false,"pedantic":false,"headers":false}\r\nSUB _INBOX.bench.* 1\r\n');
    const streamConfig = JSON.stringify({ name: 'BENCH', subjects: ['bench'], storage: 'file', retention: 'limits' });
    socket.write(`PUB $JS.API.STREAM.CREATE.BENCH _INBOX.bench.create ${Buffer.byteLength(streamConfig)}\r\n${streamConfig}\r\n`);
    const requests = records.map((value) => Buffer.concat([Buffer.from(`PUB bench _INBOX.bench.ack ${value.length}\r\n`), value, Buffer.from('\r\n')]));
    // A small parser for what the server sends: MSG <subject> <sid> <bytes>\r\n<payload>\r\n, PING, +OK, -ERR.
    let buffered: Buffer = Buffer.alloc(0);
    const seconds = await pipeline(
      socket,
      // Answer 0 is the stream creation's, sent above; then one ack per record.
      count + 1,
      (i) => (i === 0 ? Buffer.alloc(0) : requests[(i - 1) % requests.length]!),
      (chunk) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        let acks = 0;
        for (;;) {
          const eol = buffered.indexOf('\r\n');
          if (eol < 0) break;
          const line = buffered.subarray(0, eol).toString();
          if (line.startsWith('MSG ')) {
            const bytes = Number(line.slice(line.lastIndexOf(' ') + 1));
            if (buffered.length < eol + 2 + bytes + 2) break;
            const payload = buffered.subarray(eol + 2, eol + 2 + bytes).toString();
            if (payload.includes('"error"')) throw new Error(`nats: ${payload}`);
            acks++;
            buffered = buffered.subarray(eol + 2 + bytes + 2);
            continue;
          }
          if (line === 'PING') socket.write('PONG\r\n');
          if (line.startsWith('-ERR')) throw new Error(`nats: ${line}`);
          buffered = buffered.subarray(eol + 2);
        }
        return acks;
      },
    );
    socket.destroy();
    return result('nats-jetstream', count, records[0]!.length, seconds);
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The peers missing from this machine (`apt-get install -y redis-server nats-server`). */
export function missingPeers(): string[] {
  const dirs = ['/usr/bin', '/usr/sbin', '/usr/local/bin'];
  return ['redis-server', 'nats-server'].filter((name) => !dirs.some((dir) => existsSync(join(dir, name))));
}

/** Installs the missing peers from Debian's packages (as root), so `--peers` works on a fresh machine. */
export function installPeers(missing: readonly string[]): void {
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`--peers needs ${missing.join(', ')}: apt-get install -y ${missing.join(' ')}`);
  process.stderr.write(`installing ${missing.join(', ')} from Debian's packages\n`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit' });
  const still = missingPeers();
  if (still.length > 0) throw new Error(`apt-get did not install ${still.join(', ')}`);
}
