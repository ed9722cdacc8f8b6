import { describe, expect, it } from 'vitest';
import { faultSchedule } from './fault-schedule.js';

describe('fault schedule', () => {
  const faults = [
    { kind: 'kill-restart' as const, everySeconds: 30, jitterSeconds: 5 },
    { kind: 'pause' as const, everySeconds: 45, jitterSeconds: 0, pauseMs: 2000 },
  ];

  it('repeats exactly for the same seed and differs for another', () => {
    expect(faultSchedule(faults, 300_000, 7)).toEqual(faultSchedule(faults, 300_000, 7));
    expect(faultSchedule(faults, 300_000, 8)).not.toEqual(faultSchedule(faults, 300_000, 7));
  });

  it('fires each fault about every period, within its jitter, in time order, away from the start and the end', () => {
    const events = faultSchedule(faults, 300_000, 7);
    const kills = events.filter((e) => e.kind === 'kill-restart').map((e) => e.atMs);
    expect(kills).toHaveLength(9);
    kills.forEach((at, i) => expect(Math.abs(at - 30_000 * (i + 1))).toBeLessThanOrEqual(5000));
    expect(events.filter((e) => e.kind === 'pause').map((e) => e.atMs)).toEqual([45_000, 90_000, 135_000, 180_000, 225_000, 270_000]);
    expect(events.map((e) => e.atMs)).toEqual([...events.map((e) => e.atMs)].sort((a, b) => a - b));
    expect(events.every((e) => e.atMs >= 30_000 && e.atMs <= 270_000)).toBe(true);
  });

  it('does not schedule the disk quota, which is set up before the run', () => {
    expect(faultSchedule([{ kind: 'disk-quota', quotaBytes: 1 << 20 }], 60_000, 1)).toEqual([]);
  });
});
