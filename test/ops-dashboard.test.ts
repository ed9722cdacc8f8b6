import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { metricValue } from './support/freshet-node.js';
import { useFreshetNode } from './support/use-freshet-node.js';

// The Grafana dashboard and the alert rules an operator imports name metrics by hand: each name
// must exist on /metrics of a node started as a user starts it, and the numbers must be right.

const dashboard = JSON.parse(readFileSync(new URL('../ops/grafana/freshet-dashboard.json', import.meta.url), 'utf8')) as {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ query?: unknown }> };
};
const alertExprs = readFileSync(new URL('../ops/prometheus/freshet-alerts.yml', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => /^\s+expr: /.test(line))
  .map((line) => line.replace(/^\s+expr: /, ''));

/** Metric names a PromQL expression reads (ours and prom-client's process/Node ones). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(freshet_[a-z0-9_]+|process_[a-z0-9_]+|nodejs_[a-z0-9_]+)/g)].map((m) => m[1]!);
}

/** The families /metrics declares (`# TYPE name kind`), with a histogram's series names. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, kind] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
    if (kind === 'summary') for (const suffix of ['_sum', '_count']) names.add(name! + suffix);
  }
  return names;
}

describe('ops/ dashboard and alert rules', () => {
  const running = useFreshetNode();
  it('name only metrics a running node exports', async () => {
    const node = running();
    const queries = [
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
      ...dashboard.templating.list.flatMap((variable) => (typeof variable.query === 'string' ? [variable.query] : [])),
      ...alertExprs,
    ];
    expect(alertExprs.length).toBeGreaterThanOrEqual(5);
    const used = new Set(queries.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(20);
    const exposed = exposedNames(await node.metrics());
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('serves the read-only console beside /metrics by default', async () => {
    const node = running();
    const base = `http://127.0.0.1:${node.metricsPort}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Freshet console</title>');
    expect(node.output()).toContain(`Console on http://127.0.0.1:${node.metricsPort}/ (read-only)`);
    const refused = await fetch(`${base}/api/topics`, { method: 'POST', body: JSON.stringify({ name: 'nope' }) });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'the console is read-only (console.read.only=true)' });
    const missing = await fetch(`${base}/api/topics/no-such-topic`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ kafkaError: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('exports a group\'s lag per partition, the quorum leader and the log dir\'s free space', async () => {
    const node = running();
    await node.createTopic('lagged', 2);
    const kafka = new Kafka({ clientId: 'ops-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'lagged', messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}` })) });
    await producer.send({ topic: 'lagged', messages: Array.from({ length: 3 }, (_, i) => ({ partition: 1, value: `w${i}` })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'billing', topic: 'lagged', partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '3' }] });
    await admin.disconnect();

    const text = await node.metrics();
    expect(metricValue(text, 'freshet_group_lag_records', { group: 'billing', topic: 'lagged', partition: '0' })).toBe(6);
    expect(text).toMatch(/^freshet_group_lag_records\{group="billing",topic="lagged",partition="1"\} 0$/m);
    expect(metricValue(text, 'freshet_raft_current_leader')).toBe(1);
    const free = metricValue(text, 'freshet_log_dir_free_bytes', { dir: node.logDir });
    const total = metricValue(text, 'freshet_log_dir_total_bytes', { dir: node.logDir });
    expect(free).toBeGreaterThan(0);
    expect(total).toBeGreaterThanOrEqual(free);
    expect(text).toMatch(/^freshet_thread_event_loop_delay_seconds\{thread="1",quantile="0.99"\} [\d.e-]+$/m);
    expect(text).toMatch(/^freshet_network_request_queue_time_seconds_count\{api="Produce"\} [1-9]/m);
  });
});
