import { Consumer, type MessagesStream } from '@platformatic/kafka';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { KcatMember } from './support/kcat-member.js';
import { requireKcat } from './support/kcat.js';
import { waitUntil } from './support/wait-until.js';

/**
 * librdkafka (kcat -G) and @platformatic/kafka members against a broker
 * started as a user does: mixed groups, cooperative-sticky incremental
 * rebalancing, and static membership.
 */
const hasKcat = requireKcat();
const PARTITIONS = 6;
const ALL = [...Array(PARTITIONS).keys()];

let node: FreshetNode;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  if (!hasKcat) return;
  node = await startFreshetNode({ properties: { 'group.min.session.timeout.ms': 1000, 'group.initial.rebalance.delay.ms': 300 } });
  kafka = new Kafka({ clientId: 'group-kcat-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await node?.destroy();
});

async function createTopic(topic: string): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
}

async function produceEach(topic: string, tag: string, perPartition: number): Promise<void> {
  for (const partition of ALL) {
    await producer.send({ topic, messages: Array.from({ length: perPartition }, (_, i) => ({ partition, value: `${tag}-${partition}-${i}` })) });
  }
}

function kcatMember(name: string, groupId: string, topic: string, extra: string[] = []): KcatMember {
  return new KcatMember(name, ['-b', node.bootstrap, '-G', groupId, '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=300', ...extra, topic]);
}

/** The assignments are disjoint, none empty, and together every partition. */
function isPartitionOfTopic(assignments: Array<Iterable<number>>): boolean {
  const lists = assignments.map((a) => [...a]);
  const all = lists.flat().sort((x, y) => x - y);
  return lists.every((a) => a.length > 0) && JSON.stringify(all) === JSON.stringify(ALL);
}

describe.skipIf(!hasKcat)('kcat and @platformatic/kafka consumer groups', () => {
  it('puts a kcat member and two @platformatic/kafka members in one group whose assignment is a partition of the topic, and consumes every record once', async () => {
    const topic = 'mixed';
    await createTopic(topic);
    const k = kcatMember('kcat', 'mixed-group', topic);
    // kcat forms the group first, so that librdkafka is the leader assigning to everyone.
    await waitUntil('kcat alone owning the topic', () => k.assignment.size === PARTITIONS, 45_000, () => k.diagnostics());
    const platformatic = ['p1', 'p2'].map((clientId) => {
      const consumer = new Consumer({
        clientId, bootstrapBrokers: [node.bootstrap], groupId: 'mixed-group', sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 10000,
        // Its default labels a v0 subscription (topics, user data) as version 1, which librdkafka, when leader,
        // cannot parse (no owned partitions): a client bug that a Java broker passes through the same way.
        protocols: [{ name: 'roundrobin', version: 0 }],
      });
      const member = { consumer, assignment: [] as number[], values: [] as string[], stream: null as MessagesStream<Buffer, Buffer, Buffer, Buffer> | null };
      consumer.on('consumer:group:join', (event: { assignments: Array<{ topic: string; partitions: number[] }> | null }) => {
        member.assignment = (event.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions);
      });
      return member;
    });
    try {
      for (const member of platformatic) {
        member.stream = await member.consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: 200 });
        member.stream.on('data', (message: { value: Buffer }) => member.values.push(message.value.toString()));
      }
      const assignments = (): Array<Iterable<number>> => [k.assignment, ...platformatic.map((m) => m.assignment)];
      const details = (): string => `${k.diagnostics()}\n${platformatic.map((m) => `platformatic: ${JSON.stringify(m.assignment)} received=${m.values.length}`).join('\n')}`;
      await waitUntil('kcat and platformatic sharing the partitions', () => isPartitionOfTopic(assignments()), 45_000, details);
      // Records produced now are split among the three by partition.
      await produceEach(topic, 'm', 10);
      const values = (): string[] => [...k.received.map((r) => r.value), ...platformatic.flatMap((m) => m.values)];
      await waitUntil('every record consumed', () => new Set(values()).size === PARTITIONS * 10, 30_000, details);
      expect(values()).toHaveLength(PARTITIONS * 10);
      expect(isPartitionOfTopic(assignments())).toBe(true);
      // Each member read exactly the partitions it held.
      const partitionOf = (value: string): number => Number(value.split('-')[1]);
      expect(new Set(k.received.map((r) => r.partition))).toEqual(k.assignment);
      for (const m of platformatic) expect(new Set(m.values.map(partitionOf))).toEqual(new Set(m.assignment));
      const described = await admin.describeGroups(['mixed-group']);
      expect(described.groups[0]).toMatchObject({ groupId: 'mixed-group', state: 'Stable', protocolType: 'consumer', protocol: 'roundrobin' });
      expect(described.groups[0]!.members).toHaveLength(3);
    } finally {
      for (const m of platformatic) {
        await m.stream?.close();
        await m.consumer.close(true);
      }
      await k.kill();
    }
  }, 120_000);

  it('with cooperative-sticky, a member joining mid-stream takes partitions without stopping the ones that stay', async () => {
    const topic = 'coop';
    await createTopic(topic);
    const cooperative = ['-X', 'partition.assignment.strategy=cooperative-sticky'];
    const a = kcatMember('a', 'coop-group', topic, cooperative);
    let b: KcatMember | null = null;
    let producing = true;
    let round = 0;
    const feeding = (async () => {
      while (producing) {
        await produceEach(topic, `r${round++}`, 1);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      const details = (): string => `${a.diagnostics()}\n${b?.diagnostics() ?? ''}`;
      await waitUntil('a owning every partition', () => a.assignment.size === PARTITIONS, 45_000, details);
      await waitUntil('a receiving', () => a.received.length > 3 * PARTITIONS, 20_000, details);
      const joinedAtMs = Date.now();
      b = kcatMember('b', 'coop-group', topic, cooperative);
      await waitUntil('a and b sharing the partitions', () => isPartitionOfTopic([a.assignment, b!.assignment]), 45_000, details);
      const settledAtMs = Date.now();
      // Both go on reading after the handover before the feed stops.
      const afterSettling = (m: KcatMember): boolean => m.received.some((r) => r.atMs > settledAtMs);
      await waitUntil('a and b receiving after the rebalance', () => afterSettling(a) && afterSettling(b!), 20_000, details);
      producing = false;
      await feeding;

      const kept = [...a.assignment];
      const moved = ALL.filter((p) => !a.assignment.has(p));
      expect(moved.sort()).toEqual([...b.assignment].sort());
      // Incremental: a only ever gave up what b took, and never lost (revoked) a partition it kept.
      const revokedFromA = a.rebalances.filter((r) => r.kind === 'revoke').flatMap((r) => r.partitions);
      expect(a.rebalances.every((r) => r.incremental)).toBe(true);
      expect(revokedFromA.sort()).toEqual(moved.sort());
      // The kept partitions kept flowing: a read each of them without a gap or a repeat, and during the rebalance too.
      for (const partition of kept) {
        const offsets = a.received.filter((r) => r.partition === partition).map((r) => r.offset);
        expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => offsets[0]! + i));
      }
      const duringRebalance = a.received.filter((r) => kept.includes(r.partition) && r.atMs >= joinedAtMs && r.atMs <= settledAtMs);
      expect(duringRebalance.length).toBeGreaterThan(0);
      // Nothing lost, nothing twice across the handover of the moved partitions.
      for (const partition of moved) {
        const offsets = [...a.received, ...b.received].filter((r) => r.partition === partition).map((r) => r.offset).sort((x, y) => x - y);
        expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i));
      }
    } finally {
      producing = false;
      await feeding;
      await a.kill();
      await b?.kill();
    }
  }, 150_000);

  it('a static member restarted within its session timeout gets its partitions back and nobody else rebalances', async () => {
    const topic = 'static';
    await createTopic(topic);
    const staticMember = (name: string) => kcatMember(name, 'static-group', topic, ['-X', `group.instance.id=${name}`, '-X', 'session.timeout.ms=10000']);
    const s1 = staticMember('s1');
    const s2 = staticMember('s2');
    try {
      const details = (): string => `${s1.diagnostics()}\n${s2.diagnostics()}`;
      await waitUntil('s1 and s2 sharing the partitions', () => isPartitionOfTopic([s1.assignment, s2.assignment]), 45_000, details);
      // Any leftover rebalance finishes before counting.
      await expect.poll(async () => (await admin.describeGroups(['static-group'])).groups[0]!.state, { timeout: 15_000, interval: 200 }).toBe('Stable');
      const before = { s1: [...s1.assignment].sort(), s2: [...s2.assignment].sort(), s2Rebalances: s2.rebalances.length };
      const generation = (await admin.describeGroups(['static-group'])).groups[0]!;

      await s1.kill();
      s1.restart();
      await waitUntil('s1 back', () => s1.assignment.size > 0, 9_000, details);
      await expect.poll(async () => (await admin.describeGroups(['static-group'])).groups[0]!.state, { timeout: 15_000, interval: 200 }).toBe('Stable');

      expect([...s1.assignment].sort()).toEqual(before.s1);
      expect([...s2.assignment].sort()).toEqual(before.s2);
      expect(s2.rebalances).toHaveLength(before.s2Rebalances);
      const after = (await admin.describeGroups(['static-group'])).groups[0]!;
      expect(after.state).toBe('Stable');
      expect(after.members.map((m) => m.clientId).sort()).toEqual(generation.members.map((m) => m.clientId).sort());
    } finally {
      await s1.kill();
      await s2.kill();
    }
  }, 120_000);
});
