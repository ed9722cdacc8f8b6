import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** How late this thread's event loop ran ready work since the last sample, in seconds. */
export interface EventLoopDelay {
  readonly thread: number;
  readonly p50Seconds: number;
  readonly p99Seconds: number;
  readonly maxSeconds: number;
}

const RESOLUTION_MS = 20;

/**
 * Samples one thread's event-loop delay: a busy actor, a long synchronous
 * append or a GC pause on a thread shows up here as every other actor of that
 * thread waiting. Each sample starts a new interval, so a scrape sees the
 * delay since the previous one. Not perf_hooks' monitorEventLoopDelay: its
 * reset also forgets when it last ticked, so a stall that ends just before a
 * sample is never recorded.
 */
export class EventLoopDelayMonitor {
  private readonly histogram: RecordableHistogram = createHistogram();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly thread: number) {
    let due = performance.now() + RESOLUTION_MS;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.histogram.record(Math.max(1, Math.round((now - due) * 1e6)));
      due = now + RESOLUTION_MS;
    }, RESOLUTION_MS);
    this.timer.unref();
  }

  sample(): EventLoopDelay {
    const h = this.histogram;
    const seconds = (nanos: number): number => (h.count === 0 ? 0 : nanos / 1e9);
    const sample = { thread: this.thread, p50Seconds: seconds(h.percentile(50)), p99Seconds: seconds(h.percentile(99)), maxSeconds: seconds(h.max) };
    h.reset();
    return sample;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
