import { spawn } from 'node:child_process';
import { Producer } from '@platformatic/kafka';
import { join } from 'node:path';
import { LatencyHistogram, type LatencyPercentiles } from '../latency-histogram.js';
import { kcatPath } from './kcat.js';

export interface LatencyPoint {
  /** Fraction of the measured peak this point offers. */
  loadFraction: number;
  offeredRecordsPerSec: number;
  achievedRecordsPerSec: number;
  /** From the scheduled send time to the producer's acknowledgement (@platformatic/kafka, acks=1). */
  produce: LatencyPercentiles;
  /** From the scheduled send time to the record printed by a tailing `kcat -C`. */
  endToEnd: LatencyPercentiles;
  /** The percentile curves as [percentile, µs], for the HTML report (the `.hgrm` files hold the rest). */
  curves: { produce: Array<[number, number]>; endToEnd: Array<[number, number]> };
  /** True when the driver fell more than a second behind its schedule and stopped early. */
  saturated: boolean;
}

const tickMs = 1;
const maxBatch = 2000;

/**
 * Offers `recordsPerSec` open-loop for `seconds`: record i is due at start + i/rate,
 * each tick sends everything due, and every latency is measured from the record's
 * due time, so a stalled broker cannot hide its stall by slowing the sender
 * (coordinated omission). The due time (ns since the run's origin) is the record key,
 * which a tailing kcat prints back. Latencies go into HdrHistograms (µs), written as
 * `latency-<percent>-produce.hgrm` and `-end-to-end.hgrm` in `outDir`.
 */
export async function measureLatency(options: {
  bootstrap: string;
  topic: string;
  recordBytes: number;
  recordsPerSec: number;
  seconds: number;
  warmupSeconds: number;
  loadFraction: number;
  outDir: string;
  /** Called when the measured records start (after the warm-up). */
  onMeasuring?: () => void;
}): Promise<LatencyPoint> {
  if (kcatPath === undefined) throw new Error('kcat not found');
  const origin = process.hrtime.bigint();
  const nowNs = (): number => Number(process.hrtime.bigint() - origin);
  const measuredCount = Math.ceil(options.recordsPerSec * options.seconds);
  const warmupCount = Math.ceil(options.recordsPerSec * options.warmupSeconds);
  const produceLatencies = new LatencyHistogram();
  const endToEndLatencies = new LatencyHistogram();
  let produced = 0;
  let consumed = 0;

  // The tail starts at the end, then warm-up records show it is reading before the measured ones are due.
  const tail = spawn(kcatPath, ['-C', '-q', '-u', '-b', options.bootstrap, '-t', options.topic, '-o', 'end', '-f', '%k\n'], {
    // Its complaints once it is killed (or the broker stops) are not results.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let pending = '';
  let firstSeen: () => void = () => {};
  const tailReady = new Promise<void>((resolve) => (firstSeen = resolve));
  tail.stdout!.on('data', (chunk: Buffer) => {
    const arrivedNs = nowNs();
    const lines = (pending + chunk.toString('latin1')).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      firstSeen();
      if (line.startsWith('w') || consumed >= measuredCount) continue;
      endToEndLatencies.recordUs((arrivedNs - Number(line)) / 1e3);
      consumed++;
    }
  });

  const producer = new Producer({ clientId: 'freshet-bench-latency', bootstrapBrokers: [options.bootstrap], acks: 1, idempotent: false, retries: 0 });
  const value = Buffer.alloc(options.recordBytes, 0x78);
  let saturated = false;
  try {
    const run = async (count: number, warmup: boolean, waitForTail: boolean): Promise<number> => {
      const startNs = nowNs();
      const intervalNs = 1e9 / options.recordsPerSec;
      let sent = 0;
      let acknowledged = 0;
      let failure: unknown;
      while (sent < count && failure === undefined) {
        const dueCount = Math.min(count, Math.floor((nowNs() - startNs) / intervalNs) + 1);
        if (nowNs() - (startNs + sent * intervalNs) > 1e9) {
          saturated = true;
          break;
        }
        while (sent < dueCount) {
          const n = Math.min(maxBatch, dueCount - sent);
          const dueNs = Array.from({ length: n }, (_, i) => Math.round(startNs + (sent + i) * intervalNs));
          sent += n;
          const messages = dueNs.map((due) => ({ topic: options.topic, key: Buffer.from(warmup ? `w${due}` : String(due)), value }));
          producer.send({ messages }).then(
            () => {
              const ackNs = nowNs();
              acknowledged += n;
              if (warmup) return;
              for (const due of dueNs) {
                if (produced >= measuredCount) break;
                produceLatencies.recordUs((ackNs - due) / 1e3);
                produced++;
              }
            },
            (error: unknown) => (failure = error),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, tickMs));
      }
      while (acknowledged < sent && failure === undefined) await new Promise((resolve) => setTimeout(resolve, tickMs));
      if (failure !== undefined) throw failure;
      if (waitForTail) await Promise.race([tailReady, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      return (sent * 1e9) / Math.max(1, nowNs() - startNs);
    };
    await run(warmupCount, true, true);
    options.onMeasuring?.();
    const achieved = await run(measuredCount, false, false);
    // Give the tail a moment to print the last records.
    for (let waited = 0; consumed < produced && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    const name = `latency-${Math.round(options.loadFraction * 100)}pct`;
    produceLatencies.writeHgrm(join(options.outDir, `${name}-produce.hgrm`));
    endToEndLatencies.writeHgrm(join(options.outDir, `${name}-end-to-end.hgrm`));
    return {
      loadFraction: options.loadFraction,
      offeredRecordsPerSec: options.recordsPerSec,
      achievedRecordsPerSec: achieved,
      produce: produceLatencies.percentiles(),
      endToEnd: endToEndLatencies.percentiles(),
      curves: { produce: produceLatencies.curve(), endToEnd: endToEndLatencies.curve() },
      saturated,
    };
  } finally {
    tail.kill();
    await producer.close();
  }
}

/**
 * The closed-loop measurement most quick benchmarks make: one record at a time, the next sent
 * when the previous is acknowledged, latency from send to acknowledgement. A stall delays one
 * sample and stops the clock for the rest (coordinated omission), so it hides in the
 * percentiles; kept to show the difference. Runs `seconds`, and on until `minSamples` (bounded).
 */
export async function measureClosedLoopLatency(options: { bootstrap: string; topic: string; recordBytes: number; seconds: number; minSamples: number }): Promise<LatencyPercentiles> {
  const producer = new Producer({ clientId: 'freshet-bench-closed-loop', bootstrapBrokers: [options.bootstrap], acks: 1, idempotent: false, retries: 0 });
  const latencies = new LatencyHistogram();
  const value = Buffer.alloc(options.recordBytes, 0x78);
  const startMs = performance.now();
  const endMs = startMs + options.seconds * 1000;
  const limitMs = startMs + options.seconds * 5000;
  try {
    for (let now = startMs; now < limitMs && (now < endMs || latencies.count < options.minSamples); now = performance.now()) {
      const sentMs = performance.now();
      await producer.send({ messages: [{ topic: options.topic, value }] });
      latencies.recordUs((performance.now() - sentMs) * 1000);
    }
    return latencies.percentiles();
  } finally {
    await producer.close();
  }
}
