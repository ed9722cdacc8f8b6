export interface LatencyPercentiles {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** Nearest-rank percentiles of latencies in milliseconds (sorts the array in place). */
export function percentiles(latenciesMs: Float64Array): LatencyPercentiles {
  latenciesMs.sort();
  const at = (q: number): number =>
    latenciesMs.length === 0 ? Number.NaN : latenciesMs[Math.min(latenciesMs.length - 1, Math.ceil(q * latenciesMs.length) - 1)]!;
  return {
    count: latenciesMs.length,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    p999Ms: at(0.999),
    maxMs: latenciesMs.length === 0 ? Number.NaN : latenciesMs[latenciesMs.length - 1]!,
  };
}
