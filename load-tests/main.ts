// `npm run load -- <scenario> [--seed n] [--duration s] [--out report.json]`: runs a scenario
// of load-tests/scenarios (or a path to one) and prints the verdict; exits 1 when it fails.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatTable } from '../bench/table.js';
import { runScenario } from './run-scenario.js';
import { loadScenario } from './scenario.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seed: { type: 'string' }, duration: { type: 'string' }, out: { type: 'string' } },
});
const name = positionals[0];
if (name === undefined) {
  console.error('usage: npm run load -- <smoke|steady|crash-restart|crash-restart-acks1|group-churn|eos|path.json> [--seed n] [--duration s] [--out report.json]');
  process.exit(2);
}
const scenario = loadScenario(name);
if (values.seed !== undefined) scenario.seed = Number(values.seed);
if (values.duration !== undefined) scenario.durationSeconds = Number(values.duration);
const started = Date.now();
const report = await runScenario(scenario, { onProgress: (line) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`) }).catch(
  (error: unknown) => {
    // E.g. the broker cannot serve its log back after the faults: that is a failed run, not a crash of the harness.
    console.log(`FAIL: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

const rows = (label: string, verdict: NonNullable<typeof report.delivery>): string[][] =>
  verdict.partitions.map((p) => [
    label,
    String(p.partition),
    String(p.acknowledged),
    String(p.consumed),
    String(p.lost.length),
    String(p.duplicatedInLog.length),
    String(p.redelivered.length),
    String(p.orderViolations.length),
  ]);
console.log(`scenario ${report.scenario} (seed ${report.seed}, ${report.durationSeconds} s): ${report.produced.records} records sent, ${report.produced.acknowledged} acknowledged, ${report.produced.failedSends} failed sends`);
const ms = (us: number): string => (us / 1000).toFixed(1);
const l = report.ackLatency;
console.log(`acknowledgement latency from the schedule (ms): p50 ${ms(l.p50Us)}, p90 ${ms(l.p90Us)}, p99 ${ms(l.p99Us)}, p99.9 ${ms(l.p999Us)}, p99.99 ${ms(l.p9999Us)}, max ${ms(l.maxUs)} (${l.count} records)`);
for (const fault of report.faults) console.log(`  fault at ${(fault.atMs / 1000).toFixed(1)} s: ${fault.kind} (${fault.tookMs} ms)${fault.error === undefined ? '' : ` FAILED: ${fault.error}`}`);
console.log(
  formatTable(
    ['verdict', 'partition', 'expected', 'seen', 'lost', 'dup in log', 'redelivered', 'order'],
    [
      ...rows('log (acked vs stored)', report.log),
      ...(report.delivery === null ? [] : rows('group (stored vs delivered)', report.delivery)),
      ...(report.exactlyOnce === null ? [] : rows('exactly-once (input vs output)', report.exactlyOnce)),
    ],
  ),
);
if (report.exactlyOnce !== null) console.log(`transformer instances started again: ${report.transformerRestarts}`);
for (const [group, series] of Object.entries(report.lag)) {
  const peak = series.reduce((max, [, lag]) => Math.max(max, lag), 0);
  console.log(`group ${group} lag: peak ${peak}, last ${series.at(-1)?.[1] ?? 'n/a'} (${series.length} samples)`);
}
console.log(report.ok ? 'PASS' : 'FAIL');
if (values.out !== undefined) {
  const { ackLatencyHgrm, ...rest } = report;
  writeFileSync(values.out, JSON.stringify(rest, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
  // The histogram beside the report, to plot and compare across runs.
  writeFileSync(values.out.replace(/(\.json)?$/, '.ack-latency.hgrm'), ackLatencyHgrm);
}
process.exit(report.ok ? 0 : 1);
