import { spawn } from 'node:child_process';
import { Producer } from '@platformatic/kafka';
import { kcatPath } from './kcat.js';
import { percentiles, type LatencyPercentiles } from './percentiles.js';

export interface LatencyPoint {
  /** Fraction of the measured peak this point offers. */
  loadFraction: number;
  offeredRecordsPerSec: number;
  achievedRecordsPerSec: number;
  /** From the scheduled send time to the producer's acknowledgement (@platformatic/kafka, acks=1). */
  produce: LatencyPercentiles;
  /** From the scheduled send time to the record printed by a tailing `kcat -C`. */
  endToEnd: LatencyPercentiles;
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
 * which a tailing kcat prints back.
 */
export async function measureLatency(options: {
  bootstrap: string;
  topic: string;
  recordBytes: number;
  recordsPerSec: number;
  seconds: number;
  warmupSeconds: number;
  loadFraction: number;
}): Promise<LatencyPoint> {
  if (kcatPath === undefined) throw new Error('kcat not found');
  const origin = process.hrtime.bigint();
  const nowNs = (): number => Number(process.hrtime.bigint() - origin);
  const measuredCount = Math.ceil(options.recordsPerSec * options.seconds);
  const warmupCount = Math.ceil(options.recordsPerSec * options.warmupSeconds);
  const produceLatencies = new Float64Array(measuredCount);
  const endToEndLatencies = new Float64Array(measuredCount);
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
      endToEndLatencies[consumed++] = (arrivedNs - Number(line)) / 1e6;
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
              for (const due of dueNs) if (produced < measuredCount) produceLatencies[produced++] = (ackNs - due) / 1e6;
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
    const achieved = await run(measuredCount, false, false);
    // Give the tail a moment to print the last records.
    for (let waited = 0; consumed < produced && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    return {
      loadFraction: options.loadFraction,
      offeredRecordsPerSec: options.recordsPerSec,
      achievedRecordsPerSec: achieved,
      produce: percentiles(produceLatencies.subarray(0, produced)),
      endToEnd: percentiles(endToEndLatencies.subarray(0, consumed)),
      saturated,
    };
  } finally {
    tail.kill();
    await producer.close();
  }
}
