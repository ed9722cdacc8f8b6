import { availableParallelism } from 'node:os';

/** A few wake-ups on a VM; of 100, 200 and 400 µs, 200 moved 1 MiB batches there and back fastest. */
const SPIN_MICROS = 200;
/** Longest the event loop is held up by one stretch of polling. */
const SLICE_MS = 0.02;

/**
 * The spin budget for `threads` threads that wait on each other: none when
 * they outnumber the cores, because a spinning thread would then take the
 * core of the very thread it waits for.
 */
export function spinMicrosFor(threads: number): number {
  return threads <= availableParallelism() ? SPIN_MICROS : 0;
}

/**
 * Adaptive spinning before a sleep. A thread woken through Atomics.notify and
 * waitAsync runs again only tens of µs later (longer on a VM), so when the
 * other thread is about to answer, polling for a while is cheaper than
 * sleeping. The budget follows how long recent waits really took: short
 * waits (within the budget's maximum) raise it, long ones halve it, so an
 * idle thread soon stops spinning and a streaming one keeps at it.
 */
export class SpinBudget {
  private micros: number;

  /** `maxMicros` 0 never spins. */
  constructor(private readonly maxMicros: number) {
    this.micros = maxMicros;
  }

  get currentMicros(): number {
    return this.micros;
  }

  /**
   * Polls `ready()` for the current budget; true when it came true meanwhile.
   * It polls in short slices, after a microtask turn and then an event-loop
   * turn before each further slice, so queued microtasks (a reply's doorbell
   * ring), I/O and timers never wait for more than one slice.
   */
  async spin(ready: () => boolean): Promise<boolean> {
    if (this.micros <= 0) return ready();
    const until = performance.now() + this.micros / 1000;
    for (let slice = 0; ; slice++) {
      // Before the first slice a microtask turn is enough (queued ones, such as a reply's doorbell ring, run first);
      // before the later ones a whole event-loop turn, so I/O and timers get their turn.
      await (slice === 0 ? Promise.resolve() : new Promise((resolve) => setImmediate(resolve)));
      const sliceEnd = Math.min(until, performance.now() + SLICE_MS);
      do {
        if (ready()) return true;
      } while (performance.now() < sliceEnd);
      if (sliceEnd === until) return false;
    }
  }

  /** Reports how long a whole wait (spin, sleep and wake-up) took. */
  waited(micros: number): void {
    if (this.maxMicros <= 0) return;
    if (micros <= this.maxMicros) this.micros = Math.min(this.maxMicros, Math.max(this.micros * 2, this.maxMicros / 8));
    else this.micros = this.micros / 2 < this.maxMicros / 64 ? 0 : this.micros / 2;
  }
}

/** Never spins. */
export const noSpin = new SpinBudget(0);
