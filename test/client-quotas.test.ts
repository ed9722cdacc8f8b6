import { spawn } from 'node:child_process';
import { Admin, ClientQuotaMatchTypes } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { kcatPath, requireKcat, runKcat } from './support/kcat.js';

/**
 * Client quotas against a broker started as a user starts it, set with `freshet configs` and
 * felt by kcat (librdkafka): a producer with client.id=my-producer limited to 512 KiB/s, an
 * unlimited producer beside it, a consumer byte-rate quota. Two quota samples of a second
 * (`quota.window.num=2`): with Kafka's 11, a new client may first send ten seconds' worth at
 * once, which a 20 s average cannot hide (the pure tests cover the default windows).
 */
const hasKcat = requireKcat();
const QUOTA = 524288;
const RECORD = 1000;

let node: FreshetNode;

beforeAll(async () => {
  if (!hasKcat) return;
  node = await startFreshetNode({ properties: { 'quota.window.num': 2, 'quota.window.size.seconds': 1 } });
  await node.createTopic('limited', 1, { 'message.timestamp.type': 'LogAppendTime' });
  await node.createTopic('free', 1);
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

async function configs(...args: string[]): Promise<string> {
  const run = await runFreshet(['configs', '--bootstrap-server', node.bootstrap, ...args]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout;
}

function lines(count: number, tag: string): string {
  const body = tag.repeat(Math.ceil(RECORD / tag.length)).slice(0, RECORD - 8);
  return Array.from({ length: count }, (_, i) => `${String(i).padStart(7, '0')} ${body}`).join('\n') + '\n';
}

describe.runIf(hasKcat)('client quotas', () => {
  it('freshet configs sets, describes and deletes client quotas (AlterClientQuotas / DescribeClientQuotas)', async () => {
    expect(await configs('--alter', '--add-config', 'producer_byte_rate=524288', '--entity-type', 'clients', '--entity-name', 'my-producer')).toBe('Completed updating config for client my-producer.\n');
    expect(await configs('--alter', '--add-config', 'request_percentage=200.5,consumer_byte_rate=4096', '--user', 'alice', '--client-defaults')).toBe('Completed updating config for user alice.\n');
    expect(await configs('--describe', '--entity-type', 'clients')).toBe("Quota configs for client-id 'my-producer' are producer_byte_rate=524288.0\n");
    expect(await configs('--describe', '--user', 'alice', '--client-defaults')).toBe("Quota configs for user-principal 'alice', the default client-id are request_percentage=200.5, consumer_byte_rate=4096.0\n");
    expect(await configs('--alter', '--delete-config', 'consumer_byte_rate', '--user', 'alice', '--client-defaults')).toBe('Completed updating config for user alice.\n');
  }, 60_000);

  it('@platformatic/kafka alters and describes client quotas, and gets INVALID_REQUEST for a bad key or value', async () => {
    const admin = new Admin({ clientId: 'quota-admin', bootstrapBrokers: [node.bootstrap], retries: 2 });
    try {
      await admin.alterClientQuotas({
        entries: [
          { entities: [{ entityType: 'user', entityName: null }], ops: [{ key: 'consumer_byte_rate', value: 4096, remove: false }] },
          { entities: [{ entityType: 'user', entityName: 'bob' }, { entityType: 'client-id', entityName: null }], ops: [{ key: 'request_percentage', value: 12.5, remove: false }] },
        ],
      });
      const users = await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: ClientQuotaMatchTypes.ANY }], strict: false });
      expect(users.map((e) => [e.entity, e.values])).toEqual(
        expect.arrayContaining([
          [[{ entityType: 'user', entityName: null }], [{ key: 'consumer_byte_rate', value: 4096 }]],
          [expect.arrayContaining([{ entityType: 'user', entityName: 'bob' }, { entityType: 'client-id', entityName: null }]), [{ key: 'request_percentage', value: 12.5 }]],
        ]),
      );
      expect(users.filter((e) => e.entity.some((part) => part.entityName === 'alice'))).toHaveLength(users.length - 2);
      const strict = await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: ClientQuotaMatchTypes.DEFAULT }], strict: true });
      expect(strict.map((e) => e.entity)).toEqual([[{ entityType: 'user', entityName: null }]]);
      await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: 'user', entityName: null }], ops: [{ key: 'consumer_byte_rate', remove: true }] }] });
      expect(await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: ClientQuotaMatchTypes.DEFAULT }], strict: true })).toEqual([]);

      for (const [op, message] of [
        [{ key: 'producer_byte_rate', value: 1.5, remove: false }, 'producer_byte_rate cannot be a fractional value.'],
        [{ key: 'bogus', value: 1, remove: false }, 'Invalid configuration key bogus'],
      ] as const) {
        const error = await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: 'client-id', entityName: 'x' }], ops: [op as never] }] }).then(() => null, (e: unknown) => e);
        const response = (error as { errors: { response: { entries: { errorCode: number; errorMessage: string }[] } }[] }).errors[0]!.response;
        expect(response.entries).toEqual([{ errorCode: 42, errorMessage: message, entity: [{ entityType: 'client-id', entityName: 'x' }] }]);
      }
    } finally {
      await admin.close();
    }
  }, 60_000);

  it('a producer limited to 512 KiB/s averages that over 20 s, is told its throttle time, and an unlimited producer beside it is not slowed', async () => {
    // Runs after the test above, which set producer_byte_rate=524288 for client id my-producer.
    const limitedCount = 11 * 1024;
    const freeCount = 40 * 1024;
    const limited = runKcat(['-P', '-b', node.bootstrap, '-t', 'limited', '-X', 'client.id=my-producer'], lines(limitedCount, 'limited'), 60_000);
    const freeStartedMs = Date.now();
    const free = await runKcat(['-P', '-b', node.bootstrap, '-t', 'free', '-X', 'client.id=free-producer'], lines(freeCount, 'free'), 60_000);
    const freeSeconds = (Date.now() - freeStartedMs) / 1000;
    const limitedRun = await limited;
    expect([limitedRun.code, free.code]).toEqual([0, 0]);

    // The unlimited producer finished its 40 MB long before the limited one, never throttled.
    expect(free.stderr).not.toMatch(/throttled/);
    expect((freeCount * RECORD) / freeSeconds).toBeGreaterThan(10 * QUOTA);
    // librdkafka saw the broker's throttle_time_ms (KIP-219) and said so.
    expect(limitedRun.stderr).toMatch(/throttled request for \d+ms/);

    // The broker's append times (LogAppendTime) of every record: bytes accepted in the first 20 s.
    const consumed = await runKcat(['-C', '-b', node.bootstrap, '-t', 'limited', '-o', 'beginning', '-e', '-q', '-f', '%T %S\n'], undefined, 60_000);
    const appended = consumed.stdout.toString().trim().split('\n').map((line) => line.split(' ').map(Number) as [number, number]);
    expect(appended).toHaveLength(limitedCount);
    const firstMs = appended[0]![0];
    const inTwentySeconds = appended.filter(([at]) => at < firstMs + 20_000).reduce((sum, [, size]) => sum + size + 1, 0);
    const rate = inTwentySeconds / 20;
    expect(rate).toBeGreaterThan(QUOTA * 0.9);
    expect(rate).toBeLessThan(QUOTA * 1.1);
    expect(await node.metrics()).toMatch(/freshet_quota_throttle_time_ms_total\{quota_type="Produce"\} [1-9]/);
  }, 90_000);

  it('a consumer limited by consumer_byte_rate reads at that rate and is told its throttle time', async () => {
    const rate = 2 * QUOTA;
    await configs('--alter', '--add-config', `consumer_byte_rate=${rate}`, '--entity-type', 'clients', '--entity-name', 'my-consumer');
    const total = 8 * 1024;
    // Batches of 16 KiB, so that 64 KiB fetches (below) measure the rate finely: a fetch answers whole batches.
    await node.createTopic('consumed', 1);
    const produced = await runKcat(['-P', '-b', node.bootstrap, '-t', 'consumed', '-X', 'client.id=loader', '-X', 'batch.size=16384'], lines(total, 'consumed'), 60_000);
    expect(produced.code).toBe(0);
    const child = spawn(kcatPath!, ['-C', '-b', node.bootstrap, '-t', 'consumed', '-o', 'beginning', '-c', String(total), '-X', 'client.id=my-consumer', '-X', 'max.partition.fetch.bytes=65536', '-f', '%S\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // When each record arrived: the first window's worth may come at once (Kafka's quota lets it).
    const arrivals: number[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const now = Date.now();
      for (const byte of chunk) if (byte === 0x0a) arrivals.push(now);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect([code, arrivals.length]).toEqual([0, total]);
    expect(stderr).toMatch(/throttled request for \d+ms/);
    const afterBurst = Math.ceil(rate / RECORD);
    const steady = ((total - afterBurst) * RECORD) / ((arrivals[total - 1]! - arrivals[afterBurst]!) / 1000);
    expect(steady).toBeGreaterThan(rate * 0.9);
    expect(steady).toBeLessThan(rate * 1.1);
    expect(await node.metrics()).toMatch(/freshet_quota_throttle_time_ms_total\{quota_type="Fetch"\} [1-9]/);
  }, 60_000);
});
