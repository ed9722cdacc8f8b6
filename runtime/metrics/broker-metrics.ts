import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The broker's Prometheus registry. Network metrics are created here; other
 * parts add theirs with `counter` / `gauge` / `histogram`, which return the
 * existing metric when the name is already registered (so a module can ask
 * for its metrics without coordinating who creates them first).
 * Names follow Prometheus conventions: `freshet_<area>_<what>_<unit|total>`.
 */
export type BadFrameReason = 'oversized' | 'malformed' | 'unknown_api' | 'unsupported_version' | 'handler_failed';

export class BrokerMetrics {
  readonly registry = new Registry();
  readonly activeConnections: Gauge;
  readonly requestsTotal: Counter<'api'>;
  readonly requestDurationSeconds: Histogram<'api'>;
  readonly requestQueueTimeSeconds: Histogram<'api'>;
  readonly badFramesTotal: Counter<'reason'>;
  readonly refusedConnectionsTotal: Counter<'reason'>;
  /** Each listener's response bytes waiting for clients to read them (summed by the gauge). */
  readonly responseQueueSources = new Set<() => number>();
  private readonly responseQueuePeak: Gauge;
  private peakResponseQueueBytes = 0;

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.activeConnections = this.gauge({
      name: 'freshet_network_active_connections',
      help: 'Client connections currently open, over all listeners.',
    });
    this.requestsTotal = this.counter({
      name: 'freshet_network_requests_total',
      help: 'Requests received, by API.',
      labelNames: ['api'],
    });
    const latencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    this.requestDurationSeconds = this.histogram({
      name: 'freshet_network_request_duration_seconds',
      help: 'Processing time: from a request being taken up to its response being queued for the socket, by API.',
      labelNames: ['api'],
      buckets: latencyBuckets,
    });
    this.requestQueueTimeSeconds = this.histogram({
      name: 'freshet_network_request_queue_time_seconds',
      help: 'Time a request read from the socket waited behind its connection\'s in-flight limit before being taken up, by API.',
      labelNames: ['api'],
      buckets: latencyBuckets,
    });
    this.badFramesTotal = this.counter({
      name: 'freshet_network_bad_frames_total',
      help: 'Requests that closed their connection: oversized, malformed, unknown API or unsupported version.',
      labelNames: ['reason'],
    });
    this.refusedConnectionsTotal = this.counter({
      name: 'freshet_network_refused_connections_total',
      help: 'Connections closed on accept: max.connections or max.connections.per.ip reached.',
      labelNames: ['reason'],
    });
    const sources = this.responseQueueSources;
    this.gauge({
      name: 'freshet_network_response_queue_bytes',
      help: 'Response bytes written but not yet taken by the kernel, over all connections (clients not reading).',
      collect() {
        let bytes = 0;
        for (const source of sources) bytes += source();
        this.set(bytes);
      },
    });
    this.responseQueuePeak = this.gauge({
      name: 'freshet_network_response_queue_peak_bytes',
      help: 'The most response bytes one connection has had waiting since start (bounded by muting).',
    });
  }

  /** Records one connection's response queue after a write, for the peak gauge. */
  noteResponseQueue(bytes: number): void {
    if (bytes > this.peakResponseQueueBytes) {
      this.peakResponseQueueBytes = bytes;
      this.responseQueuePeak.set(bytes);
    }
  }

  counter<Label extends string = never>(config: { name: string; help: string; labelNames?: readonly Label[]; collect?: (this: Counter<Label>) => void }): Counter<Label> {
    return (this.registry.getSingleMetric(config.name) as Counter<Label> | undefined) ??
      new Counter<Label>({ ...config, registers: [this.registry] });
  }

  gauge<Label extends string = never>(config: {
    name: string;
    help: string;
    labelNames?: readonly Label[];
    collect?: (this: Gauge<Label>) => void | Promise<void>;
  }): Gauge<Label> {
    return (this.registry.getSingleMetric(config.name) as Gauge<Label> | undefined) ??
      new Gauge<Label>({ ...config, registers: [this.registry] });
  }

  histogram<Label extends string = never>(config: {
    name: string;
    help: string;
    labelNames?: readonly Label[];
    buckets?: number[];
  }): Histogram<Label> {
    return (this.registry.getSingleMetric(config.name) as Histogram<Label> | undefined) ??
      new Histogram<Label>({ ...config, registers: [this.registry] });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
