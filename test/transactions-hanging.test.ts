import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConnection } from '../client/broker-connection.js';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { DescribeTransactionsResponse } from '../core/protocol/generated/messages/describe-transactions.js';
import type { ProduceResponse } from '../core/protocol/generated/messages/produce.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * `freshet transactions find-hanging` and `abort`, as kafka-transactions.sh:
 * with KIP-890's verification turned off (transaction.partition.verification.enable=false,
 * as a broker before Kafka 3.6 behaves), a late batch of a committed
 * transaction opens a transaction nobody will end, which holds the LSO and
 * every read_committed consumer; find-hanging names it and abort ends it.
 */
const TOPIC = 'orders';

describe.runIf(requireKcat())('hanging transactions through the CLI', () => {
  let node: FreshetNode;
  let kafka: Kafka;
  const producers: Producer[] = [];
  const bootstrap = (): string[] => ['--bootstrap-server', node.bootstrap];

  beforeAll(async () => {
    node = await startFreshetNode({ properties: { 'transaction.state.log.num.partitions': 2, 'transaction.partition.verification.enable': false } });
    kafka = new Kafka({ clientId: 'hanging-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
  }, 60_000);

  afterAll(async () => {
    for (const producer of producers) await producer.disconnect();
    await node?.destroy();
  });

  async function commit(transactionalId: string, values: string[]): Promise<void> {
    const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    producers.push(producer);
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: TOPIC, messages: values.map((value) => ({ partition: 0, value })) });
    await txn.commit();
  }

  async function readCommitted(): Promise<string[]> {
    const run = await runKcat(['-C', '-b', node.bootstrap, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\\n', '-X', 'isolation.level=read_committed']);
    return run.stdout.toString().split('\n').filter((l) => l !== '');
  }

  const rows = (stdout: string): string[][] => stdout.split('\n').filter((l) => l !== '').map((l) => l.split(/\s+/));

  it('find-hanging names the transaction a late batch left open, abort ends it, and read_committed consumers move on', async () => {
    await commit('orders-early', ['e0', 'e1']);
    // The batch a retry delivers after the commit: producer orders-early's id and epoch, its next sequence.
    const connection = await BrokerConnection.connect(node.host, node.port);
    let producerId: bigint;
    try {
      const described = await connection.request<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, { transactionalIds: ['orders-early'] }, 0);
      producerId = described.transactionStates[0]!.producerId;
      const producerEpoch = described.transactionStates[0]!.producerEpoch;
      const records = buildUncompressedRecordBatch({ records: [{ value: Buffer.from('late'), timestamp: Date.now() - 120_000 }], producerId, producerEpoch, baseSequence: 2, isTransactional: true });
      const produced = await connection.request<ProduceResponse>(ApiKey.Produce, { transactionalId: 'orders-early', acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }, 9);
      // Without verification the partition takes it: offsets 0-1 data, 2 the commit marker, 3 the late batch.
      expect(produced.responses[0]!.partitionResponses[0]!).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 3n });
    } finally {
      connection.close();
    }
    await commit('orders-next', ['n0']);
    // The hanging transaction holds partition 0's LSO at offset 3: the later commit is not read_committed.
    expect(await readCommitted()).toEqual(['e0', 'e1']);

    const found = await runFreshet(['transactions', 'find-hanging', ...bootstrap(), '--topic', TOPIC, '--max-transaction-timeout', '1']);
    expect(found.stderr).toBe('');
    expect(rows(found.stdout)).toEqual([
      ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'],
      [TOPIC, '0', String(producerId), '0', '0', '3', expect.stringMatching(/^\d+$/), '2'],
    ]);
    // An open transaction younger than the timeout is not a candidate.
    expect(rows((await runFreshet(['transactions', 'find-hanging', ...bootstrap(), '--topic', TOPIC])).stdout)).toHaveLength(1);

    const wrongOffset = await runFreshet(['transactions', 'abort', ...bootstrap(), '--topic', TOPIC, '--partition', '0', '--start-offset', '2']);
    expect([wrongOffset.code, wrongOffset.stderr]).toEqual([1, expect.stringContaining(`Could not find any open transactions starting at offset 2 on partition ${TOPIC}-0`)]);
    const aborted = await runFreshet(['transactions', 'abort', ...bootstrap(), '--topic', TOPIC, '--partition', '0', '--start-offset', '3']);
    expect([aborted.code, aborted.stderr]).toEqual([0, '']);

    await expect.poll(readCommitted, { timeout: 10_000, interval: 200 }).toEqual(['e0', 'e1', 'n0']);
    expect(rows((await runFreshet(['transactions', 'find-hanging', ...bootstrap(), '--topic', TOPIC, '--max-transaction-timeout', '0'])).stdout)).toHaveLength(1);
  }, 60_000);

  it('find-hanging needs --topic or --broker-id, as Kafka\'s', async () => {
    const run = await runFreshet(['transactions', 'find-hanging', ...bootstrap()]);
    expect([run.code, run.stderr]).toEqual([1, expect.stringContaining('requires either --topic or --broker-id')]);
  }, 30_000);
});
