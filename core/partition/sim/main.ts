import { parseArgs } from 'node:util';
import { breakHighWatermark, runReplicationSimulation, type ReplicationSimulationOptions } from './replication-simulation.js';

// npm run sim:replication -- --seed N [--seeds K] [--steps N] [--broken hw-leader-only|skip-truncation]
// Runs seeds N .. N+K-1; prints one line per seed and the end of the trace of the first failure.
const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, seeds: { type: 'string', default: '1' }, steps: { type: 'string', default: '400' }, broken: { type: 'string' } },
});
const integer = (name: 'seed' | 'seeds' | 'steps'): number => {
  const value = Number(values[name]);
  if (!Number.isInteger(value)) throw new Error(`--${name} needs an integer`);
  return value;
};
const { broken } = values;
if (broken !== undefined && broken !== 'hw-leader-only' && broken !== 'skip-truncation') throw new Error('--broken is hw-leader-only or skip-truncation');
if (broken === 'hw-leader-only') breakHighWatermark();
const first = integer('seed');
const count = integer('seeds');
let failed = 0;
for (let seed = first; seed < first + count; seed++) {
  const options: ReplicationSimulationOptions = { seed, steps: integer('steps'), ...(broken === undefined ? {} : { broken }) };
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
