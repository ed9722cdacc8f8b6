import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Connection, describeProducersV0, describeTransactionsV0, listTransactionsV1, Producer, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

/**
 * @platformatic/kafka 1.35.0's transactions API (beginTransaction, send,
 * commit, abort) against a CLI-started node, read back with kcat under
 * read_committed; its admin APIs DescribeTransactions, ListTransactions and
 * DescribeProducers describe what the coordinator and the partitions hold.
 */
const TOPIC = 'invoices';
const PARTITIONS = 2;
const run = promisify(execFile);

let node: FreshetNode;
let connection: Connection;

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'transaction.state.log.num.partitions': 1 } });
  await node.createTopic(TOPIC, PARTITIONS);
  connection = new Connection('txn-admin');
  await connection.connect(node.host, node.port);
}, 60_000);

afterAll(async () => {
  await connection?.close();
  await node?.destroy();
});

async function kcat(isolationLevel: string): Promise<string[]> {
  const { stdout } = await run('kcat', ['-C', '-b', node.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%s\\n', '-X', `isolation.level=${isolationLevel}`], { timeout: 30_000 });
  return stdout.split('\n').filter((l) => l !== '').sort();
}

describe('transactions with @platformatic/kafka', () => {
  it('commits and aborts transactions over two partitions: read_committed sees exactly the committed records', async () => {
    // The client sends its `timeout` (5 s by default) as transaction.timeout.ms: the open transaction must outlive the CLI runs below.
    const producer = new Producer({ clientId: 'pk-txn', bootstrapBrokers: [node.bootstrap], serializers: stringSerializers, idempotent: true, transactionalId: 'invoices-writer', autocreateTopics: false, timeout: 60_000 });
    try {
      const messages = (prefix: string) => Array.from({ length: 6 }, (_, i) => ({ topic: TOPIC, partition: i % PARTITIONS, key: `${prefix}-${i}`, value: `${prefix}-${i}` }));
      const committed = await producer.beginTransaction();
      await committed.send({ messages: messages('kept') });
      await committed.commit();
      const aborted = await producer.beginTransaction();
      await aborted.send({ messages: messages('dropped') });
      await aborted.abort();
      const open = await producer.beginTransaction();
      await open.send({ messages: [{ topic: TOPIC, partition: 1, key: 'open', value: 'open' }] });

      const expected = messages('kept').map((m) => m.value).sort();
      expect(await kcat('read_committed')).toEqual(expected);
      expect(await kcat('read_uncommitted')).toEqual([...expected, ...messages('dropped').map((m) => m.value), 'open'].sort());

      // The coordinator and the partitions, through the admin APIs.
      const described = await describeTransactionsV0.api.async(connection, ['invoices-writer']);
      expect(described.transactionStates.map((s) => [s.transactionalId, s.errorCode, s.transactionState, s.topics])).toEqual([['invoices-writer', 0, 'Ongoing', [{ topic: TOPIC, partitions: [1] }]]]);
      // TRANSACTIONAL_ID_NOT_FOUND (105) for an id nobody used.
      await expect(describeTransactionsV0.api.async(connection, ['nobody'])).rejects.toMatchObject({ response: { transactionStates: [{ transactionalId: 'nobody', errorCode: 105 }] } });
      const listed = await listTransactionsV1.api.async(connection, ['Ongoing' as 'ONGOING'], [], -1n, null); // Kafka's wire name; the client's type lists its constants
      expect(listed.transactionStates.map((s) => [s.transactionalId, s.transactionState])).toEqual([['invoices-writer', 'Ongoing']]);
      const producers = await describeProducersV0.api.async(connection, [{ name: TOPIC, partitionIndexes: [0, 1] }]);
      const [p0, p1] = producers.topics[0]!.partitions;
      const producerId = described.transactionStates[0]!.producerId;
      // Partition 1's open transaction starts at offset 8 (0-2 kept, 3 a marker, 4-6 dropped, 7 a marker).
      expect(p0!.activeProducers.map((p) => [p.producerId, p.currentTxnStartOffset])).toEqual([[producerId, -1n]]);
      expect(p1!.activeProducers.map((p) => [p.producerId, p.currentTxnStartOffset])).toEqual([[producerId, 8n]]);

      // The same through `freshet transactions`, as kafka-transactions.sh prints it.
      const bootstrap = ['--bootstrap-server', node.bootstrap];
      const list = await runFreshet(['transactions', 'list', ...bootstrap]);
      expect(list.stdout.split('\n').map((l) => l.split(/\s+/))).toEqual([['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], ['invoices-writer', '1', String(producerId), 'Ongoing'], ['']]);
      const describe = await runFreshet(['transactions', 'describe', ...bootstrap, '--transactional-id', 'invoices-writer']);
      expect(describe.stdout.split('\n')[1]!.split(/\s+/)).toEqual(expect.arrayContaining(['1', 'invoices-writer', String(producerId), 'Ongoing', `${TOPIC}-1`]));
      // Epoch 0, coordinator epoch 0, last sequence 6 (one epoch's sequences run on across transactions), the open one from offset 8.
      const producersOf1 = await runFreshet(['transactions', 'describe-producers', ...bootstrap, '--topic', TOPIC, '--partition', '1']);
      expect(producersOf1.stdout.split('\n')[1]!.split(/\s+/)).toEqual([String(producerId), '0', '0', '6', expect.stringMatching(/^\d+$/), '8']);
      const unknown = await runFreshet(['transactions', 'describe', ...bootstrap, '--transactional-id', 'nobody']);
      expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('TRANSACTIONAL_ID_NOT_FOUND')]);

      await open.commit();
      await expect.poll(() => kcat('read_committed'), { timeout: 10_000, interval: 200 }).toEqual([...expected, 'open'].sort());
    } finally {
      await producer.close();
    }
  }, 60_000);
});
