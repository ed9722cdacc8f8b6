import { breakHighWatermark, runReplicationSimulation, type ReplicationSimulationOptions } from './replication-simulation.js';

// npm run sim:cluster -- --seed N [--seeds K] [--steps N] [--broken hw-leader-only|skip-truncation]
// Runs seeds N .. N+K-1; prints one line per seed and the trace of the first failure.
function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value)) throw new Error(`--${name} needs an integer`);
  return value;
}

const brokenAt = process.argv.indexOf('--broken');
const broken = brokenAt < 0 ? undefined : process.argv[brokenAt + 1];
if (broken !== undefined && broken !== 'hw-leader-only' && broken !== 'skip-truncation') throw new Error('--broken is hw-leader-only or skip-truncation');
if (broken === 'hw-leader-only') breakHighWatermark();
const first = option('seed', 1);
const count = option('seeds', 1);
let failed = 0;
for (let seed = first; seed < first + count; seed++) {
  const options: ReplicationSimulationOptions = { seed, steps: option('steps', 400), ...(broken === undefined ? {} : { broken }) };
  const result = runReplicationSimulation(options);
  console.log(`seed ${seed}: ${result.ok ? 'ok' : 'FAILED'} acked=${result.acked} elections=${result.elections} truncations=${result.truncations} crashes=${result.crashes}`);
  if (!result.ok) {
    failed++;
    console.log(`  ${result.failure}`);
    if (failed === 1) for (const line of result.trace.slice(-60)) console.log(`    ${line}`);
  }
}
if (failed > 0) {
  console.log(`${failed} of ${count} seeds failed`);
  process.exitCode = 1;
}
