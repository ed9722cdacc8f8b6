import { mkdirSync } from 'node:fs';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { launchChromium, requireChromium } from './support/chromium.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

// The console as an operator sees it: a node started as a user starts it, topics and a lagging
// group made with kafkajs, and the pages opened in Debian's headless Chromium.

const artifacts = new URL('../test-artifacts/console/', import.meta.url);

describe.runIf(requireChromium())('the web console in a browser', () => {
  let node: FreshetNode;
  let browser: Browser;
  let page: Page;
  let admin: Admin;
  let clusterId: string;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    node = await startFreshetNode({ properties: { 'console.read.only': 'false' } });
    const kafka = new Kafka({ clientId: 'console-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await node.createTopic('orders', 3, { 'retention.ms': '3600000' });
    const producer = kafka.producer();
    await producer.connect();
    for (let partition = 0; partition < 3; partition++) {
      await producer.send({
        topic: 'orders',
        messages: Array.from({ length: 10 }, (_, n) => ({ partition, key: `k${n}`, value: JSON.stringify({ partition, n }), headers: { source: 'test' } })),
      });
    }
    await producer.disconnect();
    // Lag 6 + 0 + 10 = 16.
    await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '10' }, { partition: 2, offset: '0' }] });
    clusterId = (await admin.describeCluster()).clusterId;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await admin?.disconnect();
    await node?.destroy();
  });

  const viewState = async (): Promise<{ view: string | null; rendered: string | null }> => {
    const view = page.locator('[data-testid=view]');
    // Before the first page there is no view: no attributes, not an error.
    const attribute = (name: string): Promise<string | null> => view.getAttribute(name, { timeout: 100 }).catch(() => null);
    return { view: await attribute('data-view'), rendered: await attribute('data-rendered') };
  };
  const open = async (hash: string, name: string): Promise<void> => {
    // Only the hash changes between views: wait for this one to be drawn, not the previous.
    const before = (await viewState()).rendered;
    await page.goto(`http://127.0.0.1:${node.metricsPort}/${hash}`);
    await expect.poll(async () => { const state = await viewState(); return state.view === hash && state.rendered !== before; }, { timeout: 15_000 }).toBe(true);
    await page.screenshot({ path: new URL(`${name}.png`, artifacts).pathname, fullPage: true });
  };
  const text = (testid: string): Promise<string> => page.locator(`[data-testid=${testid}]`).first().innerText();
  const rows = async (testid: string): Promise<string[][]> =>
    page.locator(`[data-testid=${testid}] tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));

  it('shows the cluster: its id, the quorum leader and the node', async () => {
    await open('#/', 'cluster');
    expect(await text('cluster-id')).toBe(clusterId);
    expect(await text('quorum-leader')).toBe('1');
    const brokers = await rows('brokers');
    expect(brokers).toHaveLength(1);
    expect(brokers[0]!.slice(0, 4)).toEqual(['1', '—', brokers[0]![2], 'online']);
    expect(Number(brokers[0]![2])).toBeGreaterThan(0);
  });

  it('lists the topic and shows its partitions with leader, ISR, high watermarks and configs', async () => {
    await open('#/topics', 'topics');
    const orders = (await rows('topics')).find((row) => row[0] === 'orders');
    expect(orders?.slice(0, 5)).toEqual(['orders', '3', '1', '0', '0']);

    await open('#/topics/orders', 'topic');
    expect(await rows('partitions')).toEqual([0, 1, 2].map((p) => [String(p), '1', '1', '1', '0', '10', expect.stringMatching(/B$/)]));
    expect(await text('retention')).toBe('3600000');
    expect((await rows('configs')).find((row) => row[0] === 'retention.ms')).toEqual(['retention.ms', '3600000', 'DYNAMIC_TOPIC_CONFIG']);
  });

  it('shows a group\'s lag per partition and in total, and its lag chart follows new records', async () => {
    await open('#/groups', 'groups');
    expect((await rows('groups')).find((row) => row[0] === 'billing')?.[3]).toBe('16');

    await open('#/groups/billing', 'group');
    expect(await text('group-lag')).toBe('16');
    expect(await rows('lag')).toEqual([
      ['orders', '0', '4', '10', '6'],
      ['orders', '1', '10', '10', '0'],
      ['orders', '2', '0', '10', '10'],
    ]);
    const producer = new Kafka({ clientId: 'console-test-2', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: 'orders', messages: Array.from({ length: 5 }, (_, n) => ({ partition: 2, value: `late-${n}` })) });
    await producer.disconnect();
    // The page refreshes itself; the node samples the lag every few seconds.
    await expect.poll(() => page.locator('[data-testid=lag-chart]').getAttribute('data-last'), { timeout: 30_000, interval: 500 }).toBe('21');
    expect(await text('group-lag')).toBe('21');
    await page.screenshot({ path: new URL('group-after.png', artifacts).pathname, fullPage: true });
  });

  it('shows a live group\'s members and their assignments', async () => {
    const consumer = new Kafka({ clientId: 'console-reader', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: 'readers' });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    void consumer.run({ eachMessage: async () => {} });
    try {
      await joined;
      await open('#/groups/readers', 'group-members');
      await expect.poll(() => text('group-state'), { timeout: 15_000 }).toBe('Stable');
      expect(await text('group-assignor')).toBe('RoundRobinAssigner');
      const members = await rows('members');
      expect(members).toHaveLength(1);
      expect(members[0]![2]).toBe('console-reader');
      expect(members[0]![4]).toBe('orders-0, orders-1, orders-2');
    } finally {
      await consumer.disconnect();
    }
  });

  it('shows a partition\'s offsets and segments, and browses its records as JSON', async () => {
    await open('#/topics/orders/0', 'partition');
    expect(await text('log-start')).toBe('0');
    expect(await text('high-watermark')).toBe('10');
    expect(await text('last-stable')).toBe('10');
    expect((await rows('segments'))[0]?.[0]).toBe('0');

    await page.locator('[data-testid=browse] input[name=from]').fill('7');
    await page.locator('[data-testid=browse] select[name=format]').selectOption('json');
    await page.locator('[data-testid=browse] button').click();
    await page.waitForSelector('[data-testid=records] tbody tr');
    await page.screenshot({ path: new URL('messages.png', artifacts).pathname, fullPage: true });
    const records = await rows('records');
    expect(records.map((row) => row[0])).toEqual(['7', '8', '9']);
    expect(records.map((row) => row[2])).toEqual(['k7', 'k8', 'k9']);
    expect(records[0]![3]).toBe('source=test');
    expect(JSON.parse(records[0]![4]!)).toEqual({ partition: 0, n: 7 });
  });

  it('shows an open transaction and its producer, then its commit; client quotas; and that no authorizer is configured', async () => {
    const producer = new Kafka({ clientId: 'console-txn', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).producer({ transactionalId: 'console-txn', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const transaction = await producer.transaction();
      await transaction.send({ topic: 'orders', messages: [{ partition: 1, value: 'in-flight' }] });
      await open('#/transactions', 'transactions-open');
      const open1 = (await rows('transactions')).find((row) => row[0] === 'console-txn');
      expect(open1?.[1]).toBe('Ongoing');
      expect(open1?.[7]).toBe('orders-1');
      await open('#/topics/orders/1', 'partition-producers');
      // Partition 1 held 10 records: the open transaction began at offset 10.
      expect((await rows('producers')).map((row) => row[4])).toContain('10');
      await transaction.commit();
      await open('#/transactions', 'transactions-committed');
      expect((await rows('transactions')).find((row) => row[0] === 'console-txn')?.[1]).toBe('CompleteCommit');
    } finally {
      await producer.disconnect();
    }

    const quota = await runFreshet(['configs', '--bootstrap-server', node.bootstrap, '--alter', '--add-config', 'producer_byte_rate=1048576', '--entity-type', 'clients', '--entity-name', 'my-producer']);
    expect(quota.code).toBe(0);
    await open('#/access', 'access');
    expect(await text('acls-error')).toContain('No authorizer is configured');
    expect(await rows('quotas')).toEqual([['client-id=my-producer', 'producer_byte_rate=1048576']]);
  });

  it('creates a topic from the page when console.read.only=false', async () => {
    await open('#/topics', 'topics-before-create');
    await page.locator('[data-testid=create-topic] input[name=name]').fill('made-in-console');
    await page.locator('[data-testid=create-topic] input[name=partitions]').fill('2');
    await page.locator('[data-testid=create-topic] button').click();
    await expect.poll(async () => (await rows('topics')).some((row) => row[0] === 'made-in-console'), { timeout: 15_000 }).toBe(true);
    const [described] = (await admin.fetchTopicMetadata({ topics: ['made-in-console'] })).topics;
    expect(described?.partitions).toHaveLength(2);
  });
});
