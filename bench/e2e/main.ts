// `npm run bench:e2e [-- --config server.properties] [--peers] [--quick] [--out dir] [--cpu-prof] [--point-seconds n] [--latency-only]`:
// a Freshet node measured with real clients against the machine's ceilings (TCP loopback, file appends, and
// the same kcat commands against a null broker), with the broker's CPU-seconds per GB (and optionally peers).
// --cpu-prof runs the produce matrix only and summarises the broker's profile (written when it stops).
// --latency-only runs the one produce point latency is measured against, then the latency points (about 30 s).
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { BenchAdmin } from './admin.js';
import { startBrokerNode } from './broker-node.js';
import { measureCeilings, type Ceilings } from './ceilings.js';
import { topFunctions } from './cpu-profile.js';
import { kcatConsume, kcatPath, kcatProduce, writeRecordFile, type Acks, type Compression } from './kcat.js';
import { measureLatency } from './latency.js';
import { measureNullBroker } from './null-ceiling.js';
import { cpuSeconds } from './process-cpu.js';
import { benchNats, benchRedis, installPeers, missingPeers } from './peers.js';
import { renderHtml } from './report-html.js';
import { formatResults } from './report-text.js';
import { checkTargets, produceLabel, type ConsumePoint, type E2eResults, type ProducePoint } from './results.js';
import type { LatencyPoint } from './latency.js';
import type { PeerResult } from './peers.js';

const { values: args } = parseArgs({
  options: {
    config: { type: 'string' },
    peers: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'point-seconds': { type: 'string' },
    'latency-only': { type: 'boolean', default: false },
  },
});
if (kcatPath === undefined) throw new Error('bench:e2e needs kcat (apt-get install -y kcat)');
const quick = args.quick === true;
// A profile is meant to show where the produce path spends its CPU: only the produce matrix runs.
const produceOnly = args['cpu-prof'] === true;
const latencyOnly = args['latency-only'] === true;
const pointSeconds = Number(args['point-seconds'] ?? (quick ? 2 : 3));
const outDir = resolve(args.out ?? join(tmpdir(), `freshet-bench-e2e-${new Date().toISOString().replace(/[:.]/g, '-')}`));
mkdirSync(outDir, { recursive: true });

interface MatrixPoint {
  recordBytes: number;
  partitions: number;
  acks: Acks;
  compression: Compression;
}

const matrix: MatrixPoint[] = latencyOnly
  ? [{ recordBytes: 1024, partitions: 6, acks: '1', compression: 'none' }]
  : quick
  ? [
      { recordBytes: 1024, partitions: 1, acks: '1', compression: 'none' },
      { recordBytes: 1024, partitions: 6, acks: '1', compression: 'none' },
      { recordBytes: 1024, partitions: 6, acks: 'all', compression: 'none' },
      { recordBytes: 1024, partitions: 6, acks: '1', compression: 'lz4' },
      { recordBytes: 100, partitions: 6, acks: '1', compression: 'none' },
    ]
  : [100, 1024, 10240].flatMap((recordBytes) =>
      [1, 6, 24].flatMap((partitions) =>
        (['0', '1', 'all'] as const).flatMap((acks) => (['none', 'lz4'] as const).map((compression) => ({ recordBytes, partitions, acks, compression }))),
      ),
    );
const consumeOf = (p: MatrixPoint): boolean => !latencyOnly && p.acks === '1' && p.compression === 'none' && (p.partitions === 1 || p.partitions === 6);
const latencyFractions = [0.1, 0.5, 0.8];
const latencySeconds = quick ? 3 : 5;
const ceilingBytes = quick ? 256 << 20 : 1 << 30;
// Bounds each point's data, and so the disk a full matrix fills (54 points, at most 7 GiB).
const maxPointBytes = 128 << 20;

if (args.peers === true) installPeers(missingPeers());

const consumePoints = produceOnly ? 0 : matrix.filter(consumeOf).length;
const latencyPoints = produceOnly ? 0 : latencyFractions.length;
const peerSteps = args.peers === true && !produceOnly ? 2 : 0;
const progress = stepProgress(
  1 + matrix.length + consumePoints + latencyPoints + peerSteps,
  6 + matrix.length * (pointSeconds + 2) + consumePoints * 2 + latencyPoints * (latencySeconds + 3) + peerSteps * 5,
);

const profileDir = args['cpu-prof'] === true ? join(outDir, 'cpu-profile') : undefined;
const broker = await startBrokerNode({ ...(args.config === undefined ? {} : { config: args.config }), ...(profileDir === undefined ? {} : { cpuProfileDir: profileDir }) });
const admin = await BenchAdmin.connect(broker.bootstrap);
const brokerPid = broker.running.process.pid!;
const recordFiles = mkdtempSync(join(tmpdir(), 'freshet-e2e-records-'));
const produce: ProducePoint[] = [];
const consume: ConsumePoint[] = [];
const latency: LatencyPoint[] = [];
const peers: PeerResult[] = [];
let ceilings: Ceilings = { tcpLoopbackMBps: Number.NaN, fileAppendMBps: Number.NaN };
const errors: string[] = [];
const loadAverageBefore = loadavg()[0]!;
/** A failed phase is reported with the broker's last words, and the run goes on. */
const phase = async (name: string, body: () => Promise<void>): Promise<void> => {
  try {
    await body();
  } catch (error) {
    errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.stderr.write(`\n${name} failed: ${String(error)}\nbroker output (last lines):\n${broker.running.output().split('\n').slice(-15).join('\n')}\n`);
  }
};
const topics = new Map<MatrixPoint, { topic: string; stored: number }>();
try {
  // Records per record size, generated once for the largest point that will need them.
  const files = new Map<number, { path: string; count: number }>();
  const recordFile = (recordBytes: number): { path: string; count: number } => {
    let file = files.get(recordBytes);
    if (file === undefined) {
      const count = Math.floor(maxPointBytes / recordBytes);
      file = { path: join(recordFiles, `${recordBytes}.txt`), count };
      writeRecordFile(file.path, recordBytes, count);
      files.set(recordBytes, file);
    }
    return file;
  };
  if (!latencyOnly) {
    await phase('ceilings', async () => {
      progress.start('ceilings: TCP loopback sink, file appends');
      ceilings = await measureCeilings(broker.logDir, ceilingBytes);
      const oneKiB = recordFile(1024);
      ceilings = { ...ceilings, ...(await measureNullBroker(oneKiB.path, Math.min(oneKiB.count, Math.floor(ceilingBytes / 1024)))) };
      progress.finish(6);
    });
  }

  // Each point is sized from the throughput seen so far for its record size, to last about pointSeconds.
  const estimatedMBps = new Map<number, number>();
  for (const [index, point] of matrix.entries()) {
    const label = produceLabel(point);
    await phase(`produce ${label}`, async () => {
      progress.start(`produce ${label}`);
      const file = recordFile(point.recordBytes);
      const mbps = estimatedMBps.get(point.recordBytes) ?? 50;
      const count = Math.max(1000, Math.min(file.count, Math.floor((mbps * 1e6 * pointSeconds) / point.recordBytes)));
      const topic = `bench-${index}-${point.recordBytes}b-p${point.partitions}-acks${point.acks}-${point.compression}`;
      await admin.createTopic(topic, point.partitions);
      const sampler = sampleLogDir(broker.logDir, topic);
      const cpuBefore = cpuSeconds(brokerPid);
      const run = await kcatProduce({ bootstrap: broker.bootstrap, topic, file: file.path, acks: point.acks, compression: point.compression, count }).finally(() => sampler.stop());
      const brokerCpuSecondsPerGB = (cpuSeconds(brokerPid) - cpuBefore) / ((count * point.recordBytes) / 1e9);
      const series = sampler.stop();
      const stored = await admin.recordCount(topic);
      if (point.acks !== '0' && stored < count) throw new Error(`kcat reported ${count} records delivered, the topic holds ${stored}`);
      const mbPerSec = (count * point.recordBytes) / run.seconds / 1e6;
      estimatedMBps.set(point.recordBytes, mbPerSec);
      produce.push({ ...point, records: count, stored, seconds: run.seconds, recordsPerSec: count / run.seconds, mbPerSec, brokerCpuSecondsPerGB, series });
      // Topics stay until the broker stops: deleting them mid-run would measure the next point against the deletion.
      if (consumeOf(point)) topics.set(point, { topic, stored });
    });
    progress.finish(pointSeconds + 2);
  }

  for (const point of produceOnly ? [] : matrix.filter(consumeOf)) {
    const produced = topics.get(point);
    if (produced === undefined) continue;
    await phase(`consume ${produceLabel(point)}`, async () => {
      progress.start(`consume ${produceLabel(point)}`);
      const cpuBefore = cpuSeconds(brokerPid);
      const run = await kcatConsume({ bootstrap: broker.bootstrap, topic: produced.topic, expected: produced.stored });
      if (run.records !== produced.stored) throw new Error(`read ${run.records} of ${produced.stored} records`);
      const gigabytes = (run.records * point.recordBytes) / 1e9;
      consume.push({
        recordBytes: point.recordBytes,
        partitions: point.partitions,
        records: run.records,
        seconds: run.seconds,
        recordsPerSec: run.records / run.seconds,
        mbPerSec: (gigabytes * 1e3) / run.seconds,
        brokerCpuSecondsPerGB: (cpuSeconds(brokerPid) - cpuBefore) / gigabytes,
      });
    });
    progress.finish(2);
  }

  // Latency is measured against the peak of 1 KiB records, acks=1, on 6 partitions (or the best point run).
  const peak =
    produce.find((p) => p.recordBytes === 1024 && p.partitions === 6 && p.acks === '1' && p.compression === 'none') ??
    produce.reduce<ProducePoint | undefined>((best, p) => (best === undefined || p.recordsPerSec > best.recordsPerSec ? p : best), undefined);
  if (peak !== undefined && !produceOnly) {
    const latencyTopic = 'bench-latency';
    await phase('latency topic', () => admin.createTopic(latencyTopic, peak.partitions));
    for (const loadFraction of latencyFractions) {
      await phase(`latency at ${loadFraction * 100}%`, async () => {
        progress.start(`latency at ${loadFraction * 100}% of ${Math.round(peak.recordsPerSec)} records/s`);
        latency.push(
          await measureLatency({ bootstrap: broker.bootstrap, topic: latencyTopic, recordBytes: peak.recordBytes, recordsPerSec: peak.recordsPerSec * loadFraction, seconds: latencySeconds, warmupSeconds: 1, loadFraction, outDir }),
        );
      });
      progress.finish(latencySeconds + 3);
    }
  }

  if (args.peers === true && !produceOnly) {
    const sample = Array.from({ length: 256 }, () => Buffer.from(randomBytes(768).toString('base64')));
    const freshet = produce.find((p) => p.recordBytes === 1024 && p.partitions === 1 && p.compression === 'none');
    const count = Math.min(300_000, freshet?.records ?? 100_000);
    await phase('Redis Streams', async () => {
      progress.start('peer: Redis Streams');
      peers.push(await benchRedis(sample, count));
    });
    progress.finish(5);
    await phase('NATS JetStream', async () => {
      progress.start('peer: NATS JetStream');
      peers.push(await benchNats(sample, count));
    });
    progress.finish(5);
  }
} finally {
  progress.close();
  await admin.close().catch(() => {});
  writeFileSync(join(outDir, 'broker.log'), broker.running.output());
  await broker.stop();
  rmSync(recordFiles, { recursive: true, force: true });
}

const partial: Omit<E2eResults, 'targets' | 'errors'> = {
  date: new Date().toISOString(),
  machine: { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem(), node: process.version, commit: gitCommit(), loadAverageBefore, loadAverageAfter: loadavg()[0]! },
  broker: { bootstrap: broker.bootstrap, config: args.config ?? 'default single node (temp dir, free ports)' },
  ceilings,
  produce,
  consume,
  latency,
  peers,
};
const results: E2eResults = { ...partial, targets: checkTargets(partial), errors };
console.log(formatResults(results));
writeFileSync(join(outDir, 'bench-e2e.json'), JSON.stringify(results, null, 2));
writeFileSync(join(outDir, 'bench-e2e.html'), renderHtml(results));
if (profileDir !== undefined) {
  console.log('\nbroker CPU profile, top functions by self time:');
  for (const f of topFunctions(profileDir)) console.log(`${f.selfPercent.toFixed(1).padStart(5)}%  ${f.name}`);
}
process.stderr.write(`wrote ${join(outDir, 'bench-e2e.json')} and ${join(outDir, 'bench-e2e.html')}\n`);

/** Samples how fast a topic's partition logs grow, every 200 ms, as [seconds, MB/s]. */
function sampleLogDir(logDir: string, topic: string): { stop(): Array<[number, number]> } {
  const series: Array<[number, number]> = [];
  const start = process.hrtime.bigint();
  let lastBytes = 0;
  let lastSeconds = 0;
  const bytes = (): number => {
    let total = 0;
    for (const dir of readdirSync(logDir).filter((name) => name.startsWith(`${topic}-`))) {
      for (const file of readdirSync(join(logDir, dir)).filter((name) => name.endsWith('.log'))) total += statSync(join(logDir, dir, file)).size;
    }
    return total;
  };
  const sample = (): void => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const now = bytes();
    series.push([seconds, (now - lastBytes) / (seconds - lastSeconds) / 1e6]);
    lastBytes = now;
    lastSeconds = seconds;
  };
  const timer = setInterval(sample, 200);
  let stopped = false;
  return {
    stop() {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        sample();
      }
      return series;
    },
  };
}

/**
 * A cli-progress bar on stderr over the planned seconds of the steps (so its estimate of the
 * time left weighs long steps more), with the steps done and the one running.
 */
function stepProgress(steps: number, plannedSeconds: number) {
  const bar = new SingleBar(
    { stream: process.stderr, format: '[{bar}] {done}/{steps} steps | {duration_formatted} elapsed, ~{eta_formatted} left | {step}', noTTYOutput: true, notTTYSchedule: 10_000, hideCursor: true },
    Presets.legacy,
  );
  let done = 0;
  bar.start(plannedSeconds, 0, { done, steps, step: '' });
  return {
    start: (step: string): void => bar.update({ step }),
    finish: (plannedSecondsOfStep: number): void => bar.increment(plannedSecondsOfStep, { done: ++done }),
    close: (): void => bar.stop(),
  };
}

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}
