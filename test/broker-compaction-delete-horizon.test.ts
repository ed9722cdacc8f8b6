import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchViews } from '../core/protocol/record-batch-header.js';
import { batchRecords } from '../core/protocol/records/record-iterator.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * KIP-534 in a broker started as a user starts it: a delete produced with an
 * old timestamp (a replayed or mirrored topic) stays readable for
 * delete.retention.ms from when the cleaner first sees it, then goes without
 * any new record arriving. Before, the cleaner dropped it in its first round,
 * since its segment's newest record was already older than delete.retention.ms.
 */
const TOPIC = 'deletes';
const DELETE_RETENTION_MS = 10_000;
const DAY_MS = 86_400_000;
const FILLERS = 30;

let node: FreshetNode;

beforeAll(async () => {
  // Housekeeping (and so compaction) every 100 ms instead of 5 minutes.
  node = await startFreshetNode({ properties: { 'log.retention.check.interval.ms': 100 } });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

/** The tombstones on disk as offset → delete horizon (null when the batch has none yet). */
async function tombstonesOnDisk(): Promise<Map<bigint, bigint | null>> {
  const dir = join(node.logDir, `${TOPIC}-0`);
  const found = new Map<bigint, bigint | null>();
  for (const segment of readdirSync(dir).filter((name) => name.endsWith('.log')).sort()) {
    for (const view of batchViews(readFileSync(join(dir, segment)), { allowPartialTail: true })) {
      for (const record of await batchRecords(view)) if (record.value === null) found.set(record.offset, view.deleteHorizonMs);
    }
  }
  return found;
}

describe.skipIf(!requireKcat())('KIP-534 delete horizon in the broker', () => {
  it('keeps an old-timestamped tombstone readable by kcat for delete.retention.ms after compaction first sees it, then drops it from a quiet log', async () => {
    await node.createTopic(TOPIC, 1, {
      'cleanup.policy': 'compact',
      'segment.bytes': '1024',
      'delete.retention.ms': String(DELETE_RETENTION_MS),
      'min.cleanable.dirty.ratio': '0.01',
    });
    const kafka = new Kafka({ clientId: 'delete-horizon-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const old = String(Date.now() - 2 * DAY_MS);
    const [written] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: 'k', value: 'v1', timestamp: old }] });
    const [deleted] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: 'k', value: null, timestamp: old }] });
    // Distinct keys that roll the segments past the tombstone, so it is in a cleanable (non-active) segment.
    for (let f = 0; f < FILLERS; f++) await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: `filler-${f}`, value: 'x'.repeat(80), timestamp: old }] });
    await producer.disconnect();
    const tombstoneOffset = BigInt(deleted!.baseOffset!);
    expect(BigInt(written!.baseOffset!)).toBe(tombstoneOffset - 1n);

    // The first round drops the superseded value and stamps the tombstone's batch with its horizon.
    const before = Date.now();
    await expect.poll(async () => (await tombstonesOnDisk()).get(tombstoneOffset) ?? 'gone', { timeout: 15_000, interval: 100 }).toBeTypeOf('bigint');
    const horizon = (await tombstonesOnDisk()).get(tombstoneOffset)!;
    // The horizon is now + delete.retention.ms as of that round (not the record's timestamp + it).
    expect(Number(horizon)).toBeGreaterThanOrEqual(before - 1000 + DELETE_RETENTION_MS);

    // Within the window a consumer from the beginning reads the delete, at its offset, and not the old value.
    const read = await runKcat(['-C', '-b', node.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-Z', '-q', '-f', '%o %k %s\n']);
    const lines = read.stdout.toString().trim().split('\n');
    expect(Date.now()).toBeLessThan(Number(horizon));
    expect(lines).toContain(`${tombstoneOffset} k NULL`);
    expect(lines.filter((line) => line.includes(' k '))).toEqual([`${tombstoneOffset} k NULL`]);

    // Past the horizon, with nothing produced since, the cleaner comes back and the delete goes.
    await expect.poll(async () => (await tombstonesOnDisk()).has(tombstoneOffset), { timeout: DELETE_RETENTION_MS + 15_000, interval: 200 }).toBe(false);
    expect(Date.now()).toBeGreaterThanOrEqual(Number(horizon));
    const after = await runKcat(['-C', '-b', node.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-Z', '-q', '-f', '%o %k %s\n']);
    expect(after.stdout.toString().split('\n').filter((line) => line.includes(' k '))).toEqual([]);
    expect(after.stdout.toString().trim().split('\n')).toHaveLength(FILLERS);
  }, 60_000);
});
