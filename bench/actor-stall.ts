// `npx tsx bench/actor-stall.ts [seconds]`: the append latency of a healthy
// partition actor beside a stalled one on the same io thread (core/actors).
// The stalled partition sits on a simulated slow disk: each append awaits a
// 5 ms write, while its producer offers far more than that, so its mailbox
// fills and stays full. The healthy partition's producer asks at a steady
// rate; every latency is measured from the ask's due time (no coordinated
// omission). A baseline run without the stalled producer comes first, in the
// same process. Prints a table.
//
// This file is also the actors' module: the io thread imports it for them.
import { isMainThread } from 'node:worker_threads';
import type { ActorFactory } from '../core/actors/actor.js';
import { Runtime } from '../core/actors/runtime.js';
import { formatTable } from './table.js';

const SLOW_WRITE_MS = 5;
const BATCH_BYTES = 1024;
const HEALTHY_PER_SEC = 200;
const STALLED_PER_SEC = 5000;
const ASK_TIMEOUT_MS = 5000;

/** A partition on a slow disk: each append waits for its (simulated) write. */
export const slowDiskPartition: ActorFactory = () => {
  let appended = 0;
  return {
    receive: ({ payload }) =>
      new Promise((resolve) =>
        setTimeout(() => {
          appended += payload?.byteLength ?? 0;
          resolve(appended);
        }, SLOW_WRITE_MS),
      ),
  };
};

/** A partition on a healthy disk: appends at once. */
export const healthyPartition: ActorFactory = () => {
  let appended = 0;
  return { receive: ({ payload }) => (appended += payload?.byteLength ?? 0) };
};

interface Run {
  readonly label: string;
  readonly latenciesMs: number[];
  readonly timedOut: number;
}

async function measure(label: string, stalled: boolean, seconds: number): Promise<Run> {
  const runtime = await Runtime.start({ threads: { io: 1 }, log: () => undefined });
  try {
    const module = new URL(import.meta.url);
    await runtime.spawn({ name: 'stalled-0', role: 'io', module, exportName: 'slowDiskPartition' });
    await runtime.spawn({ name: 'healthy-0', role: 'io', module, exportName: 'healthyPartition' });
    const batch = new Uint8Array(BATCH_BYTES).fill(0x78);
    let flooding = stalled;
    // The stalled partition's producer: as fast as back-pressure lets it, up to STALLED_PER_SEC.
    const flood = (async () => {
      const started = performance.now();
      for (let i = 0; flooding; i++) {
        const dueMs = started + (i * 1000) / STALLED_PER_SEC;
        if (performance.now() < dueMs) await new Promise((resolve) => setTimeout(resolve, dueMs - performance.now()));
        await runtime.send('stalled-0', { op: 'append' }, batch).catch(() => undefined);
      }
    })();
    // Let the stalled mailbox fill before measuring.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const latenciesMs: number[] = [];
    let timedOut = 0;
    const asks: Promise<void>[] = [];
    const started = performance.now();
    const count = seconds * HEALTHY_PER_SEC;
    for (let i = 0; i < count; i++) {
      const dueMs = started + (i * 1000) / HEALTHY_PER_SEC;
      if (performance.now() < dueMs) await new Promise((resolve) => setTimeout(resolve, dueMs - performance.now()));
      asks.push(
        runtime.ask('healthy-0', { op: 'append' }, { payload: batch, timeoutMs: ASK_TIMEOUT_MS }).then(
          () => void latenciesMs.push(performance.now() - dueMs),
          () => void (timedOut += 1),
        ),
      );
    }
    await Promise.all(asks);
    flooding = false;
    await flood;
    return { label, latenciesMs, timedOut };
  } finally {
    // What the stalled partition still has queued is not part of the measurement.
    await runtime.shutdown({ drainTimeoutMs: 1000 }).catch(() => undefined);
  }
}

function percentile(sorted: number[], p: number): string {
  if (sorted.length === 0) return '-';
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
}

if (isMainThread) {
  const seconds = Number(process.argv[2] ?? 5);
  const runs = [await measure('healthy partition alone', false, seconds), await measure('beside a stalled partition (same io thread)', true, seconds)];
  console.log(`append latency of the healthy partition, ${HEALTHY_PER_SEC}/s for ${seconds} s; stalled partition: ${SLOW_WRITE_MS} ms per append, offered ${STALLED_PER_SEC}/s`);
  console.log(
    formatTable(
      ['case', 'answered', 'timed out', 'p50 ms', 'p99 ms', 'max ms'],
      runs.map((run) => {
        const sorted = [...run.latenciesMs].sort((a, b) => a - b);
        return [run.label, String(sorted.length), String(run.timedOut), percentile(sorted, 50), percentile(sorted, 99), sorted.length === 0 ? '-' : sorted.at(-1)!.toFixed(2)];
      }),
    ),
  );
}
