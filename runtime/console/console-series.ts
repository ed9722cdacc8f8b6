import type { Counter } from 'prom-client';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { ConsoleData } from './console-data.js';

/** One point of the console's charts. */
export interface SeriesSample {
  readonly atMs: number;
  /** Sum of the high watermarks per topic, over the whole cluster: its slope is records in per second. */
  readonly topicEndOffsets: Record<string, number>;
  /** Bytes this node took in and served per topic since it started (its counters). */
  readonly topicBytesIn: Record<string, number>;
  readonly topicBytesOut: Record<string, number>;
  /** Total lag per consumer group. */
  readonly groupLag: Record<string, number>;
}

export const SAMPLE_INTERVAL_MS = 5_000;
/** 15 minutes of samples: the charts' window, and all the memory the series may take. */
const MAX_SAMPLES = 180;

/**
 * A small in-memory time series the node keeps for the console's charts, so
 * that throughput and lag over the last minutes need no Prometheus. Sampled
 * through the same admin reads as the pages; a sample still running when the
 * next is due is not doubled up.
 */
export class ConsoleSeries {
  private readonly samples: SeriesSample[] = [];
  private readonly timer: NodeJS.Timeout;
  private sampling = false;

  constructor(
    private readonly data: ConsoleData,
    private readonly metrics: BrokerMetrics,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.sample(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  /** The samples of the last `windowMs`, oldest first. */
  since(windowMs: number, nowMs = Date.now()): SeriesSample[] {
    return this.samples.filter((sample) => sample.atMs >= nowMs - windowMs);
  }

  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const [topics, groups] = await Promise.all([this.data.topicEndOffsets(), this.data.groups()]);
      this.samples.push({
        atMs: Date.now(),
        topicEndOffsets: topics,
        topicBytesIn: await this.counterByTopic('freshet_topic_bytes_in_total'),
        topicBytesOut: await this.counterByTopic('freshet_topic_bytes_out_total'),
        groupLag: Object.fromEntries(groups.map((group) => [group.groupId, group.totalLag])),
      });
      if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
    } catch (error) {
      this.onError(error);
    } finally {
      this.sampling = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async counterByTopic(name: string): Promise<Record<string, number>> {
    const counter = this.metrics.registry.getSingleMetric(name) as Counter<'topic'> | undefined;
    const totals: Record<string, number> = {};
    for (const value of (await counter?.get())?.values ?? []) {
      const topic = String(value.labels.topic);
      totals[topic] = (totals[topic] ?? 0) + value.value;
    }
    return totals;
  }
}
