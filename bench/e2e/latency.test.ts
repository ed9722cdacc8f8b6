import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreshetNode, type FreshetNode } from '../../test/support/freshet-node.js';
import { requireKcat } from '../../test/support/kcat.js';
import type { LatencyPercentiles } from '../latency-histogram.js';
import { measureClosedLoopLatency, measureLatency, type LatencyPoint } from './latency.js';

const stallMs = 1000;

/**
 * A broker stopped with SIGSTOP for a second while both drivers run: the open-loop one (latency
 * from each record's due time) shows the stall in its p99.9, the closed-loop one only in its max.
 */
describe.skipIf(!requireKcat())('coordinated omission', () => {
  let node: FreshetNode;
  let outDir: string;
  beforeAll(async () => {
    node = await startFreshetNode();
    outDir = mkdtempSync(join(tmpdir(), 'freshet-latency-'));
    await node.createTopic('stall-open', 1);
    await node.createTopic('stall-closed', 1);
  }, 60_000);
  afterAll(async () => {
    await node?.destroy();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('a 1 s SIGSTOP shows in the open-loop p99.9 and hides in a closed-loop p99.9', async () => {
    const pid = node.process().process.pid!;
    let closed: Promise<LatencyPercentiles> | undefined;
    let stalled: Promise<void> | undefined;
    const open: LatencyPoint = await measureLatency({
      bootstrap: node.bootstrap,
      topic: 'stall-open',
      recordBytes: 100,
      recordsPerSec: 400,
      seconds: 4,
      warmupSeconds: 1,
      loadFraction: 1,
      outDir,
      onMeasuring: () => {
        closed = measureClosedLoopLatency({ bootstrap: node.bootstrap, topic: 'stall-closed', recordBytes: 100, seconds: 4, minSamples: 3000 });
        stalled = new Promise<void>((resolve) => setTimeout(resolve, 1000)).then(async () => {
          process.kill(pid, 'SIGSTOP');
          await new Promise((resolve) => setTimeout(resolve, stallMs));
          process.kill(pid, 'SIGCONT');
        });
      },
    });
    await stalled;
    const closedLoop = await closed!;
    const context = JSON.stringify({ open: open.produce, closedLoop });

    // About a second's worth of the 1600 measured records were due during the stall: a fifth of them.
    expect(open.saturated, context).toBe(false);
    expect(open.produce.p999Us, context).toBeGreaterThan(stallMs * 700);
    expect(open.produce.p99Us, context).toBeGreaterThan(stallMs * 500);
    // The closed loop saw the stall (its max) but sent nothing during it, so its p99.9 stays low.
    expect(closedLoop.count, context).toBeGreaterThanOrEqual(3000);
    expect(closedLoop.maxUs, context).toBeGreaterThan(stallMs * 700);
    expect(closedLoop.p999Us, context).toBeLessThan(stallMs * 400);
    // The histograms are beside the report, readable by HdrHistogram's plotter.
    expect(readFileSync(join(outDir, 'latency-100pct-produce.hgrm'), 'utf8')).toMatch(/#\[Max\s+=\s+[\d.]+, Total count\s+=\s+1600\]/);
  }, 90_000);
});
