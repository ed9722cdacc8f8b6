import type { Runtime } from '../../core/actors/runtime.js';
import type { BrokerMetrics } from './broker-metrics.js';

/**
 * Event-loop delay of every actor thread (thread 0 is the main thread, which
 * also serves the sockets), since the previous scrape. prom-client's own
 * `nodejs_eventloop_lag_*` sees only the main thread.
 */
export function registerThreadMetrics(metrics: BrokerMetrics, runtime: Runtime): void {
  metrics.gauge({
    name: 'freshet_thread_event_loop_delay_seconds',
    help: 'How late each thread\'s event loop ran ready work since the previous scrape, by thread and quantile (0.5, 0.99, 1 = max).',
    labelNames: ['thread', 'quantile'],
    async collect() {
      this.reset();
      for (const delay of await runtime.eventLoopDelays()) {
        const thread = String(delay.thread);
        this.set({ thread, quantile: '0.5' }, delay.p50Seconds);
        this.set({ thread, quantile: '0.99' }, delay.p99Seconds);
        this.set({ thread, quantile: '1' }, delay.maxSeconds);
      }
    },
  });
}
