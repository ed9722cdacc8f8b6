import { describe, expect, it } from 'vitest';
import { percentiles } from './percentiles.js';

describe('latency percentiles', () => {
  it('uses the nearest rank, so p99 of 1..1000 ms is 990 ms and p99.9 is 999 ms', () => {
    const latencies = Float64Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(percentiles(latencies)).toEqual({ count: 1000, p50Ms: 500, p95Ms: 950, p99Ms: 990, p999Ms: 999, maxMs: 1000 });
  });

  it('lets one slow request out of a hundred set p99 but not p95', () => {
    const latencies = new Float64Array(100).fill(1);
    latencies[37] = 250;
    const result = percentiles(latencies);
    expect(result.p95Ms).toBe(1);
    expect(result.p99Ms).toBe(1);
    expect(result.p999Ms).toBe(250);
  });
});
