import { describe, expect, it } from 'vitest';
import { hgrmRows, LatencyHistogram } from './latency-histogram.js';

/** HdrHistogram keeps 3 significant digits: a value may come back up to 0.1% off. */
const near = (value: number) => expect.closeTo(value, -Math.log10(value * 0.002));

describe('latency percentiles from an HdrHistogram', () => {
  it('gives the percentiles of a uniform distribution of 1..100000 µs', () => {
    const histogram = new LatencyHistogram();
    for (let us = 1; us <= 100_000; us++) histogram.recordUs(us);
    const p = histogram.percentiles();
    expect(p.count).toBe(100_000);
    expect(p.p50Us).toEqual(near(50_000));
    expect(p.p90Us).toEqual(near(90_000));
    expect(p.p99Us).toEqual(near(99_000));
    expect(p.p999Us).toEqual(near(99_900));
    expect(p.p9999Us).toEqual(near(99_990));
    expect(p.maxUs).toEqual(near(100_000));
  });

  it('lets about one slow sample in a thousand set p99.9 but not p99, and one in ten thousand p99.99 only', () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 100_000; i++) histogram.recordUs(i < 11 ? 1_000_000 : i < 111 ? 250_000 : 1000);
    const p = histogram.percentiles();
    expect(p.p99Us).toEqual(near(1000));
    expect(p.p999Us).toEqual(near(250_000));
    expect(p.p9999Us).toEqual(near(1_000_000));
  });

  it('back-fills what a stalled closed-loop sender never sent when told its interval', () => {
    // 1 ms between requests, then one request stuck for a second: 999 requests were never sent.
    const raw = new LatencyHistogram();
    const corrected = new LatencyHistogram(1000);
    for (const histogram of [raw, corrected]) {
      for (let i = 0; i < 10_000; i++) histogram.recordUs(500);
      histogram.recordUs(1_000_000);
    }
    expect(raw.percentiles().p999Us).toEqual(near(500));
    expect(corrected.count).toBe(10_000 + 1000);
    expect(corrected.percentiles().p99Us).toBeGreaterThan(800_000);
  });

  it('writes an .hgrm percentile distribution in milliseconds, which reads back as the curve', () => {
    const histogram = new LatencyHistogram();
    for (let us = 1; us <= 10_000; us++) histogram.recordUs(us);
    const text = histogram.hgrm();
    expect(text).toMatch(/^\s+Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)/);
    expect(text).toMatch(/#\[Max\s+=\s+10\.00\d, Total count\s+=\s+10000\]/);
    const rows = hgrmRows(text);
    expect(rows.at(-1)!.valueMs).toEqual(near(10));
    expect(rows.at(-1)!.percentile).toBeGreaterThan(99.9);
    expect(rows.find((row) => row.percentile >= 50)!.valueMs).toEqual(near(5));
    expect(histogram.curve().at(-1)![1]).toEqual(near(10_000));
  });
});
