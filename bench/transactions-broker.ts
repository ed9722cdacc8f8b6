// `npx tsx bench/transactions-broker.ts [--rounds n]`: transactional produce
// against idempotent produce on one node started with the CLI, in the same
// run, with the same requests: 1 KiB records, 4 partitions, 100 records per
// Produce request (one batch of 25 per partition), acks=all, up to 5 requests
// in flight (max.in.flight.requests.per.connection with idempotence).
// A transaction is AddPartitionsToTxn, its records, EndTxn(commit); the next
// one starts once the coordinator has written the markers (its
// AddPartitionsToTxn is refused CONCURRENT_TRANSACTIONS until then and
// retried after TXN_RETRY_BACKOFF_MS, as a producer does). Modes run
// interleaved for --rounds rounds (default 3); a mode's ratio to idempotent
// is the median of its per-round ratios (each round's modes run back to back,
// so load from elsewhere on the machine hits them alike). Prints records/s, the ratio to idempotent
// and the EndTxn (commit) latency p50/p99; the figures go in the closing note
// of issue #15 (target: 10,000 records per transaction >= 90% of idempotent).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { BrokerConnection } from '../client/broker-connection.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode, errorCodes } from '../core/protocol/generated/error-codes.js';
import type { AddPartitionsToTxnResponse } from '../core/protocol/generated/messages/add-partitions-to-txn.js';
import type { CreateTopicsResponse } from '../core/protocol/generated/messages/create-topics.js';
import type { EndTxnResponse } from '../core/protocol/generated/messages/end-txn.js';
import type { FindCoordinatorResponse } from '../core/protocol/generated/messages/find-coordinator.js';
import type { InitProducerIdResponse } from '../core/protocol/generated/messages/init-producer-id.js';
import type { ProduceResponse } from '../core/protocol/generated/messages/produce.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { startFreshetNode } from '../test/support/freshet-node.js';
import { LatencyHistogram } from './latency-histogram.js';
import { formatTable } from './table.js';

const TOPIC = 'txn-bench';
const PARTITIONS = 4;
const RECORD_BYTES = 1024;
const RECORDS_PER_BATCH = 25;
const RECORDS_PER_REQUEST = PARTITIONS * RECORDS_PER_BATCH;
const IN_FLIGHT = 5;
/** Records each mode writes per round. */
const RECORDS_PER_ROUND = 200_000;
/** The Java producer's backoff for AddPartitionsToTxn refused CONCURRENT_TRANSACTIONS while the last markers are written. */
const TXN_RETRY_BACKOFF_MS = 20;
const CONCURRENT_TRANSACTIONS = 51;

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(args.rounds);

function check(errorCode: number, what: string): void {
  if (errorCode !== ErrorCode.NONE) throw new Error(`${what}: ${errorCodes.get(errorCode)?.name ?? errorCode}`);
}

interface Producer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly transactionalId: string | null;
  /** Next sequence per partition. */
  readonly sequences: number[];
}

const value = randomBytes(RECORD_BYTES);

/** `count` records in Produce requests of RECORDS_PER_REQUEST, IN_FLIGHT at a time, in order on one connection. */
async function produce(connection: BrokerConnection, producer: Producer, count: number): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (let sent = 0; sent < count; sent += RECORDS_PER_REQUEST) {
    const timestamp = Date.now();
    const partitionData = Array.from({ length: PARTITIONS }, (_, index) => {
      const baseSequence = producer.sequences[index]!;
      producer.sequences[index] = baseSequence + RECORDS_PER_BATCH;
      const records = Array.from({ length: RECORDS_PER_BATCH }, () => ({ value, timestamp }));
      return { index, records: buildUncompressedRecordBatch({ records, producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence, isTransactional: producer.transactionalId !== null }) };
    });
    const request = connection
      .request<ProduceResponse>(ApiKey.Produce, { transactionalId: producer.transactionalId, acks: -1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData }] }, 9)
      .then((response) => {
        for (const p of response.responses[0]!.partitionResponses) check(p.errorCode, `Produce ${TOPIC}-${p.index}`);
      });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

async function initProducer(connection: BrokerConnection, transactionalId: string | null): Promise<Producer> {
  for (;;) {
    const response = await connection.request<InitProducerIdResponse>(ApiKey.InitProducerId, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }, 4);
    // The coordinator may still be starting (NOT_COORDINATOR) or loading: asked again, as a producer does.
    if ([CONCURRENT_TRANSACTIONS, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR].includes(response.errorCode)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    check(response.errorCode, 'InitProducerId');
    return { producerId: response.producerId, producerEpoch: response.producerEpoch, transactionalId, sequences: Array<number>(PARTITIONS).fill(0) };
  }
}

/** Where a transactional run's time went (ms): its Produce requests, and waiting for the last transaction's markers. */
interface TimeSpent {
  produceMs: number;
  markerWaitMs: number;
}

/** Records per second of `count` records in transactions of `perTransaction`, and each EndTxn's latency (µs). */
async function transactional(connection: BrokerConnection, producer: Producer, count: number, perTransaction: number, commitUs: number[], spent: TimeSpent = { produceMs: 0, markerWaitMs: 0 }): Promise<number> {
  const start = performance.now();
  for (let written = 0; written < count; written += perTransaction) {
    const beginStart = performance.now();
    for (;;) {
      const added = await connection.request<AddPartitionsToTxnResponse>(
        ApiKey.AddPartitionsToTxn,
        {
          transactions: [],
          v3AndBelowTransactionalId: producer.transactionalId!,
          v3AndBelowProducerId: producer.producerId,
          v3AndBelowProducerEpoch: producer.producerEpoch,
          v3AndBelowTopics: [{ name: TOPIC, partitions: Array.from({ length: PARTITIONS }, (_, p) => p) }],
        },
        3,
      );
      const code = added.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode)).find((c) => c !== ErrorCode.NONE) ?? ErrorCode.NONE;
      if (code !== CONCURRENT_TRANSACTIONS) {
        check(code, 'AddPartitionsToTxn');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, TXN_RETRY_BACKOFF_MS));
    }
    spent.markerWaitMs += performance.now() - beginStart;
    const produceStart = performance.now();
    await produce(connection, producer, perTransaction);
    spent.produceMs += performance.now() - produceStart;
    const commitStart = performance.now();
    const ended = await connection.request<EndTxnResponse>(ApiKey.EndTxn, { transactionalId: producer.transactionalId!, producerId: producer.producerId, producerEpoch: producer.producerEpoch, committed: true }, 3);
    commitUs.push((performance.now() - commitStart) * 1000);
    check(ended.errorCode, 'EndTxn');
  }
  return count / ((performance.now() - start) / 1000);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const node = await startFreshetNode({
  properties: { 'transaction.state.log.num.partitions': 1, 'transaction.state.log.replication.factor': 1, 'transaction.state.log.min.isr': 1 },
});
const connection = await BrokerConnection.connect(node.host, node.port);
try {
  const created = await connection.request<CreateTopicsResponse>(
    ApiKey.CreateTopics,
    { topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false },
    5,
  );
  check(created.topics[0]!.errorCode, `CreateTopics ${TOPIC}`);
  // The first FindCoordinator for a transactional id creates __transaction_state.
  for (;;) {
    const found = await connection.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, { key: 'txn-bench-10000', keyType: 1, coordinatorKeys: [] }, 3);
    if (found.errorCode === ErrorCode.NONE) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const idempotent = await initProducer(connection, null);
  const small = await initProducer(connection, 'txn-bench-100');
  const large = await initProducer(connection, 'txn-bench-10000');
  const perSecond = { idempotent: [] as number[], small: [] as number[], large: [] as number[] };
  const commitUs = { small: [] as number[], large: [] as number[] };
  const spent = { small: { produceMs: 0, markerWaitMs: 0 }, large: { produceMs: 0, markerWaitMs: 0 } };
  // A warm-up round of each, not counted.
  await produce(connection, idempotent, 20_000);
  await transactional(connection, large, 20_000, 10_000, []);
  await transactional(connection, small, 2_000, 100, []);
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    await produce(connection, idempotent, RECORDS_PER_ROUND);
    perSecond.idempotent.push(RECORDS_PER_ROUND / ((performance.now() - start) / 1000));
    perSecond.large.push(await transactional(connection, large, RECORDS_PER_ROUND, 10_000, commitUs.large, spent.large));
    // Each transaction of 100 costs three round trips and a wait for its markers: a fifth of the records keeps the round short.
    perSecond.small.push(await transactional(connection, small, RECORDS_PER_ROUND / 5, 100, commitUs.small, spent.small));
    const [idempotentRate, largeRate, smallRate] = [perSecond.idempotent, perSecond.large, perSecond.small].map((rates) => rates.at(-1)!);
    process.stderr.write(`round ${round + 1}/${rounds}: idempotent ${idempotentRate!.toFixed(0)}/s, 10000/txn ${largeRate!.toFixed(0)}/s (${((largeRate! / idempotentRate!) * 100).toFixed(0)}%), 100/txn ${smallRate!.toFixed(0)}/s\n`);
  }
  const row = (name: string, rates: number[], latencies: number[] | null): string[] => {
    const percentiles = latencies === null ? null : LatencyHistogram.percentilesOf(latencies);
    const recordsPerSecond = median(rates);
    return [
      name,
      recordsPerSecond.toFixed(0),
      ((recordsPerSecond * RECORD_BYTES) / (1 << 20)).toFixed(1),
      `${(median(rates.map((rate, round) => rate / perSecond.idempotent[round]!)) * 100).toFixed(0)}%`,
      percentiles === null ? '' : `${(percentiles.p50Us / 1000).toFixed(2)} ms`,
      percentiles === null ? '' : `${(percentiles.p99Us / 1000).toFixed(2)} ms`,
    ];
  };
  console.log(
    formatTable(
      ['mode (1 KiB records, 4 partitions, acks=all, 5 in flight)', 'records/s (median)', 'MiB/s', 'vs idempotent (median of rounds)', 'commit p50', 'commit p99'],
      [
        row('idempotent', perSecond.idempotent, null),
        row('transactional, 10,000 records per transaction', perSecond.large, commitUs.large),
        row('transactional, 100 records per transaction', perSecond.small, commitUs.small),
      ],
    ),
  );
  for (const [name, records, t] of [['10,000', RECORDS_PER_ROUND, spent.large], ['100', RECORDS_PER_ROUND / 5, spent.small]] as const) {
    console.log(`${name} per transaction: Produce requests alone ${((records * rounds) / (t.produceMs / 1000)).toFixed(0)} records/s; waiting for the previous markers (AddPartitionsToTxn refused CONCURRENT_TRANSACTIONS, retried) ${(t.markerWaitMs / 1000).toFixed(1)} s of the run`);
  }
} finally {
  connection.close();
  await node.destroy();
}
