import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKcat, runKcat } from './support/kcat.js';
import { startControllerQuorum, type ClusterProcess, type ControllerQuorum } from './support/controller-quorum.js';

const { Kafka, logLevel } = kafkajs;
const TOPIC = 'replicated';
/** Short, so a stopped follower leaves the ISR within seconds (Kafka's default is 30 s). */
const LAG_MS = 2000;
/** Long, so the ISR shrinks through the leader's AlterPartition, not through the controller fencing the dead broker. */
const SESSION_TIMEOUT_MS = 120_000;

const clusterProperties = {
  'replica.lag.time.max.ms': LAG_MS,
  'broker.session.timeout.ms': SESSION_TIMEOUT_MS,
  'replica.fetch.backoff.ms': 200,
  'offsets.topic.replication.factor': 1,
};

function kafka(nodes: readonly ClusterProcess[]) {
  return new Kafka({ brokers: nodes.map((n) => n.clientAddress!), clientId: 'replication-test', logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
}

async function partitionState(nodes: readonly ClusterProcess[]): Promise<{ leader: number; replicas: number[]; isr: number[] }> {
  const admin = kafka(nodes).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    const p = topics[0]!.partitions[0]!;
    return { leader: p.leader, replicas: [...p.replicas].sort(), isr: [...p.isr].sort() };
  } finally {
    await admin.disconnect();
  }
}

async function createTopic(nodes: readonly ClusterProcess[]): Promise<void> {
  const admin = kafka(nodes).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Sends `count` records with acks=all, one batch each, through a producer that does not retry, and returns each send's outcome. */
async function produce(nodes: readonly ClusterProcess[], prefix: string, count: number): Promise<string[]> {
  const producer = kafka(nodes).producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  const outcomes: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      try {
        await producer.send({ topic: TOPIC, acks: -1, timeout: 10_000, messages: [{ key: `k${i}`, value: `${prefix}-${i}` }] });
        outcomes.push('ok');
      } catch (error) {
        const cause = (error as { cause?: { type?: string } }).cause ?? (error as { type?: string });
        outcomes.push(cause.type ?? (error as Error).message);
      }
    }
  } finally {
    await producer.disconnect();
  }
  return outcomes;
}

/** Reads the partition from the start to its high watermark with kcat (librdkafka), no consumer group: offset and value per record. */
async function consumeAll(nodes: readonly ClusterProcess[]): Promise<{ offset: number; value: string }[]> {
  const run = await runKcat(['-C', '-b', nodes.map((n) => n.clientAddress!).join(','), '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n']);
  if (run.code !== 0) throw new Error(`kcat failed: ${run.stderr}`);
  return run.stdout
    .toString()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => ({ offset: Number(line.slice(0, line.indexOf(' '))), value: line.slice(line.indexOf(' ') + 1) }));
}

function logBytes(node: ClusterProcess): Buffer {
  try {
    return readFileSync(join(node.logDir, `${TOPIC}-0`, '00000000000000000000.log'));
  } catch {
    return Buffer.alloc(0);
  }
}

const withKcat = requireKcat();

describe.runIf(withKcat)('replication factor 3 on three combined nodes started through the CLI', () => {
  let cluster: ControllerQuorum;
  const nodes = () => cluster.controllers;

  beforeAll(async () => {
    cluster = await startControllerQuorum({ controllers: 3, combined: true, properties: clusterProperties });
    await createTopic(nodes());
  }, 90_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('copies every acks=all record byte for byte to both followers, and consumers read them all once, in order', async () => {
    expect(await produce(nodes(), 'a', 50)).toEqual(Array(50).fill('ok'));
    const leaderLog = () => logBytes(nodes().find((n) => n.nodeId === leaderId)!);
    const { leader: leaderId, isr } = await partitionState(nodes());
    expect(isr).toEqual([1, 2, 3]);
    // acks=all answered means the ISR had it: each replica's segment holds the leader's batches as they were appended.
    await expect.poll(() => nodes().map((n) => logBytes(n).length), { timeout: 10_000 }).toEqual(Array(3).fill(leaderLog().length));
    for (const node of nodes()) expect(logBytes(node).equals(leaderLog())).toBe(true);
    const seen = await consumeAll(nodes());
    expect(seen.map((m) => m.value)).toEqual(Array.from({ length: 50 }, (_, i) => `a-${i}`));
    expect(seen.map((m) => m.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  }, 60_000);

  it('shrinks the ISR when a follower dies and still accepts acks=all with two in sync', async () => {
    const { leader } = await partitionState(nodes());
    const follower = nodes().find((n) => n.nodeId !== leader)!;
    await follower.kill();
    const alive = nodes().filter((n) => n !== follower);
    // As in Kafka, a dead follower that missed nothing is still caught up: the first write after it died waits
    // until it has lagged replica.lag.time.max.ms and the leader drops it from the ISR, then it is answered.
    expect(await produce(alive, 'b', 10)).toEqual(Array(10).fill('ok'));
    expect((await partitionState(alive)).isr).toEqual(alive.map((n) => n.nodeId).sort());
    // The leader asked for it (AlterPartition), long before the controller would fence the dead broker.
    expect(alive.find((n) => n.nodeId === leader)!.output()).toMatch(new RegExp(`ISR of ${TOPIC}-0 is now \\[`));
    const seen = await consumeAll(alive);
    expect(seen.slice(50).map((m) => m.value)).toEqual(Array.from({ length: 10 }, (_, i) => `b-${i}`));
  }, 60_000);

  it('brings a restarted follower back: it catches up, rejoins the ISR and holds the same bytes', async () => {
    const dead = nodes().find((n) => !n.running())!;
    await dead.start();
    await expect.poll(async () => (await partitionState(nodes())).isr, { timeout: 20_000, interval: 500 }).toEqual([1, 2, 3]);
    const leaderId = (await partitionState(nodes())).leader;
    const leaderLog = logBytes(nodes().find((n) => n.nodeId === leaderId)!);
    await expect.poll(() => logBytes(dead).length, { timeout: 10_000 }).toBe(leaderLog.length);
    expect(logBytes(dead).equals(leaderLog)).toBe(true);
  }, 60_000);
});

describe.runIf(withKcat)('replication factor 3 with min.insync.replicas=2 when two of three brokers die', () => {
  let cluster: ControllerQuorum;
  const brokers = () => cluster.brokers;

  beforeAll(async () => {
    // A short session timeout: the controller fences a killed leader and elects another from the ISR within seconds.
    cluster = await startControllerQuorum({ controllers: 1, brokers: 3, properties: { ...clusterProperties, 'broker.session.timeout.ms': 4000 } });
    await createTopic(brokers());
  }, 90_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('moves leadership to an in-sync follower when the leader is killed; the old leader returns as its follower', async () => {
    expect(await produce(brokers(), 'c', 5)).toEqual(Array(5).fill('ok'));
    const first = (await partitionState(brokers())).leader;
    const old = brokers().find((b) => b.nodeId === first)!;
    await old.kill();
    const rest = brokers().filter((b) => b !== old);
    await expect.poll(async () => rest.map((b) => b.nodeId).includes((await partitionState(rest)).leader), { timeout: 20_000, interval: 500 }).toBe(true);
    expect(await produce(rest, 'e', 5)).toEqual(Array(5).fill('ok'));
    await old.start();
    await expect.poll(async () => (await partitionState(brokers())).isr, { timeout: 20_000, interval: 500 }).toEqual([101, 102, 103]);
    const { leader } = await partitionState(brokers());
    expect(leader).not.toBe(first);
    const leaderLog = logBytes(brokers().find((b) => b.nodeId === leader)!);
    await expect.poll(() => logBytes(old).length, { timeout: 10_000 }).toBe(leaderLog.length);
    expect(logBytes(old).equals(leaderLog)).toBe(true);
  }, 60_000);

  it('answers acks=all with NOT_ENOUGH_REPLICAS once the ISR is the leader alone, and keeps what it acknowledged', async () => {
    const { leader } = await partitionState(brokers());
    const followers = brokers().filter((b) => b.nodeId !== leader);
    for (const follower of followers) await follower.kill();
    const alive = brokers().filter((b) => b.nodeId === leader);
    // The write that waits while the ISR shrinks to the leader alone is appended but answered
    // NOT_ENOUGH_REPLICAS_AFTER_APPEND; the next ones are refused before the append.
    expect(await produce(alive, 'd', 3)).toEqual(['NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS']);
    expect((await partitionState(alive)).isr).toEqual([leader]);
    const seen = await consumeAll(alive);
    expect(seen.map((m) => m.value)).toEqual([...Array.from({ length: 5 }, (_, i) => `c-${i}`), ...Array.from({ length: 5 }, (_, i) => `e-${i}`), 'd-0']);
  }, 60_000);
});
