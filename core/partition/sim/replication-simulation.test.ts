import { afterEach, describe, expect, it } from 'vitest';
import { breakHighWatermark, runReplicationSimulation } from './replication-simulation.js';

const failingSeeds = (seeds: number, broken?: 'hw-leader-only' | 'skip-truncation'): number[] => {
  const failed: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) if (!runReplicationSimulation({ seed, steps: 400, ...(broken === undefined ? {} : { broken }) }).ok) failed.push(seed);
  return failed;
};

describe('the seeded replication simulation (npm run sim:replication)', () => {
  let restore: (() => void) | null = null;
  afterEach(() => {
    restore?.();
    restore = null;
  });

  it('keeps every invariant over 300 seeds of crashes, elections, lost AlterPartitions and cut-off followers', () => {
    const failed: string[] = [];
    let acked = 0;
    let elections = 0;
    let truncations = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const result = runReplicationSimulation({ seed, steps: 400 });
      acked += result.acked;
      elections += result.elections;
      truncations += result.truncations;
      if (!result.ok) failed.push(`seed ${seed}: ${result.failure}`);
    }
    expect(failed).toEqual([]);
    // The runs did exercise what the invariants guard.
    expect([acked > 5000, elections > 100, truncations > 20]).toEqual([true, true, true]);
  }, 60_000);

  it('catches a high watermark that ignores the followers (acknowledged records lost at the next election)', () => {
    restore = breakHighWatermark();
    expect(failingSeeds(50).length).toBeGreaterThan(5);
  }, 30_000);

  it('catches followers that never truncate a diverged tail (replicas disagree below the high watermark)', () => {
    expect(failingSeeds(50, 'skip-truncation').length).toBeGreaterThan(2);
  }, 30_000);

  it('replays a run exactly from its seed', () => {
    const a = runReplicationSimulation({ seed: 42, steps: 400 });
    const b = runReplicationSimulation({ seed: 42, steps: 400 });
    expect(b.trace).toEqual(a.trace);
  });
});
