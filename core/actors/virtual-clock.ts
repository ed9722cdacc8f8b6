/** Time as an input: the real clock for production, a virtual one for simulations. */
export interface Clock {
  nowMs(): number;
  /** Calls `fn` once `delayMs` from now; returns a handle for `cancel`. */
  setTimer(delayMs: number, fn: () => void): number;
  cancel(timerId: number): void;
}

interface Timer {
  readonly id: number;
  readonly dueMs: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire inside `advance`, in due
 * order (ties in creation order), each seeing `nowMs()` equal to its due time.
 */
export class VirtualClock implements Clock {
  private currentMs: number;
  private nextId = 1;
  private timers: Timer[] = [];

  constructor(startMs = 0) {
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  setTimer(delayMs: number, fn: () => void): number {
    const timer = { id: this.nextId++, dueMs: this.currentMs + Math.max(0, delayMs), fn };
    // Keep sorted by (dueMs, id): insert after every timer due no later.
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.dueMs > timer.dueMs) i--;
    this.timers.splice(i, 0, timer);
    return timer.id;
  }

  cancel(timerId: number): void {
    this.timers = this.timers.filter((t) => t.id !== timerId);
  }

  /** Due time of the earliest pending timer, if any. */
  nextDueMs(): number | undefined {
    return this.timers[0]?.dueMs;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including ones they set). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`cannot move time backwards (${ms} ms)`);
    const targetMs = this.currentMs + ms;
    for (;;) {
      const timer = this.timers[0];
      if (timer === undefined || timer.dueMs > targetMs) break;
      this.timers.shift();
      this.currentMs = timer.dueMs;
      timer.fn();
    }
    this.currentMs = targetMs;
  }
}

/** The wall clock, for actors hosted by the threaded runtime. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer: (delayMs, fn) => {
    const handle = setTimeout(fn, delayMs);
    handle.unref();
    return Number(handle[Symbol.toPrimitive]());
  },
  cancel: (timerId) => clearTimeout(timerId),
};
