import { writeFileSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';

/** The percentiles every latency report gives, in microseconds. */
export interface LatencyPercentiles {
  count: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  p9999Us: number;
  maxUs: number;
}

/**
 * Latencies in an HdrHistogram (hdr-histogram-js): microseconds, 3 significant digits, any
 * range. An open-loop run measures each latency from the record's intended send time (as
 * OpenMessaging Benchmark does), so a stall counts for every record that was due during it;
 * `expectedIntervalUs` adds HdrHistogram's own correction for a closed-loop run, back-filling
 * the samples a stalled sender never took.
 */
export class LatencyHistogram {
  private readonly histogram = hdr.build({ bitBucketSize: 32, numberOfSignificantValueDigits: 3, autoResize: true });

  constructor(private readonly expectedIntervalUs?: number) {}

  /** The percentiles of latencies already collected (µs), for tools that gather them first. */
  static percentilesOf(latenciesUs: Iterable<number>): LatencyPercentiles {
    const histogram = new LatencyHistogram();
    for (const us of latenciesUs) histogram.recordUs(us);
    return histogram.percentiles();
  }

  recordUs(latencyUs: number): void {
    const value = Math.max(0, Math.round(latencyUs));
    if (this.expectedIntervalUs === undefined) this.histogram.recordValue(value);
    else this.histogram.recordValueWithExpectedInterval(value, this.expectedIntervalUs);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentiles(): LatencyPercentiles {
    const h = this.histogram;
    const at = (percentile: number): number => (h.totalCount === 0 ? Number.NaN : h.getValueAtPercentile(percentile));
    return {
      count: h.totalCount,
      p50Us: at(50),
      p90Us: at(90),
      p99Us: at(99),
      p999Us: at(99.9),
      p9999Us: at(99.99),
      maxUs: h.totalCount === 0 ? Number.NaN : h.maxValue,
    };
  }

  /** The percentile curve as [percentile, µs] (HdrHistogram's ticks: denser towards the tail), for plots. */
  curve(): Array<[number, number]> {
    return hgrmRows(this.hgrm()).map(({ percentile, valueMs }) => [percentile, valueMs * 1000]);
  }

  /** HdrHistogram's percentile distribution text (values in ms), as the HdrHistogram plotter reads `.hgrm` files. */
  hgrm(): string {
    return this.histogram.outputPercentileDistribution(5, 1000);
  }

  /** Writes `hgrm()` to `path` (beside a report, to plot and compare runs). */
  writeHgrm(path: string): void {
    writeFileSync(path, this.hgrm());
  }
}

/** The rows of an `.hgrm` text: value (ms) at each percentile. */
export function hgrmRows(text: string): Array<{ valueMs: number; percentile: number }> {
  const rows: Array<{ valueMs: number; percentile: number }> = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 4 || !/^\d/.test(fields[0]!)) continue;
    rows.push({ valueMs: Number(fields[0]), percentile: Number(fields[1]) * 100 });
  }
  return rows;
}
