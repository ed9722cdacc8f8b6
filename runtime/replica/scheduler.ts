/**
 * Time for the replication runtime (ISR checks, fetcher back-offs), injected
 * so the same classes run on Node's timers here and on a virtual clock under
 * the deterministic scheduler.
 */
export interface Scheduler {
  nowMs(): number;
  /** Runs `task` after `delayMs`; returns a cancel function. */
  after(delayMs: number, task: () => void): () => void;
}

export const nodeScheduler: Scheduler = {
  nowMs: () => Date.now(),
  after(delayMs, task) {
    const timer = setTimeout(task, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
