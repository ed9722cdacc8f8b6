import { SeededRandom } from '../core/actors/seeded-random.js';
import type { FaultSpec } from './scenario.js';

export type FaultEvent =
  | { atMs: number; kind: 'kill-restart' }
  | { atMs: number; kind: 'pause'; pauseMs: number }
  | { atMs: number; kind: 'group-churn'; rejoinMs: number }
  | { atMs: number; kind: 'app-kill' };

/**
 * When each periodic fault fires during a run: every `everySeconds` plus a
 * seeded jitter in [-jitter, +jitter], kept out of the first and last 10% of
 * the run (the load must be up first, and the verdict needs a calm end).
 * The same seed gives the same schedule.
 */
export function faultSchedule(faults: readonly FaultSpec[], durationMs: number, seed: number): FaultEvent[] {
  const random = new SeededRandom(seed);
  const events: FaultEvent[] = [];
  const first = durationMs * 0.1;
  const last = durationMs * 0.9;
  for (const fault of faults) {
    if (fault.kind === 'disk-quota') continue;
    const everyMs = fault.everySeconds * 1000;
    const jitterMs = fault.jitterSeconds * 1000;
    for (let nominal = everyMs; nominal <= last; nominal += everyMs) {
      const atMs = Math.round(Math.min(last, Math.max(first, nominal + (random.next() * 2 - 1) * jitterMs)));
      if (fault.kind === 'kill-restart') events.push({ atMs, kind: 'kill-restart' });
      else if (fault.kind === 'pause') events.push({ atMs, kind: 'pause', pauseMs: fault.pauseMs });
      else if (fault.kind === 'app-kill') events.push({ atMs, kind: 'app-kill' });
      else events.push({ atMs, kind: 'group-churn', rejoinMs: fault.rejoinMs });
    }
  }
  return events.sort((a, b) => a.atMs - b.atMs);
}
