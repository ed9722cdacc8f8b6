import kafkajs, { type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BrokerConnection } from '../client/broker-connection.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { DescribeTransactionsResponse } from '../core/protocol/generated/messages/describe-transactions.js';
import type { FindCoordinatorResponse } from '../core/protocol/generated/messages/find-coordinator.js';
import type { ProduceResponse } from '../core/protocol/generated/messages/produce.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { startControllerQuorum, type ClusterProcess, type ControllerQuorum } from './support/controller-quorum.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * Transactions on three combined nodes started through the CLI, where the
 * transaction coordinator and the leaders of the transaction's partitions
 * are different brokers: the markers travel as WriteTxnMarkers between
 * brokers and each partition leader verifies a transactional batch with the
 * coordinator on another broker (KIP-890 part 1). Then the coordinator is
 * killed with -9 mid-transaction and the transaction still commits.
 */
const { Kafka, logLevel } = kafkajs;
const TOPIC = 'ledger';
const PARTITIONS = 3;
const SESSION_TIMEOUT_MS = 4000;

const sorted = (values: readonly string[]): string[] => [...values].sort();

describe.runIf(requireKcat())('transactions across brokers on three combined nodes', () => {
  let cluster: ControllerQuorum;
  const producers: Producer[] = [];
  const committed: string[] = [];
  const aborted: string[] = [];
  const live = (): ClusterProcess[] => cluster.controllers.filter((n) => n.running());
  const kafka = () =>
    new Kafka({ brokers: live().map((n) => n.clientAddress!), clientId: 'txn-cluster-test', logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 } });

  async function transactionalProducer(transactionalId: string): Promise<Producer> {
    const producer = kafka().producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    producers.push(producer);
    await producer.connect();
    return producer;
  }

  async function send(producer: Producer, prefix: string): Promise<{ values: string[]; txn: Awaited<ReturnType<Producer['transaction']>> }> {
    const txn = await producer.transaction();
    const values: string[] = [];
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const messages = Array.from({ length: 3 }, (_, i) => ({ partition, value: `${prefix}-${partition}-${i}` }));
      values.push(...messages.map((m) => m.value));
      await txn.send({ topic: TOPIC, acks: -1, messages });
    }
    return { values, txn };
  }

  async function kcat(isolationLevel: string): Promise<string[]> {
    const run = await runKcat(['-C', '-b', live().map((n) => n.clientAddress!).join(','), '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%s\\n', '-X', `isolation.level=${isolationLevel}`]);
    if (run.code !== 0) throw new Error(`kcat failed: ${run.stderr}`);
    return run.stdout.toString().split('\n').filter((l) => l !== '');
  }

  /** The broker the cluster names coordinator of the transactional id (FindCoordinator, key type 1). */
  async function coordinatorOf(transactionalId: string): Promise<number> {
    const [host, port] = live()[0]!.clientAddress!.split(':');
    const connection = await BrokerConnection.connect(host!, Number(port));
    try {
      // COORDINATOR_NOT_AVAILABLE while its partition has no leader or is loading: asked again, as a client does.
      return await vi.waitFor(
        async () => {
          const response = await connection.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, { key: transactionalId, keyType: 1, coordinatorKeys: [] }, 3);
          expect(response.errorCode).toBe(ErrorCode.NONE);
          return response.nodeId;
        },
        { timeout: 20_000, interval: 200 },
      );
    } finally {
      connection.close();
    }
  }

  async function leaders(): Promise<number[]> {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
      return [...topics[0]!.partitions].sort((a, b) => a.partitionId - b.partitionId).map((p) => p.leader);
    } finally {
      await admin.disconnect();
    }
  }

  beforeAll(async () => {
    cluster = await startControllerQuorum({
      controllers: 3,
      combined: true,
      properties: {
        'broker.session.timeout.ms': SESSION_TIMEOUT_MS,
        'broker.heartbeat.interval.ms': 250,
        'replica.lag.time.max.ms': 1000,
        'replica.fetch.backoff.ms': 100,
        'auto.leader.rebalance.enable': 'false',
        'transaction.state.log.num.partitions': 3,
        'offsets.topic.num.partitions': 3,
      },
    });
    const admin = kafka().admin();
    await admin.connect();
    try {
      await vi.waitFor(async () => expect((await admin.describeCluster()).brokers.length).toBe(3), { timeout: 30_000, interval: 250 });
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }, 120_000);

  afterAll(async () => {
    for (const producer of producers) await producer.disconnect().catch(() => undefined);
    await cluster?.destroy();
  });

  it('commits and aborts a transaction whose partitions lead on other brokers than its coordinator; read_committed sees exactly the commits', async () => {
    const producer = await transactionalProducer('ledger-writer');
    // Each partition on its own leader: at least two of them are not the coordinator's.
    expect(new Set(await leaders()).size).toBe(PARTITIONS);
    const coordinator = await coordinatorOf('ledger-writer');
    expect((await leaders()).filter((l) => l !== coordinator).length).toBeGreaterThanOrEqual(2);

    const first = await send(producer, 'c1');
    await first.txn.commit();
    committed.push(...first.values);
    const second = await send(producer, 'a2');
    await second.txn.abort();
    aborted.push(...second.values);
    const third = await send(producer, 'c3');
    await third.txn.commit();
    committed.push(...third.values);

    // Markers on every partition, wherever it leads: nothing holds read_committed back.
    await expect.poll(async () => sorted(await kcat('read_committed')), { timeout: 20_000, interval: 250 }).toEqual(sorted(committed));
    expect(sorted(await kcat('read_uncommitted'))).toEqual(sorted([...committed, ...aborted]));
  }, 90_000);

  it('a partition leader asks the coordinator on another broker: a late batch of an ended transaction is refused INVALID_TXN_STATE', async () => {
    const coordinator = await coordinatorOf('ledger-writer');
    const partition = (await leaders()).findIndex((l) => l !== coordinator);
    const leader = cluster.node((await leaders())[partition]!);
    const [host, port] = leader.clientAddress!.split(':');
    const connection = await BrokerConnection.connect(host!, Number(port));
    try {
      const described = await connection.request<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, { transactionalIds: ['ledger-writer'] }, 0);
      // Asked of a broker that is not the coordinator: it answers NOT_COORDINATOR, so ask the coordinator.
      expect(described.transactionStates[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      const [cHost, cPort] = cluster.node(coordinator).clientAddress!.split(':');
      const atCoordinator = await BrokerConnection.connect(cHost!, Number(cPort));
      let producerId: bigint;
      let producerEpoch: number;
      try {
        ({ producerId, producerEpoch } = (await atCoordinator.request<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, { transactionalIds: ['ledger-writer'] }, 0)).transactionStates[0]!);
      } finally {
        atCoordinator.close();
      }
      // What a retry would deliver after the commit: the next sequence of the same producer and epoch.
      const records = buildUncompressedRecordBatch({ records: [{ value: Buffer.from('late'), timestamp: Date.now() }], producerId, producerEpoch, baseSequence: 9, isTransactional: true });
      const produced = await connection.request<ProduceResponse>(ApiKey.Produce, { transactionalId: 'ledger-writer', acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] }, 9);
      expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    } finally {
      connection.close();
    }
    expect(await kcat('read_uncommitted')).not.toContain('late');
  }, 60_000);

  it('the coordinator killed with -9 mid-transaction: its successor loads the transaction and the commit lands on every partition', async () => {
    const producer = await transactionalProducer('ledger-failover');
    const coordinator = await coordinatorOf('ledger-failover');
    const open = await send(producer, 'f4');
    await cluster.node(coordinator).kill();
    // Its __transaction_state partition moves once the controller fences the dead broker; the new leader loads the
    // transaction (every partition it added, replicated with acks=all) and the commit goes there.
    await vi.waitFor(async () => expect(await coordinatorOf('ledger-failover')).not.toBe(coordinator), { timeout: 30_000, interval: 500 });
    // kafkajs gives EndTxn a short retry budget: commit once the successor has loaded the open transaction.
    await vi.waitFor(
      async () => {
        const [host, port] = cluster.node(await coordinatorOf('ledger-failover')).clientAddress!.split(':');
        const connection = await BrokerConnection.connect(host!, Number(port));
        try {
          const [state] = (await connection.request<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, { transactionalIds: ['ledger-failover'] }, 0)).transactionStates;
          expect([state!.errorCode, state!.transactionState]).toEqual([ErrorCode.NONE, 'Ongoing']);
        } finally {
          connection.close();
        }
      },
      { timeout: 30_000, interval: 500 },
    );
    await open.txn.commit();
    committed.push(...open.values);
    await expect.poll(async () => sorted(await kcat('read_committed')), { timeout: 30_000, interval: 250 }).toEqual(sorted(committed));
    expect(sorted(await kcat('read_uncommitted'))).toEqual(sorted([...committed, ...aborted]));
  }, 90_000);
});
