import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshetConfigs, recordLines } from './support/client-quotas.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { kcatPath, requireKcat, runKcat } from './support/kcat.js';

/**
 * Client quotas felt by kcat (librdkafka) against a broker started as a user starts it: a
 * producer with client.id=my-producer limited to 512 KiB/s with the command of our docs, an
 * unlimited producer beside it, a consumer byte-rate quota. Two quota samples of a second
 * (`quota.window.num=2`): with Kafka's 11, a new client may first send ten seconds' worth at
 * once, which a 20 s average cannot hide (core/security's tests cover the default windows).
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

const configs = (...args: string[]): Promise<string> => freshetConfigs(node.bootstrap, ...args);

describe.runIf(hasKcat)('client quotas on produce and fetch', () => {
  it('a producer limited to 512 KiB/s averages that over 20 s, is told its throttle time, and an unlimited producer beside it is not slowed', async () => {
    expect(await configs('--alter', '--add-config', 'producer_byte_rate=524288', '--entity-type', 'clients', '--entity-name', 'my-producer')).toBe('Completed updating config for client my-producer.\n');
    const limitedCount = 11 * 1024;
    const freeCount = 40 * 1024;
    const limited = runKcat(['-P', '-b', node.bootstrap, '-t', 'limited', '-X', 'client.id=my-producer'], recordLines(limitedCount, 'limited'), 60_000);
    const freeStartedMs = Date.now();
    const free = await runKcat(['-P', '-b', node.bootstrap, '-t', 'free', '-X', 'client.id=free-producer'], recordLines(freeCount, 'free'), 60_000);
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
    const rate = 4 * QUOTA;
    await configs('--alter', '--add-config', `consumer_byte_rate=${rate}`, '--entity-type', 'clients', '--entity-name', 'my-consumer');
    const total = 16 * 1024;
    // Batches of 16 KiB, so that 256 KiB fetches (below) measure the rate finely (a fetch answers whole batches),
    // while each throttled round trip is long enough that a loaded machine's scheduling delays stay small beside it.
    await node.createTopic('consumed', 1);
    const produced = await runKcat(['-P', '-b', node.bootstrap, '-t', 'consumed', '-X', 'client.id=loader', '-X', 'batch.size=16384'], recordLines(total, 'consumed'), 60_000);
    expect(produced.code).toBe(0);
    const child = spawn(kcatPath!, ['-C', '-b', node.bootstrap, '-t', 'consumed', '-o', 'beginning', '-c', String(total), '-X', 'client.id=my-consumer', '-X', 'max.partition.fetch.bytes=262144', '-f', '%S\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
