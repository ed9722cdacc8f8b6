import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { batchRecords } from '../core/protocol/records/record-iterator.js';
import { batchViews } from '../core/protocol/record-batch-header.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { waitUntil } from './support/wait-until.js';

/**
 * Log compaction in a broker started as a user starts it: the partition
 * actors clean cleanup.policy=compact logs (a user topic and
 * __consumer_offsets) on their housekeeping timer, and the broker keeps
 * Kafka's cleaner-offset-checkpoint so a restart resumes where cleaning stopped.
 */
const TOPIC = 'compacted';
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];
const VERSIONS = 40;
const FILLERS = 60;

let node: FreshetNode;

beforeAll(async () => {
  node = await startFreshetNode({
    properties: {
      // Housekeeping (flush, retention, compaction) every 100 ms instead of 5 minutes.
      'log.retention.check.interval.ms': 100,
      'offsets.topic.num.partitions': 1,
      'offsets.topic.segment.bytes': 1024,
    },
  });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

function kafka(): Kafka {
  return new Kafka({ clientId: 'compaction-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
}

interface DiskRecord {
  readonly segment: string;
  readonly offset: bigint;
  readonly key: string | null;
  readonly value: string | null;
}

/** Every record in the partition's segment files, decoded from the bytes on disk, and the active (last) segment's name. */
async function recordsOnDisk(dir: string): Promise<{ records: DiskRecord[]; active: string; bytes: number }> {
  const segments = readdirSync(dir).filter((name) => name.endsWith('.log')).sort();
  const records: DiskRecord[] = [];
  let bytes = 0;
  for (const segment of segments) {
    const data = readFileSync(join(dir, segment));
    bytes += data.length;
    for (const view of batchViews(data, { allowPartialTail: true })) {
      if (view.isControl) continue;
      for (const r of await batchRecords(view)) records.push({ segment, offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
    }
  }
  return { records, active: segments.at(-1)!, bytes };
}

/** cleaner-offset-checkpoint as Kafka writes it: version 0, a count, then `topic partition offset` lines. */
function cleanerCheckpoint(): Map<string, bigint> {
  const lines = readFileSync(join(node.logDir, 'cleaner-offset-checkpoint'), 'utf8').trim().split('\n');
  expect(lines[0]).toBe('0');
  expect(Number(lines[1])).toBe(lines.length - 2);
  return new Map(lines.slice(2).map((line) => {
    const [topic, partition, offset] = line.split(' ');
    return [`${topic}-${partition}`, BigInt(offset!)];
  }));
}

/**
 * Every record of the partition, read from the beginning by a kafkajs consumer (offset → key/value)
 * up to `lastOffset`: records come in offset order, so a superseded version still there is read before it.
 */
async function consumeAll(lastOffset: bigint): Promise<Map<bigint, { key: string; value: string | null }>> {
  const consumer = kafka().consumer({ groupId: `reader-${Date.now()}`, maxWaitTimeInMs: 100 });
  const seen = new Map<bigint, { key: string; value: string | null }>();
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${seen.size} records, not up to offset ${lastOffset}`)), 15_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.set(BigInt(message.offset), { key: message.key!.toString(), value: message.value?.toString() ?? null });
        if (seen.has(lastOffset)) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

describe('log compaction in the broker', () => {
  it('keeps the latest value per key at its offset, drops tombstoned keys, and resumes from cleaner-offset-checkpoint after a restart', async () => {
    // A high min.cleanable.dirty.ratio: a log that was never cleaned (dirty ratio 1) is due, while the few
    // records written after the restart below are not, whatever share of the fillers the last round took.
    await node.createTopic(TOPIC, 1, { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'delete.retention.ms': '0', 'min.cleanable.dirty.ratio': '0.9' });
    const producer = kafka().producer();
    await producer.connect();
    /** key → the offset and value of its latest version, as the producer was told. */
    const latest = new Map<string, { offset: bigint; value: string | null }>();
    const send = async (messages: { key: string; value: string | null }[]): Promise<void> => {
      const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages });
      messages.forEach((m, i) => latest.set(m.key, { offset: BigInt(meta!.baseOffset!) + BigInt(i), value: m.value }));
    };
    for (let v = 0; v < VERSIONS; v++) await send(KEYS.map((key) => ({ key, value: `${key}-v${v}` })));
    await send([{ key: 'k4', value: null }]);
    // Distinct keys that roll the segments past the tombstone, so it is in a cleanable (non-active) segment.
    for (let f = 0; f < FILLERS; f++) await send([{ key: `filler-${f}`, value: `filler-value-${f}-${'x'.repeat(80)}` }]);
    await producer.disconnect();
    latest.delete('k4');

    const dir = join(node.logDir, `${TOPIC}-0`);
    // Compacted: outside the active segment, no key is on disk twice and k4 (tombstoned, delete.retention.ms=0) is gone.
    const after = await waitUntil('compaction of the topic', async () => {
      const disk = await recordsOnDisk(dir);
      const cleanable = disk.records.filter((r) => r.segment !== disk.active);
      const keys = cleanable.map((r) => r.key);
      return new Set(keys).size === keys.length && !keys.includes('k4') ? disk : undefined;
    });
    // The files shrank to the survivors plus what the active segment holds.
    const activeRecords = after.records.filter((r) => r.segment === after.active).length;
    expect(after.records.length).toBeLessThanOrEqual(latest.size + activeRecords);
    expect(after.records.length).toBeLessThan((KEYS.length * VERSIONS + 1 + FILLERS) / 2);

    // A consumer from the beginning sees exactly the latest value per key, at the offset it was written at.
    const consumed = await consumeAll([...latest.values()].reduce((max, { offset }) => (offset > max ? offset : max), -1n));
    expect(consumed.size).toBe(latest.size);
    for (const [key, { offset, value }] of latest) expect(consumed.get(offset), key).toEqual({ key, value });

    // A clean stop writes the checkpoint: the first dirty offset is past every version and the tombstone.
    expect(await node.stop()).toBe(0);
    const checkpoint = cleanerCheckpoint().get(`${TOPIC}-0`);
    expect(checkpoint).toBeDefined();
    expect(checkpoint!).toBeGreaterThan(BigInt(KEYS.length * VERSIONS));
    const cleanSegments = readdirSync(dir).filter((name) => name.endsWith('.log') && BigInt(name.slice(0, -4)) < checkpoint!);
    const inodes = new Map(cleanSegments.map((name) => [name, statSync(join(dir, name)).ino]));

    // After the restart the clean section stays clean: new versions of k0 in a small dirty section (below
    // min.cleanable.dirty.ratio against the clean bytes) are not due, so nothing is rewritten; a broker that
    // forgot the checkpoint would see the whole log as dirty (ratio 1) and clean it again, dropping the old k0.
    await node.restart();
    const again = kafka().producer();
    await again.connect();
    const oldK0 = latest.get('k0')!.offset;
    for (let v = 0; v < 3; v++) await again.send({ topic: TOPIC, acks: -1, messages: [{ key: 'k0', value: `k0-after-restart-${v}` }] });
    for (let f = 0; f < 12; f++) await again.send({ topic: TOPIC, acks: -1, messages: [{ key: `late-${f}`, value: 'y'.repeat(80) }] });
    await again.disconnect();
    // Fifteen housekeeping rounds (every 100 ms) pass: time is what this checks, none may rewrite the clean section.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const disk = await recordsOnDisk(dir);
    expect(disk.records.some((r) => r.offset === oldK0 && r.key === 'k0'), 'the old k0 is still on disk').toBe(true);
    for (const [name, ino] of inodes) expect(statSync(join(dir, name)).ino, name).toBe(ino);
    expect(await node.stop()).toBe(0);
    expect(cleanerCheckpoint().get(`${TOPIC}-0`)).toBe(checkpoint);
    await node.restart();
  }, 90_000);

  it('compacts __consumer_offsets: many commits of one group leave one record per key', async () => {
    const target = 'committed-to';
    await node.createTopic(target, 1);
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic: target, acks: -1, messages: [{ value: 'one' }] });
    await producer.disconnect();
    const consumer = kafka().consumer({ groupId: 'committer', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: target, fromBeginning: true });
    await new Promise<void>((resolve) => void consumer.run({ autoCommit: false, eachMessage: async () => resolve() }));
    const COMMITS = 150;
    for (let i = 1; i <= COMMITS; i++) await consumer.commitOffsets([{ topic: target, partition: 0, offset: String(i) }]);
    await consumer.disconnect();

    const dir = join(node.logDir, '__consumer_offsets-0');
    const compacted = await waitUntil('compaction of __consumer_offsets', async () => {
      const disk = await recordsOnDisk(dir);
      const keys = disk.records.filter((r) => r.segment !== disk.active).map((r) => r.key);
      return keys.length > 0 && new Set(keys).size === keys.length ? disk : undefined;
      // Rounds run on the housekeeping timer of an io thread that the whole suite shares: on a busy 2-core machine they can take longer than the default wait.
    }, 45_000);
    // Of the COMMITS offset commits, the cleaned segments keep the latest, beside the group's own records.
    expect(compacted.records.length).toBeLessThan(COMMITS / 3);
    // The coordinator replays the compacted partition after a restart and still has the last commit.
    expect(await node.stop()).toBe(0);
    expect(cleanerCheckpoint().get('__consumer_offsets-0')).toBeGreaterThan(0n);
    await node.restart();
    const admin = kafka().admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: 'committer', topics: [target] });
    await admin.disconnect();
    expect(committed[0]!.partitions[0]!.offset).toBe(String(COMMITS));
  }, 60_000);
});
