import { runSimulation, type SimulationOptions } from './raft-simulation.js';

// npm run sim -- --seed N [--seeds K] [--voters 3|5] [--observers N] [--steps N]
// Runs seeds N .. N+K-1; prints one line per seed and the trace of the first failure.
function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value)) throw new Error(`--${name} needs an integer`);
  return value;
}

const first = option('seed', 1);
const count = option('seeds', 1);
let failed = 0;
for (let seed = first; seed < first + count; seed++) {
  const voterCount = option('voters', seed % 2 === 0 ? 3 : 5);
  if (voterCount !== 3 && voterCount !== 5) throw new Error('--voters must be 3 or 5');
  const options: SimulationOptions = {
    seed,
    voterCount,
    observerCount: option('observers', seed % 3),
    faultSteps: option('steps', 300),
    livenessBoundSteps: 400,
  };
  const result = runSimulation(options);
  console.log(
    `seed ${seed} voters=${voterCount} observers=${options.observerCount}: ${result.ok ? 'ok' : 'FAILED'} committed=${result.committedOffset} maxEpoch=${result.maxEpoch} faults=${result.faults} liveness=${result.livenessSteps} steps snapshotInstalls=${result.snapshotInstalls} piecedSnapshotInstalls=${result.piecedSnapshotInstalls} truncations=${result.truncations}`,
  );
  if (!result.ok) {
    failed++;
    console.log(`  ${result.failure}`);
    if (failed === 1) for (const line of result.trace) console.log(`    ${line}`);
  }
}
if (failed > 0) {
  console.log(`${failed} of ${count} seeds failed`);
  process.exitCode = 1;
}
