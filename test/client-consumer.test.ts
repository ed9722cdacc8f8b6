import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoOffsetForPartitionError, RecordDeserializationError } from '../client/consumer-errors.js';
import { KafkaConsumer, type ConsumerRecord, type TopicPartition } from '../client/kafka-consumer.js';
import { stringDeserializer } from '../client/serialization.js';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { Admin } from '../client/admin.js';
import { KafkaClient } from '../client/kafka-client.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { Member } from './support/consumer-member.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

let node: FreshetNode;
let producer: Producer;

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'transaction.state.log.num.partitions': 4 } });
  producer = new Kafka({ clientId: 'client-consumer-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await node?.destroy();
});

async function produce(topic: string, count: number, partitions: number, prefix = 'v'): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => ({ partition: i % partitions, key: `k${i}`, value: `${prefix}${i}` }));
  await producer.send({ topic, messages });
}

function consumer(groupId: string | null, extra: Record<string, unknown> = {}): KafkaConsumer<string | null, string | null> {
  return new KafkaConsumer({
    'bootstrap.servers': node.bootstrap,
    ...(groupId === null ? {} : { 'group.id': groupId }),
    'auto.offset.reset': 'earliest',
    'session.timeout.ms': 6000,
    'heartbeat.interval.ms': 300,
    'fetch.max.wait.ms': 100,
    'key.deserializer': stringDeserializer,
    'value.deserializer': stringDeserializer,
    ...extra,
  });
}

/** Polls until `count` records came (bounded by time). */
async function pollUntil<K, V>(c: KafkaConsumer<K, V>, count: number, timeoutMs = 20_000): Promise<ConsumerRecord<K, V>[]> {
  const records: ConsumerRecord<K, V>[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) records.push(...(await c.poll(200)));
  return records;
}

const sortedValues = (records: readonly ConsumerRecord<unknown, string | null>[]) => records.map((r) => r.value).sort();

describe('KafkaConsumer against a broker started from the CLI', () => {
  it('subscribes as a group member, reads every record once in offset order per partition, and commits what it read', async () => {
    await node.createTopic('basic', 3);
    await produce('basic', 30, 3);
    const c = consumer('basic-group', { 'enable.auto.commit': false, 'max.poll.records': 7 });
    const assigned: TopicPartition[][] = [];
    c.subscribe(['basic'], { onPartitionsAssigned: (partitions) => void assigned.push(partitions) });
    const records = await pollUntil(c, 30);
    expect(records.length).toBe(30);
    expect(sortedValues(records)).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
    for (const p of [0, 1, 2]) {
      const offsets = records.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
      expect(records.find((r) => r.partition === p && r.offset === 0n)?.value).toBe(`v${p}`);
    }
    expect(assigned.flat().map((tp) => tp.partition).sort()).toEqual([0, 1, 2]);
    await c.commitSync();
    expect((await c.committed([0, 1, 2].map((partition) => ({ topic: 'basic', partition })))).map((o) => o.offset)).toEqual([10n, 10n, 10n]);
    await c.close();
  });

  it('cooperative-sticky: the member that keeps partitions never stops consuming them while a new member takes its share, and no record is read twice', async () => {
    await node.createTopic('coop', 6);
    const a = new Member(consumer('coop-group', { 'partition.assignment.strategy': 'cooperative-sticky', 'auto.commit.interval.ms': 200 }), 'coop');
    let producing = true;
    const producing$ = (async () => {
      for (let round = 0; producing && round < 2000; round++) {
        await produce('coop', 6, 6, `r${round}-`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    try {
      await expect.poll(() => a.owned.size, { timeout: 20_000 }).toBe(6);
      await expect.poll(() => a.records.length, { timeout: 10_000 }).toBeGreaterThan(30);
      const bJoinedAt = Date.now();
      const b = new Member(consumer('coop-group', { 'partition.assignment.strategy': 'cooperative-sticky', 'auto.commit.interval.ms': 200 }), 'coop');
      await expect.poll(() => b.owned.size, { timeout: 20_000 }).toBe(3);
      const bAssignedAt = b.events.find((e) => e.kind === 'assigned' && e.partitions.length > 0)!.atMs;
      await expect.poll(() => b.records.length, { timeout: 10_000 }).toBeGreaterThan(10);
      producing = false;
      await producing$;
      const kept = [...a.owned].sort();
      const moved = [...b.owned].sort();
      const aEvents = [...a.events];
      await Promise.all([a.stop(), b.stop()]);

      expect(kept.length).toBe(3);
      expect([...kept, ...moved].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      // Only what moved was revoked from the keeper, and nothing was lost.
      expect(aEvents.filter((e) => e.kind === 'revoked').flatMap((e) => e.partitions).sort()).toEqual(moved);
      expect(aEvents.some((e) => e.kind === 'lost')).toBe(false);
      // Throughout the rebalance (B joining until B assigned) the keeper went on receiving every kept partition.
      for (const partition of kept) {
        expect(a.records.some((r) => r.partition === partition && r.atMs > bJoinedAt && r.atMs < bAssignedAt), `partition ${partition} during the rebalance`).toBe(true);
      }
      // The moved partitions were committed on revocation: the new owner starts after what the keeper read.
      const readByA = new Set(a.records.map((r) => `${r.partition}@${r.offset}`));
      expect(b.records.filter((r) => readByA.has(`${r.partition}@${r.offset}`))).toEqual([]);
    } finally {
      producing = false;
      await producing$;
    }
  }, 90_000);

  it('static membership: a member restarted with its group.instance.id within the session timeout gets its partitions back without a rebalance', async () => {
    await node.createTopic('static', 4);
    const staticConfig = (id: string) => ({ 'group.instance.id': id, 'session.timeout.ms': 20_000 });
    const a = new Member(consumer('static-group', staticConfig('a-1')), 'static');
    const b = new Member(consumer('static-group', staticConfig('b-1')), 'static');
    await expect.poll(() => a.owned.size + b.owned.size === 4 && a.owned.size === 2, { timeout: 30_000 }).toBe(true);
    const generation = b.consumer.groupMetadata().generationId;
    const aPartitions = [...a.owned].sort();
    const bEvents = b.events.length;
    await a.stop();
    const restarted = new Member(consumer('static-group', staticConfig('a-1')), 'static');
    await expect.poll(() => [...restarted.owned].sort(), { timeout: 15_000 }).toEqual(aPartitions);
    expect(restarted.consumer.groupMetadata().generationId).toBe(generation);
    // B saw nothing happen: no revocation, no new assignment, same generation.
    expect(b.events.slice(bEvents)).toEqual([]);
    expect(b.consumer.groupMetadata().generationId).toBe(generation);
    await Promise.all([restarted.stop(), b.stop()]);
  }, 60_000);

  it('max.poll.interval.ms: a member that stops polling leaves the group and its partitions go to the other member', async () => {
    await node.createTopic('slow', 2);
    const slow = new Member(consumer('slow-group', { 'max.poll.interval.ms': 1500 }), 'slow');
    const other = new Member(consumer('slow-group'), 'slow');
    await expect.poll(() => slow.owned.size === 1 && other.owned.size === 1, { timeout: 30_000 }).toBe(true);
    await slow.pause();
    await expect.poll(() => other.owned.size, { timeout: 20_000 }).toBe(2);
    // Lost once max.poll.interval.ms had passed since its last poll() began, not before.
    expect(slow.events.find((e) => e.kind === 'lost')?.atMs).toBeGreaterThanOrEqual(slow.lastPollStartedAt + 1500);
    await Promise.all([slow.stop(), other.stop()]);
  }, 60_000);

  it('consumer-perf-test prints kafka-consumer-perf-test.sh\'s header and summary for the records it consumed', async () => {
    await node.createTopic('perf', 2);
    await producer.send({ topic: 'perf', messages: Array.from({ length: 200 }, (_, i) => ({ partition: i % 2, value: Buffer.alloc(1000, i) })) });
    const run = await runFreshet(['consumer-perf-test', '--bootstrap-server', node.bootstrap, '--topic', 'perf', '--messages', '200', '--group', 'perf-group']);
    expect(run.stderr).toBe('');
    const [header, summary] = run.stdout.trim().split('\n');
    expect(header).toBe('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
    const fields = summary!.split(', ');
    expect(fields).toHaveLength(10);
    expect(fields[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}$/);
    // 200 values of 1000 bytes, no keys.
    expect(fields[2]).toBe((200_000 / 1024 / 1024).toFixed(4));
    expect(fields[4]).toBe('200');
    expect(Number(fields[6]) + Number(fields[7])).toBeGreaterThan(0);
  }, 60_000);

  it('a pattern subscription picks up a new matching topic, and the group picks up new partitions, at the metadata refresh', async () => {
    await node.createTopic('pat-a', 1);
    await produce('pat-a', 3, 1, 'a');
    const c = consumer('pattern-group', { 'metadata.max.age.ms': 300 });
    c.subscribe(/^pat-/);
    const values: (string | null)[] = [];
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) values.push(...(await c.poll(100)).map((r) => r.value));
    };
    await until(() => values.length >= 3);
    await node.createTopic('pat-b', 1);
    await produce('pat-b', 2, 1, 'b');
    await until(() => values.filter((v) => v?.startsWith('b')).length >= 2);
    expect(c.subscription()).toEqual(['pat-a', 'pat-b']);
    const client = new KafkaClient({ bootstrapServers: node.bootstrap });
    try {
      await new Admin(client).createPartitions('pat-b', 2);
    } finally {
      client.close();
    }
    // A fresh producer: the shared one's metadata still says one partition (kafkajs then drops the record silently).
    const fresh = new Kafka({ clientId: 'client-consumer-test-fresh', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await fresh.connect();
    await fresh.send({ topic: 'pat-b', messages: [{ partition: 1, value: 'new-partition' }] });
    await fresh.disconnect();
    await until(() => values.includes('new-partition'));
    expect(values.sort()).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'new-partition']);
    expect(c.assignment().map((tp) => `${tp.topic}-${tp.partition}`)).toEqual(['pat-a-0', 'pat-b-0', 'pat-b-1']);
    await c.close();
  }, 60_000);

  it('assign() with seek, pause and resume reads exactly from where it is told, and auto.offset.reset=none refuses a partition with no offset', async () => {
    await node.createTopic('manual', 2);
    await produce('manual', 20, 2);
    const c = consumer(null, { 'auto.offset.reset': 'none', 'enable.auto.commit': false });
    c.assign([{ topic: 'manual', partition: 0 }, { topic: 'manual', partition: 1 }]);
    await expect(c.poll(100)).rejects.toThrow(NoOffsetForPartitionError);
    c.seek({ topic: 'manual', partition: 0 }, 7n);
    c.seekToEnd([{ topic: 'manual', partition: 1 }]);
    c.pause([{ topic: 'manual', partition: 0 }]);
    expect(await c.position({ topic: 'manual', partition: 1 })).toBe(10n);
    expect(await c.poll(300)).toEqual([]);
    c.resume([{ topic: 'manual', partition: 0 }]);
    const records = await pollUntil(c, 3);
    expect(records.map((r) => [r.partition, r.offset, r.value])).toEqual([
      [0, 7n, 'v14'],
      [0, 8n, 'v16'],
      [0, 9n, 'v18'],
    ]);
    c.seekToBeginning([{ topic: 'manual', partition: 1 }]);
    expect(await c.position({ topic: 'manual', partition: 1 })).toBe(0n);
    await c.close();

    // A deserializer failing stops poll() at that record, naming it.
    const json = new KafkaConsumer({ 'bootstrap.servers': node.bootstrap, 'value.deserializer': 'json', 'enable.auto.commit': false });
    json.assign([{ topic: 'manual', partition: 1 }]);
    json.seek({ topic: 'manual', partition: 1 }, 3n);
    const failure = await json.poll(2000).then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(RecordDeserializationError);
    expect((failure as RecordDeserializationError).offset).toBe(3n);
    await json.close();
  });

  it('isolation.level=read_committed skips the records of an aborted kafkajs transaction and the markers; read_uncommitted returns them', async () => {
    await node.createTopic('txn', 1);
    const kafka = new Kafka({ clientId: 'client-consumer-txn', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
    const txProducer = kafka.producer({ transactionalId: 'client-consumer-txn', idempotent: true, maxInFlightRequests: 1 });
    await txProducer.connect();
    try {
      for (const [outcome, values] of [['abort', ['x1', 'x2']], ['commit', ['c1', 'c2']], ['abort', ['x3']], ['commit', ['c3']]] as const) {
        const txn = await txProducer.transaction();
        await txn.send({ topic: 'txn', messages: values.map((value) => ({ value })) });
        await (outcome === 'commit' ? txn.commit() : txn.abort());
      }
    } finally {
      await txProducer.disconnect();
    }
    const read = async (isolation: string, count: number) => {
      const c = consumer(null, { 'isolation.level': isolation });
      c.assign([{ topic: 'txn', partition: 0 }]);
      c.seekToBeginning();
      const records = await pollUntil(c, count, 10_000);
      // Nothing more comes: the markers are never records.
      records.push(...(await c.poll(300)));
      await c.close();
      return records.map((r) => r.value);
    };
    expect(await read('read_committed', 3)).toEqual(['c1', 'c2', 'c3']);
    expect(await read('read_uncommitted', 6)).toEqual(['x1', 'x2', 'c1', 'c2', 'x3', 'c3']);
  }, 60_000);
});

describe('Admin additions against the same broker', () => {
  it('describes log dirs with each replica\'s size, lists no reassignment, and answers ELECTION_NOT_NEEDED for a preferred leader in place', async () => {
    await node.createTopic('admin-extra', 2);
    await produce('admin-extra', 20, 2);
    const client = new KafkaClient({ bootstrapServers: node.bootstrap });
    try {
      const admin = new Admin(client);
      const dirs = await admin.describeLogDirs();
      expect(dirs.map((d) => d.path)).toEqual([node.logDir]);
      expect(dirs[0]!.errorCode).toBe(ErrorCode.NONE);
      const replicas = dirs[0]!.partitions.filter((p) => p.topic === 'admin-extra').sort((a, b) => a.partition - b.partition);
      expect(replicas.map((p) => p.partition)).toEqual([0, 1]);
      for (const replica of replicas) expect(replica.sizeBytes).toBeGreaterThan(0n);
      expect(await admin.listPartitionReassignments()).toEqual([]);
      expect(await admin.electLeaders('PREFERRED', [{ topic: 'admin-extra', partitions: [0] }])).toEqual([
        { topic: 'admin-extra', partition: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: expect.anything() as unknown },
      ]);
    } finally {
      client.close();
    }
  });
});
