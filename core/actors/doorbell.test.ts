import { describe, expect, it } from 'vitest';
import { Doorbell } from './doorbell.js';
import { SpinBudget } from './spin.js';

describe('Doorbell', () => {
  it('sleeps until rung', async () => {
    const bell = new Doorbell();
    let work = false;
    let woken = false;
    const woke = bell.sleep(() => work).then((awake) => ((woken = true), awake));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(woken).toBe(false);
    work = true;
    bell.ring();
    expect(await woke).toBe(true);
  });

  it('finds work that arrives during the spin without any ring', async () => {
    const bell = new Doorbell();
    let work = false;
    setTimeout(() => (work = true), 2);
    // A ring would be needed only after the spin; there is none, so this resolves from the spin alone.
    expect(await bell.sleep(() => work, new SpinBudget(500_000))).toBe(true);
  });

  it('ends a sleep with false when stopped, also while it spins', async () => {
    const sleeping = new Doorbell();
    const first = sleeping.sleep(() => false);
    sleeping.stop();
    expect(await first).toBe(false);

    const spinning = new Doorbell();
    const second = spinning.sleep(() => false, new SpinBudget(20_000));
    setTimeout(() => spinning.stop(), 1);
    expect(await second).toBe(false);
    expect(await spinning.sleep(() => true)).toBe(false);
  });
});
