/**
 * `freshet transactions find-hanging` and `abort`, as Kafka's
 * kafka-transactions.sh: a hanging transaction is one a partition holds open
 * (DescribeProducers shows a current transaction start offset, so the LSO
 * stops there) that its coordinator no longer knows of on that partition; it
 * is ended by writing an abort marker to the partition leader directly
 * (WriteTxnMarkers, as Admin.abortTransaction does).
 */
import { KafkaClientError } from '../client/client-error.js';
import type { KafkaClient, PartitionInfo } from '../client/kafka-client.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode, errorCodes } from '../core/protocol/generated/error-codes.js';
import type { DescribeProducersResponse, DescribeProducersResponseProducerState } from '../core/protocol/generated/messages/describe-producers.js';
import type { DescribeTransactionsResponse } from '../core/protocol/generated/messages/describe-transactions.js';
import type { FindCoordinatorResponse } from '../core/protocol/generated/messages/find-coordinator.js';
import type { ListTransactionsResponse } from '../core/protocol/generated/messages/list-transactions.js';
import type { WriteTxnMarkersResponse } from '../core/protocol/generated/messages/write-txn-markers.js';
import { formatTable, ToolUsageError } from './kafka-tool.js';

const KEY_TYPE_TRANSACTION = 1;
const WRITE_TXN_MARKERS_VERSION = 1;

export function checkError(errorCode: number, what: string): void {
  if (errorCode !== ErrorCode.NONE) throw new KafkaClientError(errorCode, `${what}: ${errorCodes.get(errorCode)?.name ?? errorCode}`);
}

/** The coordinator of a transactional id, asked again while it is elected or loading. */
export function transactionCoordinator(client: KafkaClient, transactionalId: string): Promise<number> {
  return client.withRetries(async () => {
    const connection = await client.anyConnection();
    const found = await connection.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, { key: transactionalId, keyType: KEY_TYPE_TRANSACTION, coordinatorKeys: [] }, 3);
    checkError(found.errorCode, `coordinator of ${transactionalId}`);
    return found.nodeId;
  });
}

/** DescribeProducers of partitions of one topic, at `brokerId` (by default each partition's leader). */
async function describeProducers(client: KafkaClient, topic: string, partitions: readonly PartitionInfo[], brokerId?: number): Promise<Map<number, DescribeProducersResponseProducerState[]>> {
  const byBroker = new Map<number, number[]>();
  for (const p of partitions) {
    const target = brokerId ?? p.leaderId;
    byBroker.set(target, [...(byBroker.get(target) ?? []), p.partition]);
  }
  const producers = new Map<number, DescribeProducersResponseProducerState[]>();
  for (const [target, partitionIndexes] of byBroker) {
    const connection = await client.connectionToNode(target);
    const response = await connection.request<DescribeProducersResponse>(ApiKey.DescribeProducers, { topics: [{ name: topic, partitionIndexes }] }, 0);
    for (const answer of response.topics[0]?.partitions ?? []) {
      checkError(answer.errorCode, `DescribeProducers ${topic}-${answer.partitionIndex} on broker ${target}`);
      producers.set(answer.partitionIndex, answer.activeProducers);
    }
  }
  return producers;
}

/** `abort`: writes an abort marker for the transaction open on the partition at --start-offset (or given by producer id, epoch and coordinator epoch). */
export async function abortTransaction(
  client: KafkaClient,
  options: { topic: string; partition: number; startOffset?: bigint; producerId?: bigint; producerEpoch?: number; coordinatorEpoch?: number },
): Promise<void> {
  const { topic, partition } = options;
  const info = (await client.topicMetadata(topic)).partitions.find((p) => p.partition === partition);
  if (info === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`);
  let spec: { producerId: bigint; producerEpoch: number; coordinatorEpoch: number };
  if (options.startOffset !== undefined) {
    const producers = (await describeProducers(client, topic, [info])).get(partition) ?? [];
    const open = producers.find((p) => p.currentTxnStartOffset === options.startOffset);
    if (open === undefined) throw new ToolUsageError(`Could not find any open transactions starting at offset ${options.startOffset} on partition ${topic}-${partition}`);
    spec = { producerId: open.producerId, producerEpoch: open.producerEpoch, coordinatorEpoch: open.coordinatorEpoch };
  } else if (options.producerId !== undefined) {
    if (options.producerEpoch === undefined) throw new ToolUsageError('Missing required argument --producer-epoch');
    if (options.coordinatorEpoch === undefined) throw new ToolUsageError('Missing required argument --coordinator-epoch');
    spec = { producerId: options.producerId, producerEpoch: options.producerEpoch, coordinatorEpoch: options.coordinatorEpoch };
  } else {
    throw new ToolUsageError('The transaction to abort must be identified either with --start-offset or with --producer-id, --producer-epoch, and --coordinator-epoch');
  }
  // A transaction that hung before its producer's first marker has no coordinator epoch (-1): 0 is at most any leader epoch.
  const coordinatorEpoch = Math.max(0, spec.coordinatorEpoch);
  const connection = await client.connectionToNode(info.leaderId);
  const response = await connection.request<WriteTxnMarkersResponse>(
    ApiKey.WriteTxnMarkers,
    { markers: [{ producerId: spec.producerId, producerEpoch: spec.producerEpoch, transactionResult: false, coordinatorEpoch, topics: [{ name: topic, partitionIndexes: [partition] }] }] },
    WRITE_TXN_MARKERS_VERSION,
  );
  checkError(response.markers[0]?.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, `Failed to abort the transaction of producer ${spec.producerId} on ${topic}-${partition}`);
}

interface OpenTransaction {
  readonly topic: string;
  readonly partition: number;
  readonly producer: DescribeProducersResponseProducerState;
}

/** `find-hanging`: open transactions older than --max-transaction-timeout whose coordinator does not list their partition. */
export async function findHangingTransactions(
  client: KafkaClient,
  options: { topic?: string; partition?: number; brokerId?: number; maxTransactionTimeoutMinutes: number },
  nowMs: number,
): Promise<void> {
  if (options.topic === undefined && options.brokerId === undefined) throw new ToolUsageError('The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search');
  if (options.partition !== undefined && options.topic === undefined) throw new ToolUsageError('The --partition argument requires --topic to be provided');
  const maxTimeoutMs = options.maxTransactionTimeoutMinutes * 60_000;
  const cluster = await client.metadata(options.topic === undefined ? null : [options.topic]);
  const candidates: OpenTransaction[] = [];
  for (const [topic, info] of cluster.topics) {
    checkError(info.errorCode, `topic ${topic}`);
    const partitions = info.partitions.filter(
      (p) => (options.partition === undefined || p.partition === options.partition) && (options.brokerId === undefined || p.replicas.includes(options.brokerId)),
    );
    if (partitions.length === 0) continue;
    for (const [partition, producers] of await describeProducers(client, topic, partitions, options.brokerId)) {
      for (const producer of producers) {
        if (producer.currentTxnStartOffset >= 0n && nowMs - Number(producer.lastTimestamp) > maxTimeoutMs) candidates.push({ topic, partition, producer });
      }
    }
  }
  const hanging = candidates.length === 0 ? [] : await withoutCoordinatorPartition(client, candidates);
  const rows = hanging.map(({ topic, partition, producer }) => [
    topic,
    String(partition),
    String(producer.producerId),
    String(producer.producerEpoch),
    String(producer.coordinatorEpoch),
    String(producer.currentTxnStartOffset),
    String(producer.lastTimestamp),
    String(Math.floor((nowMs - Number(producer.lastTimestamp)) / 60_000)),
  ]);
  process.stdout.write(formatTable(['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'], rows));
}

/**
 * The candidates their coordinator cannot still end: no transactional id
 * lists their producer id, the id is unknown, or its transaction does not
 * hold their partition (an ongoing or prepared one lists every partition it
 * still has to mark).
 */
async function withoutCoordinatorPartition(client: KafkaClient, candidates: readonly OpenTransaction[]): Promise<OpenTransaction[]> {
  const producerIds = [...new Set(candidates.map((c) => c.producer.producerId))];
  const transactionalIds = new Map<bigint, string>();
  for (const broker of (await client.metadata([])).brokers) {
    const connection = await client.connectionToNode(broker.nodeId);
    const listed = await connection.request<ListTransactionsResponse>(ApiKey.ListTransactions, { stateFilters: [], producerIdFilters: producerIds, durationFilter: -1n }, 0);
    checkError(listed.errorCode, `ListTransactions on node ${broker.nodeId}`);
    for (const t of listed.transactionStates) if (producerIds.includes(t.producerId)) transactionalIds.set(t.producerId, t.transactionalId);
  }
  const held = new Map<string, Set<string> | null>();
  for (const transactionalId of new Set(transactionalIds.values())) {
    const connection = await client.connectionToNode(await transactionCoordinator(client, transactionalId));
    const state = (await connection.request<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, { transactionalIds: [transactionalId] }, 0)).transactionStates[0]!;
    if (state.errorCode === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND) held.set(transactionalId, null);
    else {
      checkError(state.errorCode, `DescribeTransactions ${transactionalId}`);
      held.set(transactionalId, new Set(state.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`))));
    }
  }
  return candidates.filter((c) => {
    const transactionalId = transactionalIds.get(c.producer.producerId);
    const partitions = transactionalId === undefined ? null : held.get(transactionalId);
    return partitions === null || partitions === undefined || !partitions.has(`${c.topic}-${c.partition}`);
  });
}
