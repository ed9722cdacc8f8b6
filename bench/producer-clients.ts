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

interface Result {
  client: string;
  seconds: number;
  peakRssMiB?: number;
}

async function timed(client: string, produce: () => Promise<void>): Promise<Result> {
  const start = process.hrtime.bigint();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    await produce();
  } finally {
    clearInterval(sampler);
  }
  return { client, seconds: Number(process.hrtime.bigint() - start) / 1e9, peakRssMiB: peakRss / 2 ** 20 };
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
  for (const topic of ['warmup', 'freshet', 'freshet-java-defaults', 'kcat', 'kafkajs', 'platformatic']) await admin.createTopic(`bench-${topic}`, partitions);
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

  const results: Result[] = [];
  // batch.size as librdkafka's default (1000000), which kcat runs with; idempotence on, 5 in flight.
  results.push(await timed('freshet/client KafkaProducer (batch.size=1000000)', ours('bench-freshet', { 'batch.size': 1_000_000 })));
  results.push(await timed('freshet/client KafkaProducer (Java defaults)', ours('bench-freshet-java-defaults', {})));
  const kcat = await kcatProduce({ bootstrap: node.bootstrap, topic: 'bench-kcat', file, acks: 'all', compression: 'none', count: records });
  results.push({ client: 'kcat (librdkafka)', seconds: kcat.seconds });
  results.push(
    await timed('kafkajs 2.2.4', async () => {
      const producer = new Kafka({ clientId: 'bench', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      await inBatches(values, (batch) => producer.send({ topic: 'bench-kafkajs', acks: -1, messages: batch.map((value) => ({ value })) }));
      await producer.disconnect();
    }),
  );
  results.push(
    await timed('@platformatic/kafka', async () => {
      const producer = new PlatformaticProducer({ clientId: 'bench', bootstrapBrokers: [node.bootstrap], acks: -1 });
      await inBatches(values, (batch) => producer.send({ messages: batch.map((value) => ({ topic: 'bench-platformatic', value })) }));
      await producer.close();
    }),
  );
  for (const topic of ['freshet', 'freshet-java-defaults', 'kcat', 'kafkajs', 'platformatic']) {
    const count = await admin.recordCount(`bench-${topic}`);
    if (count !== records) throw new Error(`bench-${topic} holds ${count} records, expected ${records}`);
  }
  const mib = (records * RECORD_BYTES) / 2 ** 20;
  process.stdout.write(
    `${records} records of ${RECORD_BYTES} B, ${partitions} partitions, acks=all, no compression, one Freshet node\n` +
      formatTable(
        ['client', 'records/s', 'MiB/s', 'seconds', 'peak RSS MiB (in-process clients)'],
        results.map((r) => [r.client, (records / r.seconds).toFixed(0), (mib / r.seconds).toFixed(1), r.seconds.toFixed(2), r.peakRssMiB?.toFixed(0) ?? '-']),
      ),
  );
} finally {
  await admin.close();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
