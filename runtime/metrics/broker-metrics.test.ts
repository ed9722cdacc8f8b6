import { afterEach, describe, expect, it } from 'vitest';
import { BrokerMetrics } from './broker-metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('BrokerMetrics', () => {
  it('lets any part add metrics, returning the same metric when asked twice by name', async () => {
    const metrics = new BrokerMetrics({ processMetrics: false });
    const first = metrics.counter({ name: 'freshet_log_messages_in_total', help: 'Records appended.', labelNames: ['topic'] });
    const second = metrics.counter({ name: 'freshet_log_messages_in_total', help: 'Records appended.', labelNames: ['topic'] });
    expect(second).toBe(first);
    first.inc({ topic: 'orders' }, 3);
    second.inc({ topic: 'orders' }, 2);
    let depth = 7;
    metrics.gauge({
      name: 'freshet_actors_mailbox_depth',
      help: 'Messages waiting.',
      collect() {
        this.set(depth);
      },
    });
    depth = 9;
    const text = await metrics.text();
    expect(text).toMatch(/^freshet_log_messages_in_total\{topic="orders"\} 5$/m);
    expect(text).toMatch(/^freshet_actors_mailbox_depth 9$/m);
    expect(text).not.toMatch(/process_cpu_seconds_total/);
  });

  it('includes process metrics unless told not to', async () => {
    const text = await new BrokerMetrics().text();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
  });

  it('serves the Prometheus text on GET /metrics only', async () => {
    const metrics = new BrokerMetrics({ processMetrics: false });
    metrics.requestsTotal.inc({ api: 'Produce' });
    server = await startMetricsServer(metrics, '127.0.0.1', 0);
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics?x=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    expect(await response.text()).toMatch(/^freshet_network_requests_total\{api="Produce"\} 1$/m);
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status).toBe(404);
  });
});
