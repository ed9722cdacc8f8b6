import { describe, expect, it } from 'vitest';
import { renderHtml } from './report-html.js';
import { formatResults } from './report-text.js';
import { checkTargets, type E2eResults } from './results.js';

const latency = (loadFraction: number, p99Ms: number) => ({
  loadFraction,
  offeredRecordsPerSec: 100_000 * loadFraction,
  achievedRecordsPerSec: 100_000 * loadFraction,
  produce: { count: 1000, p50Us: 1000, p90Us: 2000, p99Us: p99Ms * 1000, p999Us: p99Ms * 2000, p9999Us: p99Ms * 3000, maxUs: 40_000 },
  endToEnd: { count: 1000, p50Us: 2000, p90Us: 3000, p99Us: (p99Ms + 1) * 1000, p999Us: p99Ms * 3000, p9999Us: p99Ms * 4000, maxUs: 50_000 },
  curves: { produce: [[0, 500], [50, 1000], [99, p99Ms * 1000], [99.9, p99Ms * 2000]] as Array<[number, number]>, endToEnd: [] },
  saturated: false,
});

function results(mbPerSec: number): E2eResults {
  const base: Omit<E2eResults, 'targets' | 'errors'> = {
    date: '2026-01-01T00:00:00.000Z',
    machine: { cores: 2, cpuModel: 'test <cpu> & co', memoryBytes: 1, node: 'v20', commit: 'abc', loadAverageBefore: 0.5, loadAverageAfter: 3 },
    broker: { bootstrap: '127.0.0.1:1', config: 'default' },
    ceilings: { tcpLoopbackMBps: 1000, fileAppendMBps: 500 },
    produce: [1, 6].map((partitions) => ({
      recordBytes: 1024, partitions, acks: '1' as const, compression: 'none' as const,
      records: 1000, stored: 1000, seconds: 1, recordsPerSec: 1000, mbPerSec,
      series: [[0.2, mbPerSec * 0.9], [0.4, mbPerSec * 1.1]] as Array<[number, number]>,
    })),
    consume: [{ recordBytes: 1024, partitions: 6, records: 1000, seconds: 1, recordsPerSec: 1000, mbPerSec: 2 * mbPerSec }],
    latency: [latency(0.1, 1), latency(0.5, 4), latency(0.8, 9)],
    peers: [{ peer: 'redis-streams', records: 1000, seconds: 1, recordsPerSec: 1000, mbPerSec: mbPerSec / 2 }],
  };
  return { ...base, targets: checkTargets(base), errors: ['latency: broker <gone>'] };
}

/** Element names in document order must close in reverse order: a stack check of well-formedness. */
function unbalancedTags(html: string): string[] {
  const stack: string[] = [];
  const problems: string[] = [];
  for (const [, closing, name, , selfClosing] of html.matchAll(/<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (selfClosing === '/') continue;
    if (closing === '/') {
      if (stack.pop() !== name) problems.push(`</${name}>`);
    } else stack.push(name!);
  }
  return [...problems, ...stack];
}

describe('bench:e2e report', () => {
  it('checks the issue #6 targets against the measured figures', () => {
    expect(results(350).targets.map((t) => t.met)).toEqual([true, true, true, true]);
    const missed = results(250).targets;
    expect(missed.map((t) => t.met)).toEqual([false, false, false, true]);
    expect(missed[2]).toMatchObject({ name: 'consume from the beginning', measured: '500.0 MB/s' });
  });

  it('reports a target with nothing measured as not met', () => {
    const r = results(350);
    const targets = checkTargets({ ...r, latency: [], consume: [] });
    expect(targets.slice(2).map((t) => [t.measured, t.met])).toEqual([['not run', false], ['not run', false]]);
  });

  it('prints each produce figure as a share of the TCP and disk ceilings, and the ratio to a peer', () => {
    const text = formatResults(results(250));
    expect(text).toMatch(/1 KiB p=1 acks=1 none\s+1000\s+250\.0\s+25%\s+50%/);
    expect(text).toMatch(/redis-streams\s+1000\s+125\.0\s+2\.00x/);
  });

  it('warns when the machine was busy and names the phases that failed', () => {
    const text = formatResults(results(250));
    expect(text).toContain('load average up to 3.0 on 2 cores');
    expect(text).toContain('error: latency: broker <gone>');
  });

  it('writes well-formed HTML with escaped text and three SVG charts, the percentile curves among them', () => {
    const html = renderHtml(results(300));
    expect(unbalancedTags(html)).toEqual([]);
    expect(html).toContain('test &lt;cpu&gt; &amp; co');
    expect(html).toContain('broker &lt;gone&gt;');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('Produce latency by percentile');
    expect(html).toContain('produce at 80% of peak');
    // Throughput path has both samples of both runs; the latency chart has one point per load for each percentile.
    expect(html).toMatch(/<path d="M[\d.]+,[\d.]+ L[\d.]+,[\d.]+ L[\d.]+,[\d.]+ L[\d.]+,[\d.]+"/);
    expect(html.match(/<circle /g)!.length).toBeGreaterThanOrEqual(18);
  });
});
