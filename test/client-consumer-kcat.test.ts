import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreshet } from '../cli/testing/freshet-process.js';
import { KafkaConsumer } from '../client/kafka-consumer.js';
import { stringDeserializer } from '../client/serialization.js';
import { Member } from './support/consumer-member.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { KcatMember } from './support/kcat-member.js';
import { requireKcat } from './support/kcat.js';
import { waitUntil } from './support/wait-until.js';

/** Our consumer with clients no one here wrote (librdkafka's kcat), and killed with kill -9 mid-stream. */
const hasKcat = requireKcat();
const PARTITIONS = 6;
const ALL = [...Array(PARTITIONS).keys()];

let node: FreshetNode;
let producer: Producer;

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'group.min.session.timeout.ms': 1000 } });
  producer = new Kafka({ clientId: 'client-consumer-kcat-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await node?.destroy();
});

async function produceEach(topic: string, tag: string, perPartition: number): Promise<void> {
  await producer.send({ topic, messages: ALL.flatMap((partition) => Array.from({ length: perPartition }, (_, i) => ({ partition, value: `${tag}-${partition}-${i}` }))) });
}

function consumer(groupId: string, extra: Record<string, unknown> = {}): KafkaConsumer<string | null, string | null> {
  return new KafkaConsumer({
    'bootstrap.servers': node.bootstrap,
    'group.id': groupId,
    'auto.offset.reset': 'earliest',
    'session.timeout.ms': 6000,
    'heartbeat.interval.ms': 300,
    'fetch.max.wait.ms': 100,
    'value.deserializer': stringDeserializer,
    'key.deserializer': stringDeserializer,
    ...extra,
  });
}

describe('KafkaConsumer with kcat and under kill -9', () => {
  it.skipIf(!hasKcat).each(['ours', 'kcat'] as const)(
    'shares a cooperative-sticky group with a kcat consumer (%s joining first, so leading): the partitions split without overlap and every record is read once',
    async (first) => {
      const topic = `shared-${first}`;
      await node.createTopic(topic, PARTITIONS);
      await produceEach(topic, 'before', 5);
      const startOurs = () => new Member(consumer(`${topic}-group`, { 'partition.assignment.strategy': 'cooperative-sticky', 'auto.commit.interval.ms': 200 }), topic);
      const startKcat = () =>
        new KcatMember('kcat', [
          '-b', node.bootstrap, '-G', `${topic}-group`, '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=300',
          '-X', 'partition.assignment.strategy=cooperative-sticky', topic,
        ]);
      let ours: Member | undefined;
      let kcat: KcatMember | undefined;
      try {
        if (first === 'ours') {
          ours = startOurs();
          await expect.poll(() => ours!.owned.size, { timeout: 20_000 }).toBe(PARTITIONS);
          kcat = startKcat();
        } else {
          kcat = startKcat();
          await waitUntil('kcat owning the topic', () => kcat!.assignment.size === PARTITIONS, 30_000, () => kcat!.diagnostics());
          ours = startOurs();
        }
        const [o, k] = [ours, kcat];
        const split = () => o.owned.size > 0 && k.assignment.size > 0 && [...o.owned, ...k.assignment].sort().join() === ALL.join();
        await waitUntil('ours and kcat splitting the partitions', split, 30_000, () => k.diagnostics());
        await produceEach(topic, 'after', 5);
        const after = () => [...o.records.map((r) => r.value), ...k.received.map((r) => r.value)].filter((v) => v?.startsWith('after'));
        await waitUntil('every after record', () => after().length >= PARTITIONS * 5, 30_000, () => k.diagnostics());
        expect(split()).toBe(true);
        expect(new Set(after()).size).toBe(after().length);
        expect(after().length).toBe(PARTITIONS * 5);
        // Each read only its own partitions' new records.
        expect(o.records.filter((r) => r.value?.startsWith('after') && !o.owned.has(r.partition))).toEqual([]);
        expect(k.received.filter((r) => r.value.startsWith('after') && !k.assignment.has(r.partition))).toEqual([]);
        // Incremental on both sides: the first member gave up exactly what the second got, nothing more.
        expect(k.rebalances.every((r) => r.incremental)).toBe(true);
        const revokedByFirst = first === 'ours' ? o.events.filter((e) => e.kind === 'revoked').flatMap((e) => e.partitions) : k.rebalances.filter((r) => r.kind === 'revoke').flatMap((r) => r.partitions);
        expect(revokedByFirst.sort()).toEqual([...(first === 'ours' ? k.assignment : o.owned)].sort());
      } finally {
        await kcat?.kill();
        await ours?.stop();
      }
    },
    90_000,
  );

  it('auto commit: after kill -9 of a consumer, at most one auto-commit interval of records is read again, and none is skipped', async () => {
    await node.createTopic('killed', 1);
    const intervalMs = 1000;
    let producing = true;
    const producing$ = (async () => {
      for (let i = 0; producing && i < 3000; i++) {
        await producer.send({ topic: 'killed', messages: [{ value: `m${i}` }] });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    // Kafka's console consumer with auto commit, in its own process, to be killed.
    const child = startFreshet([
      'console-consumer', '--bootstrap-server', node.bootstrap, '--topic', 'killed', '--group', 'killed-group', '--from-beginning',
      '--property', 'print.offset=true', '--consumer-property', 'enable.auto.commit=true', '--consumer-property', `auto.commit.interval.ms=${intervalMs}`,
    ]);
    const printed: { offset: bigint; atMs: number }[] = [];
    let pending = '';
    child.process.stdout!.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const match = /^Offset:(\d+)\t/.exec(line);
        if (match) printed.push({ offset: BigInt(match[1]!), atMs: Date.now() });
      }
    });
    try {
      await waitUntil('the child consuming for several commit intervals', () => printed.length > 0 && Date.now() - printed[0]!.atMs > 3 * intervalMs, 30_000, () => child.output());
      await child.stop('SIGKILL');
      const killedAt = Date.now();
      const last = printed.at(-1)!.offset;
      producing = false;
      await producing$;

      const next = consumer('killed-group', { 'enable.auto.commit': false });
      next.subscribe(['killed']);
      const again: bigint[] = [];
      for (let i = 0; i < 200 && (again.at(-1) ?? -1n) < last; i++) again.push(...(await next.poll(200)).map((r) => r.offset));
      await next.close();
      const first = again[0]!;
      // Nothing skipped: the new member starts at or before the record after the last one printed.
      expect(first).toBeLessThanOrEqual(last + 1n);
      // Read again: only records the killed consumer printed in its last commit interval (plus one poll's wait).
      const reread = printed.filter((p) => p.offset >= first);
      expect(reread.every((p) => p.atMs >= killedAt - intervalMs - 600), `re-read ${reread.length} records from ${first} to ${last}`).toBe(true);
      expect(reread.length).toBeGreaterThan(0);
    } finally {
      producing = false;
      await producing$;
      await child.stop('SIGKILL');
    }
  }, 90_000);
});
