import { describe, expect, it } from 'vitest';
import { SpinBudget } from './spin.js';

describe('SpinBudget', () => {
  it('halves the budget on long waits down to no spin, and raises it again after short ones', () => {
    const spin = new SpinBudget(200);
    expect(spin.currentMicros).toBe(200);
    const budgets: number[] = [];
    for (let i = 0; i < 8; i++) {
      spin.waited(5_000);
      budgets.push(spin.currentMicros);
    }
    expect(budgets).toEqual([100, 50, 25, 12.5, 6.25, 3.125, 0, 0]);
    spin.waited(80);
    expect(spin.currentMicros).toBe(25);
    spin.waited(80);
    spin.waited(80);
    spin.waited(80);
    expect(spin.currentMicros).toBe(200);
  });

  it('returns true as soon as ready() holds, and false once the budget is spent', async () => {
    const spin = new SpinBudget(2_000);
    let polls = 0;
    expect(await spin.spin(() => ++polls === 3)).toBe(true);
    expect(polls).toBe(3);
    const start = performance.now();
    expect(await spin.spin(() => false)).toBe(false);
    expect(performance.now() - start).toBeGreaterThanOrEqual(2);
  });

  it('lets microtasks queued before the spin run before its first poll', async () => {
    const spin = new SpinBudget(50_000);
    let rung = false;
    queueMicrotask(() => (rung = true));
    const start = performance.now();
    expect(await spin.spin(() => rung)).toBe(true);
    expect(performance.now() - start).toBeLessThan(20);
  });

  it('lets timers and queued callbacks run between slices of a spin', async () => {
    const spin = new SpinBudget(50_000);
    let fired = false;
    setTimeout(() => (fired = true), 1);
    expect(await spin.spin(() => fired)).toBe(true);
  });

  it('never spins with a zero budget', async () => {
    const spin = new SpinBudget(0);
    let polls = 0;
    expect(await spin.spin(() => (polls++, false))).toBe(false);
    expect(polls).toBe(1);
    spin.waited(1);
    expect(spin.currentMicros).toBe(0);
  });
});
