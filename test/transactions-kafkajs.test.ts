import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConnection } from '../client/broker-connection.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { DescribeTransactionsResponse } from '../core/protocol/generated/messages/describe-transactions.js';
import type { ProduceResponse } from '../core/protocol/generated/messages/produce.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { metricValue, startFreshetNode, type FreshetNode } from './support/freshet-node.js';

/**
 * Transactions with real clients against a broker started as a user does:
 * kafkajs 2.2.4's transactional producer commits and aborts over several
 * partitions; read_committed consumers (kafkajs, kcat) see exactly the
 * committed records, read_uncommitted ones see both; a second producer with
 * the same transactional.id fences the first.
 */
const TOPIC = 'payments';
const PARTITIONS = 3;
const run = promisify(execFile);

let node: FreshetNode;
let kafka: Kafka;
let admin: Admin;
const producers: Producer[] = [];
const consumers: Consumer[] = [];

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'transaction.state.log.num.partitions': 4 } });
  kafka = new Kafka({ clientId: 'txn-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 } });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
}, 60_000);

afterAll(async () => {
  for (const consumer of consumers) await consumer.disconnect();
  for (const producer of producers) await producer.disconnect();
  await admin?.disconnect();
  await node?.destroy();
});

async function transactionalProducer(transactionalId: string): Promise<Producer> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  producers.push(producer);
  await producer.connect();
  return producer;
}

/** One transaction writing `prefix-<partition>-<i>` to every partition, then committed or aborted. */
async function transaction(producer: Producer, prefix: string, end: 'commit' | 'abort'): Promise<string[]> {
  const txn = await producer.transaction();
  const values: string[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const messages = Array.from({ length: 4 }, (_, i) => ({ partition, value: `${prefix}-${partition}-${i}` }));
    values.push(...messages.map((m) => m.value));
    await txn.send({ topic: TOPIC, messages });
  }
  if (end === 'commit') await txn.commit();
  else await txn.abort();
  return values;
}

/** Everything a kafkajs consumer of the isolation level reads from the start, once `last` (a committed value) arrived on every partition. */
async function consumeAll(groupId: string, readUncommitted: boolean, lastPrefix: string): Promise<string[]> {
  const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 200 });
  consumers.push(consumer);
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  // The last committed transaction is after everything else in every partition: once it is read, all before it was.
  await expect.poll(() => seen.filter((v) => v.startsWith(`${lastPrefix}-`)).length, { timeout: 30_000, interval: 100 }).toBe(PARTITIONS * 4);
  await consumer.stop();
  return seen;
}

async function kcat(isolationLevel: string): Promise<string[]> {
  const { stdout } = await run('kcat', ['-C', '-b', node.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%s\\n', '-X', `isolation.level=${isolationLevel}`], { timeout: 30_000 });
  return stdout.split('\n').filter((l) => l !== '');
}

const sorted = (values: readonly string[]): string[] => [...values].sort();

/** The offset group payments-eos-app committed for partition 0 (-1: none). */
async function groupOffset(): Promise<string> {
  const [topic] = await admin.fetchOffsets({ groupId: 'payments-eos-app', topics: [TOPIC] });
  return topic!.partitions.find((p) => p.partition === 0)!.offset;
}

/** The .txnindex files of the topic's partitions, by path, as hex. */
function txnIndexes(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const dir = join(node.logDir, `${TOPIC}-${partition}`);
    for (const name of readdirSync(dir)) if (name.endsWith('.txnindex')) files[`${TOPIC}-${partition}/${name}`] = readFileSync(join(dir, name)).toString('hex');
  }
  return files;
}

describe('transactions with kafkajs and kcat', () => {
  const committed: string[] = [];
  const aborted: string[] = [];

  it('a kafkajs transactional producer commits and aborts over several partitions', async () => {
    const producer = await transactionalProducer('payments-writer');
    committed.push(...(await transaction(producer, 'c1', 'commit')));
    aborted.push(...(await transaction(producer, 'a2', 'abort')));
    committed.push(...(await transaction(producer, 'c3', 'commit')));
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    // 12 records and 3 markers per partition (a marker takes an offset, as in Kafka).
    expect(offsets.map((o) => Number(o.high))).toEqual([15, 15, 15]);
  }, 60_000);

  it('counts on /metrics the transactions started and ended and the markers written, and the transactional ids by state', async () => {
    const counts = async (): Promise<number[]> => {
      const text = await node.metrics();
      return [
        metricValue(text, 'freshet_transactions_ended_total', { result: 'commit' }),
        metricValue(text, 'freshet_transactions_ended_total', { result: 'abort' }),
        metricValue(text, 'freshet_transaction_markers_written_total', { result: 'commit' }),
        metricValue(text, 'freshet_transaction_markers_written_total', { result: 'abort' }),
        metricValue(text, 'freshet_transactions', { state: 'CompleteCommit' }),
        metricValue(text, 'freshet_transactions_started_total'),
      ];
    };
    // Two commits and an abort over three partitions: a marker each per partition; three transactions begun
    // (each by the first of its three AddPartitionsToTxn).
    await expect.poll(counts, { timeout: 10_000, interval: 100 }).toEqual([2, 1, 6, 3, 1, 3]);
  });

  it('a read_committed kafkajs consumer sees exactly the committed records, a read_uncommitted one sees the aborted ones too', async () => {
    expect(sorted(await consumeAll('read-committed', false, 'c3'))).toEqual(sorted(committed));
    expect(sorted(await consumeAll('read-uncommitted', true, 'c3'))).toEqual(sorted([...committed, ...aborted]));
  }, 60_000);

  it('kcat (librdkafka) with isolation.level=read_committed sees exactly the committed records, read_uncommitted both', async () => {
    expect(sorted(await kcat('read_committed'))).toEqual(sorted(committed));
    expect(sorted(await kcat('read_uncommitted'))).toEqual(sorted([...committed, ...aborted]));
  }, 60_000);

  it('an open transaction holds read_committed consumers back until it commits', async () => {
    const producer = await transactionalProducer('payments-slow');
    const txn = await producer.transaction();
    await txn.send({ topic: TOPIC, messages: [{ partition: 0, value: 'open-0' }] });
    // A committed transaction after the open one: read_committed must not pass the open one's first offset.
    committed.push(...(await transaction(await transactionalProducer('payments-late'), 'c4', 'commit')));
    expect(await kcat('read_committed')).not.toContain('c4-0-0');
    expect(await kcat('read_uncommitted')).toContain('open-0');
    // /metrics shows how far partition 0's LSO trails: open-0, c4's four records and its marker.
    const lsoLag = async (partition: number): Promise<number> => metricValue(await node.metrics(), 'freshet_partition_last_stable_offset_lag', { topic: TOPIC, partition: String(partition) });
    expect([await lsoLag(0), await lsoLag(1)]).toEqual([6, 0]);
    await txn.commit();
    committed.push('open-0');
    await expect.poll(async () => sorted(await kcat('read_committed')), { timeout: 15_000, interval: 200 }).toEqual(sorted(committed));
    expect(await lsoLag(0)).toBe(0);
  }, 60_000);

  it('a second producer with the same transactional.id fences the first: its open transaction is aborted and it cannot commit', async () => {
    const zombie = await transactionalProducer('payments-fenced');
    const txn = await zombie.transaction();
    await txn.send({ topic: TOPIC, messages: [{ partition: 1, value: 'zombie-1' }] });
    // The new instance's first transaction runs InitProducerId: the coordinator aborts the zombie's under a bumped epoch.
    const successor = await transactionalProducer('payments-fenced');
    const next = await successor.transaction();
    await expect(txn.commit()).rejects.toThrow(/epoch|fenced/i);
    await next.send({ topic: TOPIC, messages: [{ partition: 1, value: 'c5-1' }] });
    await next.commit();
    committed.push('c5-1');
    const readCommitted = await kcat('read_committed');
    expect(sorted(readCommitted)).toEqual(sorted(committed));
    expect(readCommitted).not.toContain('zombie-1');
  }, 60_000);

  it('sendOffsets: offsets committed in a transaction show in the group only once it commits, and never when it aborts', async () => {
    const producer = await transactionalProducer('payments-eos');
    const first = await producer.transaction();
    await first.send({ topic: TOPIC, messages: [{ partition: 0, value: 'eos-0' }] });
    await first.sendOffsets({ consumerGroupId: 'payments-eos-app', topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '5' }] }] });
    expect(await groupOffset()).toBe('-1');
    await first.commit();
    committed.push('eos-0');
    await expect.poll(groupOffset, { timeout: 10_000, interval: 100 }).toBe('5');

    const second = await producer.transaction();
    await second.send({ topic: TOPIC, messages: [{ partition: 0, value: 'eos-aborted-0' }] });
    await second.sendOffsets({ consumerGroupId: 'payments-eos-app', topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '9' }] }] });
    await second.abort();
    // The next transaction starts only once the abort's markers are written, __consumer_offsets' among them.
    const third = await producer.transaction();
    await third.abort();
    expect(await groupOffset()).toBe('5');
    expect(await kcat('read_committed')).not.toContain('eos-aborted-0');
  }, 60_000);

  it('KIP-890: a late transactional batch of an ended transaction is refused, so it cannot leave a hanging transaction holding the LSO', async () => {
    const producer = await transactionalProducer('payments-late-batch');
    committed.push(...(await transaction(producer, 'c6', 'commit')));
    const connection = await BrokerConnection.connect(node.host, node.port);
    try {
      const described = await connection.request<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, { transactionalIds: ['payments-late-batch'] }, 0);
      const { producerId, producerEpoch } = described.transactionStates[0]!;
      // The batch a retry would deliver after the commit: the next sequence of the same producer and epoch.
      const records = buildUncompressedRecordBatch({ records: [{ value: Buffer.from('late-0'), timestamp: Date.now() }], producerId, producerEpoch, baseSequence: 4, isTransactional: true });
      const produced = await connection.request<ProduceResponse>(ApiKey.Produce, { transactionalId: 'payments-late-batch', acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }, 9);
      expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    } finally {
      connection.close();
    }
    // Nothing holds partition 0 back: the next commit is read_committed at once.
    committed.push(...(await transaction(producer, 'c7', 'commit')));
    await expect.poll(async () => sorted(await kcat('read_committed')), { timeout: 10_000, interval: 200 }).toEqual(sorted(committed));
    expect(await kcat('read_uncommitted')).not.toContain('late-0');
  }, 60_000);

  it('after a kill -9 and restart, the .txnindex, the LSO and the open transaction are as before, and the transaction can still commit', async () => {
    const producer = await transactionalProducer('payments-across-restart');
    const txn = await producer.transaction();
    await txn.send({ topic: TOPIC, messages: [{ partition: 2, value: 'pending-2' }] });
    const before = { indexes: txnIndexes(), readCommitted: sorted(await kcat('read_committed')) };
    // The earlier abort (a2) left one entry on every partition.
    expect(Object.keys(before.indexes)).toHaveLength(PARTITIONS);
    expect(before.readCommitted).toEqual(sorted(committed));

    await node.kill();
    await node.restart();

    expect(txnIndexes()).toEqual(before.indexes);
    // __consumer_offsets replays the transactional commit (5) and drops the aborted one (9).
    await expect.poll(groupOffset, { timeout: 20_000, interval: 200 }).toBe('5');
    // The open transaction still holds partition 2's LSO: nothing after its first offset is read_committed.
    await expect.poll(async () => sorted(await kcat('read_committed')), { timeout: 20_000, interval: 200 }).toEqual(before.readCommitted);
    expect(await kcat('read_uncommitted')).toContain('pending-2');
    await txn.commit();
    committed.push('pending-2');
    await expect.poll(async () => sorted(await kcat('read_committed')), { timeout: 15_000, interval: 200 }).toEqual(sorted(committed));
  }, 90_000);
});
