import { Command } from 'commander';
import { KafkaClientError } from '../client/client-error.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode, errorCodes } from '../core/protocol/generated/error-codes.js';
import type { DescribeProducersResponse } from '../core/protocol/generated/messages/describe-producers.js';
import type { DescribeTransactionsResponse } from '../core/protocol/generated/messages/describe-transactions.js';
import type { FindCoordinatorResponse } from '../core/protocol/generated/messages/find-coordinator.js';
import type { ListTransactionsResponse } from '../core/protocol/generated/messages/list-transactions.js';
import { bootstrapServerOption, clientAction, formatTable, parseInteger } from './kafka-tool.js';

const KEY_TYPE_TRANSACTION = 1;

function check(errorCode: number, what: string): void {
  if (errorCode !== ErrorCode.NONE) throw new KafkaClientError(errorCode, `${what}: ${errorCodes.get(errorCode)?.name ?? errorCode}`);
}

/** `list`: every broker's coordinators, as kafka-transactions.sh lists them. */
async function listTransactions(client: KafkaClient): Promise<void> {
  const { brokers } = await client.metadata([]);
  const rows: string[][] = [];
  for (const broker of brokers) {
    const connection = await client.connectionToNode(broker.nodeId);
    const response = await connection.request<ListTransactionsResponse>(ApiKey.ListTransactions, { stateFilters: [], producerIdFilters: [], durationFilter: -1n }, 0);
    check(response.errorCode, `ListTransactions on node ${broker.nodeId}`);
    for (const t of response.transactionStates) rows.push([t.transactionalId, String(broker.nodeId), String(t.producerId), t.transactionState]);
  }
  process.stdout.write(formatTable(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], rows));
}

/** `describe --transactional-id`: the coordinator's view of one transactional id. */
async function describeTransaction(client: KafkaClient, transactionalId: string): Promise<void> {
  const coordinator = await client.withRetries(async () => {
    const connection = await client.anyConnection();
    const found = await connection.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, { key: transactionalId, keyType: KEY_TYPE_TRANSACTION, coordinatorKeys: [] }, 3);
    check(found.errorCode, `coordinator of ${transactionalId}`);
    return found.nodeId;
  });
  const connection = await client.connectionToNode(coordinator);
  const response = await connection.request<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, { transactionalIds: [transactionalId] }, 0);
  const t = response.transactionStates[0]!;
  check(t.errorCode, `DescribeTransactions ${transactionalId}`);
  const started = t.transactionStartTimeMs;
  const partitions = t.topics.flatMap((topic) => topic.partitions.map((p) => `${topic.topic}-${p}`)).join(',');
  process.stdout.write(
    formatTable(
      ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
      [[String(coordinator), t.transactionalId, String(t.producerId), String(t.producerEpoch), t.transactionState, String(t.transactionTimeoutMs), started < 0n ? 'None' : String(started), started < 0n ? 'None' : String(BigInt(Date.now()) - started), partitions]],
    ),
  );
}

/** `describe-producers --topic --partition`: what the partition's leader remembers of its producers. */
async function describeProducers(client: KafkaClient, topic: string, partition: number): Promise<void> {
  const info = await client.topicMetadata(topic);
  const leader = info.partitions.find((p) => p.partition === partition)?.leaderId;
  if (leader === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`);
  const connection = await client.connectionToNode(leader);
  const response = await connection.request<DescribeProducersResponse>(ApiKey.DescribeProducers, { topics: [{ name: topic, partitionIndexes: [partition] }] }, 0);
  const answer = response.topics[0]!.partitions[0]!;
  check(answer.errorCode, `DescribeProducers ${topic}-${partition}`);
  const rows = answer.activeProducers.map((p) => [String(p.producerId), String(p.producerEpoch), String(p.coordinatorEpoch), String(p.lastSequence), String(p.lastTimestamp), p.currentTxnStartOffset < 0n ? 'None' : String(p.currentTxnStartOffset)]);
  process.stdout.write(formatTable(['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'], rows));
}

/** `freshet transactions`, as Kafka's kafka-transactions.sh: list, describe, describe-producers. */
export function transactionsCommand(): Command {
  const command = new Command('transactions').description('List and describe transactions and the producers of a partition (like kafka-transactions)');
  command
    .command('list')
    .description('List the transactions of every coordinator')
    .addOption(bootstrapServerOption())
    .action(clientAction<{ bootstrapServer: string }>((client) => listTransactions(client), 'freshet-transactions'));
  command
    .command('describe')
    .description('Describe one transactional id as its coordinator sees it')
    .addOption(bootstrapServerOption())
    .requiredOption('--transactional-id <id>', 'the transactional id')
    .action(clientAction<{ bootstrapServer: string; transactionalId: string }>((client, o) => describeTransaction(client, o.transactionalId), 'freshet-transactions'));
  command
    .command('describe-producers')
    .description('Describe the producers a partition leader remembers, and their open transactions')
    .addOption(bootstrapServerOption())
    .requiredOption('--topic <topic>', 'the topic')
    .requiredOption('--partition <partition>', 'the partition')
    .action(clientAction<{ bootstrapServer: string; topic: string; partition: string }>((client, o) => describeProducers(client, o.topic, parseInteger(o.partition, '--partition')), 'freshet-transactions'));
  return command;
}
