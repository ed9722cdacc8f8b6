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
    ceilings: { tcpLoopbackMBps: 1000, fileAppendMBps: 500, nullBrokerProduceMBps: 370, nullBrokerConsumeMBps: 900 },
    produce: [1, 6].map((partitions) => ({
      recordBytes: 1024, partitions, acks: '1' as const, compression: 'none' as const,
      records: 1000, stored: 1000, seconds: 1, recordsPerSec: 1000, mbPerSec, brokerCpuSecondsPerGB: 0.8,
      series: [[0.2, mbPerSec * 0.9], [0.4, mbPerSec * 1.1]] as Array<[number, number]>,
    })),
    consume: [{ recordBytes: 1024, partitions: 6, records: 1000, seconds: 1, recordsPerSec: 1000, mbPerSec: 2 * mbPerSec, brokerCpuSecondsPerGB: 0.4 }],
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
  it('checks the throughput, CPU and latency targets against the measured figures', () => {
    expect(results(350).targets.map((t) => t.met)).toEqual([true, true, true, true, true, true, true]);
    const missed = results(250).targets;
    expect(missed.map((t) => [t.name, t.met])).toEqual([
      ['produce 1 KiB, acks=1, 1 partition', false],
      ['produce 1 KiB, acks=1, 6 partitions', false],
      ['consume from the beginning', false],
      ['produce 1 KiB p=6: broker CPU per GB', true],
      ['produce 1 KiB p=6: share of the null-broker ceiling', false],
      ['consume 1 KiB p=6: broker CPU per GB', true],
      ['p99 produce latency at 50% of peak', true],
    ]);
    expect(missed[2]).toMatchObject({ measured: '500.0 MB/s' });
    expect(missed[4]).toMatchObject({ measured: '0.68' });
  });

  it('reports a target with nothing measured as not met', () => {
    const r = results(350);
    const targets = checkTargets({ ...r, latency: [], consume: [], ceilings: { tcpLoopbackMBps: 1000, fileAppendMBps: 500 } });
    const unmeasured = targets.filter((t) => ['consume from the beginning', 'produce 1 KiB p=6: share of the null-broker ceiling', 'consume 1 KiB p=6: broker CPU per GB', 'p99 produce latency at 50% of peak'].includes(t.name));
    expect(unmeasured.map((t) => [t.measured, t.met])).toEqual([['not run', false], ['not run', false], ['not run', false], ['not run', false]]);
  });

  it('prints each figure as a share of the TCP, disk and null-broker ceilings with the broker\'s CPU per GB, and the ratio to a peer', () => {
    const text = formatResults(results(250));
    expect(text).toMatch(/1 KiB p=1 acks=1 none\s+1000\s+250\.0\s+25%\s+50%\s+68%\s+0\.80/);
    expect(text).toMatch(/1 KiB p=6, 1000 records\s+1000\s+500\.0\s+50%\s+56%\s+0\.40/);
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
