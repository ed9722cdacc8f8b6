// `npx tsx bench/producer-clients.ts [--records n] [--partitions n]`: freshet/client's KafkaProducer
// against kcat (librdkafka), kafkajs and @platformatic/kafka, each producing the same 1 KiB
// records to its own topic on one Freshet node in one run, acks=all, no compression.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Producer as PlatformaticProducer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaProducer } from '../client/producer/kafka-producer.js';
import { BenchAdmin } from './e2e/admin.js';
import { startBrokerNode } from './e2e/broker-node.js';
import { kcatPath, kcatProduce, writeRecordFile } from './e2e/kcat.js';
import { formatTable } from './table.js';

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '100000' }, partitions: { type: 'string', default: '3' } } });
const records = Number(args.records);
const partitions = Number(args.partitions);
const RECORD_BYTES = 1024;
/** kafkajs and platformatic take arrays: this many records per send call, this many calls unanswered. */
const CLIENT_BATCH = 1000;
const CLIENT_CONCURRENCY = 4;
const ROUNDS = 2;

interface Result {
  client: string;
  seconds: number;
}

async function timed(client: string, produce: () => Promise<void>): Promise<Result> {
  const start = process.hrtime.bigint();
  await produce();
  return { client, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** Sends `total` records in arrays of CLIENT_BATCH with CLIENT_CONCURRENCY calls in flight. */
async function inBatches(values: Buffer[], send: (batch: Buffer[]) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < values.length) {
      const batch = values.slice(next, next + CLIENT_BATCH);
      next += CLIENT_BATCH;
      await send(batch);
    }
  };
  await Promise.all(Array.from({ length: CLIENT_CONCURRENCY }, worker));
}

if (kcatPath === undefined) throw new Error('this bench needs kcat (apt-get install -y kcat)');
const dir = mkdtempSync(join(tmpdir(), 'freshet-producer-bench-'));
const node = await startBrokerNode();
const admin = await BenchAdmin.connect(node.bootstrap);
try {
  const file = join(dir, 'records.txt');
  writeRecordFile(file, RECORD_BYTES, records);
  const text = readFileSync(file);
  const values: Buffer[] = [];
  for (let at = 0; at < text.length; at += RECORD_BYTES + 1) values.push(text.subarray(at, at + RECORD_BYTES));
  await admin.createTopic('bench-warmup', partitions);
  // The broker's JIT warms up on someone else's records first, so no client pays for it.
  await kcatProduce({ bootstrap: node.bootstrap, topic: 'bench-warmup', file, acks: 'all', compression: 'none', count: Math.min(records, 50_000) });

  /** Our producer as its API is meant to be used: one send() per record, ready() as backpressure. */
  const ours = (topic: string, config: Record<string, number>) => async (): Promise<void> => {
    const producer = new KafkaProducer({ 'bootstrap.servers': node.bootstrap, acks: 'all', ...config });
    let failure: unknown;
    for (let i = 0; i < values.length && failure === undefined; i++) {
      producer.send({ topic, value: values[i]! }).catch((error: unknown) => (failure = error));
      if (i % 1000 === 999) {
        await producer.ready();
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await producer.close();
    if (failure !== undefined) throw failure;
  };

  const runs: { client: string; topic: string; run: (topic: string) => Promise<Result> }[] = [
    // batch.size as librdkafka's default (1000000), which kcat runs with; idempotence on, 5 in flight.
    { client: 'freshet/client KafkaProducer (batch.size=1000000)', topic: 'freshet', run: (topic) => timed('', ours(topic, { 'batch.size': 1_000_000 })) },
    { client: 'freshet/client KafkaProducer (Java defaults)', topic: 'freshet-java-defaults', run: (topic) => timed('', ours(topic, {})) },
    {
      client: 'kcat (librdkafka)',
      topic: 'kcat',
      run: async (topic) => ({ client: '', seconds: (await kcatProduce({ bootstrap: node.bootstrap, topic, file, acks: 'all', compression: 'none', count: records })).seconds }),
    },
    {
      client: 'kafkajs 2.2.4',
      topic: 'kafkajs',
      run: (topic) =>
        timed('', async () => {
          const producer = new Kafka({ clientId: 'bench', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).producer();
          await producer.connect();
          await inBatches(values, (batch) => producer.send({ topic, acks: -1, messages: batch.map((value) => ({ value })) }));
          await producer.disconnect();
        }),
    },
    {
      client: '@platformatic/kafka',
      topic: 'platformatic',
      run: (topic) =>
        timed('', async () => {
          const producer = new PlatformaticProducer({ clientId: 'bench', bootstrapBrokers: [node.bootstrap], acks: -1 });
          await inBatches(values, (batch) => producer.send({ messages: batch.map((value) => ({ topic, value })) }));
          await producer.close();
        }),
    },
  ];
  // The machine is shared: every client runs ROUNDS times, in turn, and keeps its best run.
  const results: Result[] = runs.map((r) => ({ client: r.client, seconds: Number.POSITIVE_INFINITY }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, r] of runs.entries()) {
      const topic = `bench-${r.topic}-${round}`;
      await admin.createTopic(topic, partitions);
      const result = await r.run(topic);
      const count = await admin.recordCount(topic);
      if (count !== records) throw new Error(`${topic} holds ${count} records, expected ${records}`);
      if (result.seconds < results[i]!.seconds) results[i] = { ...result, client: r.client };
    }
  }
  const mib = (records * RECORD_BYTES) / 2 ** 20;
  process.stdout.write(
    `${records} records of ${RECORD_BYTES} B, ${partitions} partitions, acks=all, no compression, one Freshet node, best of ${ROUNDS} rounds\n` +
      formatTable(
        ['client', 'records/s', 'MiB/s', 'seconds'],
        results.map((r) => [r.client, (records / r.seconds).toFixed(0), (mib / r.seconds).toFixed(1), r.seconds.toFixed(2)]),
      ),
  );
} finally {
  await admin.close();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
