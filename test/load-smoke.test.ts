import { describe, expect, it } from 'vitest';
import { runScenario } from '../load-tests/run-scenario.js';
import { loadScenario } from '../load-tests/scenario.js';

// The smoke scenario against a real broker (freshet server-start), with real clients
// (kafkajs producers and group members, kcat reading the log back) and one kill -9.
describe('load smoke', () => {
  it('loses no acknowledged record across a kill -9 and restart, and the group sees everything stored', async () => {
    const scenario = loadScenario('smoke');
    const lines: string[] = [];
    const report = await runScenario(scenario, { onProgress: (line) => lines.push(line) });
    const context = `${lines.join('\n')}\n${JSON.stringify({ produced: report.produced, log: report.log.totals, delivery: report.delivery?.totals, faults: report.faults })}`;

    expect(report.faults.map((f) => [f.kind, f.error]), context).toEqual([['kill-restart', undefined]]);
    // The broker took most of the load (it is down only while it restarts).
    expect(report.produced.acknowledged, context).toBeGreaterThan(report.produced.records * 0.5);
    expect(report.log.totals.lost, context).toBe(0);
    expect(report.log.totals.orderViolations, context).toBe(0);
    expect(report.log.totals.acknowledged, context).toBe(report.produced.acknowledged);
    expect(report.delivery?.totals.lost, context).toBe(0);
    expect(report.ok, context).toBe(true);
    // Every acknowledged record has its latency from its due time, in the report and in its .hgrm text.
    expect(report.ackLatency.count, context).toBe(report.produced.acknowledged);
    expect(report.ackLatency.p50Us, context).toBeLessThanOrEqual(report.ackLatency.maxUs);
    expect(report.ackLatencyHgrm).toMatch(new RegExp(`#\\[Max\\s+=\\s+[\\d.]+, Total count\\s+=\\s+${report.produced.acknowledged}\\]`));
  }, 120_000);
});
