import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { waitUntil } from './support/wait-until.js';

/**
 * kafkajs consumer groups against a broker started as a user does: members
 * are child processes so that one can be SIGKILLed (no LeaveGroup), and the
 * group must recover from its session timeout and committed offsets.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const TOPIC = 'orders';
const PARTITIONS = 6;
const PER_PARTITION = 50;
const SESSION_TIMEOUT_MS = 3_000;

let node: FreshetNode;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'group.min.session.timeout.ms': 1000, 'group.initial.rebalance.delay.ms': 500 } });
  kafka = new Kafka({ clientId: 'group-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
  producer = kafka.producer();
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await node?.destroy();
});

/** Produces PER_PARTITION records to every partition; values say round, partition and index. */
async function produceRound(round: number): Promise<void> {
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const messages = Array.from({ length: PER_PARTITION }, (_, i) => ({ partition, value: `${round}-${partition}-${i}` }));
    await producer.send({ topic: TOPIC, messages });
  }
}

interface Seen {
  member: string;
  partition: number;
  offset: number;
  value: string;
}

/** One kafkajs consumer in a child process, printing its assignments and every record as JSON lines. */
class ConsumerProcess {
  readonly seen: Seen[] = [];
  /** The partitions of its last completed join. */
  assignment: number[] = [];
  generations: number[] = [];
  private readonly child: ChildProcess;
  private buffered = '';
  private stderr = '';

  constructor(readonly name: string, groupId: string) {
    const script = `
      import kafkajs from 'kafkajs';
      const { Kafka, logLevel } = kafkajs;
      const kafka = new Kafka({ clientId: ${JSON.stringify(name)}, brokers: [${JSON.stringify(node.bootstrap)}], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100 } });
      const consumer = kafka.consumer({ groupId: ${JSON.stringify(groupId)}, sessionTimeout: ${SESSION_TIMEOUT_MS}, heartbeatInterval: 300, rebalanceTimeout: 10000, maxWaitTimeInMs: 200 });
      const out = (line) => process.stdout.write(JSON.stringify(line) + '\\n');
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => out({ type: 'join', generationId: payload.generationId ?? null, assignment: payload.memberAssignment[${JSON.stringify(TOPIC)}] ?? [] }));
      consumer.on(consumer.events.CRASH, ({ payload }) => out({ type: 'crash', error: String(payload.error) }));
      await consumer.connect();
      await consumer.subscribe({ topic: ${JSON.stringify(TOPIC)}, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => out({ type: 'msg', partition, offset: Number(message.offset), value: message.value.toString() }) });
    `;
    this.child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  private onData(text: string): void {
    this.buffered += text;
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop()!;
    for (const line of lines) {
      const event = JSON.parse(line) as { type: string; partition: number; offset: number; value: string; assignment: number[]; error: string };
      if (event.type === 'msg') this.seen.push({ member: this.name, partition: event.partition, offset: event.offset, value: event.value });
      if (event.type === 'join') this.assignment = [...event.assignment].sort((a, b) => a - b);
      if (event.type === 'crash') this.stderr += `crash: ${event.error}\n`;
    }
  }

  /** SIGKILL: the member vanishes without a LeaveGroup. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('close', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  diagnostics(): string {
    return `${this.name}: assignment=${JSON.stringify(this.assignment)} seen=${this.seen.length}\n${this.stderr}`;
  }
}

describe('kafkajs consumer groups', () => {
  it('splits 6 partitions over 3 members, consumes everything once, and after a SIGKILL moves the dead member\'s partitions on from its committed offsets', async () => {
    const members = ['a', 'b', 'c'].map((name) => new ConsumerProcess(name, 'kafkajs-group'));
    const details = (): string => members.map((m) => m.diagnostics()).join('\n');
    try {
      const seenOf = (round: number) => members.flatMap((m) => m.seen).filter((s) => s.value.startsWith(`${round}-`));
      const isPartitionOfTopic = (assignments: number[][]): boolean => {
        const all = assignments.flat().sort((x, y) => x - y);
        return assignments.every((a) => a.length > 0) && JSON.stringify(all) === JSON.stringify([...Array(PARTITIONS).keys()]);
      };
      await waitUntil('3 members sharing the 6 partitions', () => isPartitionOfTopic(members.map((m) => m.assignment)), 45_000, details);
      // Produced once the group is formed, so each record is for the one member owning its partition.
      await produceRound(1);
      await waitUntil('round 1 consumed', () => seenOf(1).length >= PARTITIONS * PER_PARTITION, 30_000, details);

      // Every record once; each partition read in order by the one member that owns it.
      const round1 = seenOf(1);
      expect(new Set(round1.map((s) => s.value)).size).toBe(round1.length);
      expect(round1).toHaveLength(PARTITIONS * PER_PARTITION);
      for (const member of members) {
        for (const s of member.seen) expect(member.assignment).toContain(s.partition);
      }
      // Committed offsets reach the end of every partition before the crash.
      await expect
        .poll(async () => {
          const fetched = await admin.fetchOffsets({ groupId: 'kafkajs-group', topics: [TOPIC] });
          return fetched[0]!.partitions.sort((x, y) => x.partition - y.partition).map((p) => Number(p.offset));
        }, { timeout: 15_000, interval: 200 })
        .toEqual(Array(PARTITIONS).fill(PER_PARTITION));

      const victim = members[0]!;
      const orphaned = victim.assignment;
      await victim.kill();
      const survivors = members.slice(1);
      await produceRound(2);
      await waitUntil(
        'the survivors to take over all 6 partitions',
        () => isPartitionOfTopic(survivors.map((m) => m.assignment)),
        SESSION_TIMEOUT_MS + 30_000,
        details,
      );
      await waitUntil('round 2 consumed', () => seenOf(2).length >= PARTITIONS * PER_PARTITION, 30_000, details);

      // Nothing lost, nothing twice: round 2 entirely by the survivors; round 1 never redelivered, as its offsets were committed.
      const round2 = seenOf(2);
      expect(new Set(round2.map((s) => s.value)).size).toBe(PARTITIONS * PER_PARTITION);
      expect(round2.every((s) => s.member !== victim.name)).toBe(true);
      expect(seenOf(1)).toHaveLength(PARTITIONS * PER_PARTITION);
      for (const partition of orphaned) {
        const offsets = round2.filter((s) => s.partition === partition).map((s) => s.offset);
        expect(offsets).toEqual(Array.from({ length: PER_PARTITION }, (_, i) => PER_PARTITION + i));
      }
    } finally {
      await Promise.all(members.map((m) => m.kill()));
    }
  }, 150_000);

  it('keeps committed offsets across a clean restart and a kill -9 of the broker (replayed from __consumer_offsets)', async () => {
    const groupId = 'restart-group';
    const offsets = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: String(10 + partition) }));
    await admin.setOffsets({ groupId, topic: TOPIC, partitions: offsets });
    const read = async (): Promise<Array<{ partition: number; offset: string }>> => {
      const fetched = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
      return fetched[0]!.partitions.map(({ partition, offset }) => ({ partition, offset })).sort((x, y) => x.partition - y.partition);
    };
    expect(await read()).toEqual(offsets);

    for (const restart of [() => node.stop(), () => node.kill()]) {
      await producer.disconnect();
      await admin.disconnect();
      await restart();
      await node.restart();
      admin = kafka.admin();
      await admin.connect();
      producer = kafka.producer();
      await producer.connect();
      expect(await read()).toEqual(offsets);
    }
  }, 120_000);
});
