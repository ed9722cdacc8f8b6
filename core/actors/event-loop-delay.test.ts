import { afterEach, describe, expect, it, vi } from 'vitest';
import { Runtime } from './runtime.js';

const actorsModule = new URL('./testdata/test-actors.ts', import.meta.url);
let runtime: Runtime | undefined;

afterEach(async () => {
  await runtime?.shutdown({ drainTimeoutMs: 2000 });
  runtime = undefined;
});

describe('Runtime.eventLoopDelays', () => {
  it('shows the thread an actor holds up, not the others, and starts afresh at each sample', async () => {
    runtime = await Runtime.start({ threads: { io: 2 }, log: () => {} });
    await runtime.spawn({ name: 'busy', role: 'io', module: actorsModule, exportName: 'busy' });
    const busyThread = runtime.placement().find((entry) => entry.actor === 'busy')!.thread;
    await runtime.eventLoopDelays();
    await runtime.ask('busy', { ms: 300 });
    // The held thread records the delay when its loop next reaches the monitor's timer: sample until it has.
    const worst = new Map<number, number>();
    await vi.waitFor(
      async () => {
        for (const delay of await runtime!.eventLoopDelays()) worst.set(delay.thread, Math.max(worst.get(delay.thread) ?? 0, delay.maxSeconds));
        expect(worst.get(busyThread)).toBeGreaterThan(0.2);
      },
      { timeout: 5000, interval: 20 },
    );
    expect([...worst.keys()].sort()).toEqual([0, 1, 2]);
    for (const [thread, seconds] of worst) if (thread !== busyThread) expect(seconds).toBeLessThan(0.2);
    const next = (await runtime.eventLoopDelays()).find((delay) => delay.thread === busyThread)!;
    expect(next.maxSeconds).toBeLessThan(0.2);
  });
});
