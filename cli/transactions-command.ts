import { Command } from 'commander';
import { KafkaClientError } from '../client/client-error.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { DescribeProducersResponse } from '../core/protocol/generated/messages/describe-producers.js';
import type { DescribeTransactionsResponse } from '../core/protocol/generated/messages/describe-transactions.js';
import type { ListTransactionsResponse } from '../core/protocol/generated/messages/list-transactions.js';
import { bootstrapServerOption, clientAction, formatTable, parseInteger } from './kafka-tool.js';
import { abortTransaction, checkError as check, findHangingTransactions, transactionCoordinator } from './transactions-hanging.js';

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
  const coordinator = await transactionCoordinator(client, transactionalId);
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

/** `freshet transactions`, as Kafka's kafka-transactions.sh: list, describe, describe-producers, find-hanging, abort. */
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
  command
    .command('find-hanging')
    .description('Find hanging transactions: open on a partition, unknown to their coordinator there')
    .addOption(bootstrapServerOption())
    .option('--broker-id <id>', 'broker id to search for hanging transactions')
    .option('--topic <topic>', 'topic name to limit search to')
    .option('--partition <partition>', 'partition number')
    .option('--max-transaction-timeout <minutes>', 'maximum transaction timeout in minutes to limit the scope of the search', '15')
    .action(
      clientAction<{ bootstrapServer: string; brokerId?: string; topic?: string; partition?: string; maxTransactionTimeout: string }>(
        (client, o) =>
          findHangingTransactions(
            client,
            {
              ...(o.topic === undefined ? {} : { topic: o.topic }),
              ...(o.partition === undefined ? {} : { partition: parseInteger(o.partition, '--partition') }),
              ...(o.brokerId === undefined ? {} : { brokerId: parseInteger(o.brokerId, '--broker-id') }),
              maxTransactionTimeoutMinutes: parseInteger(o.maxTransactionTimeout, '--max-transaction-timeout'),
            },
            Date.now(),
          ),
        'freshet-transactions',
      ),
    );
  command
    .command('abort')
    .description('Abort a hanging transaction (writes an abort marker to the partition leader)')
    .addOption(bootstrapServerOption())
    .requiredOption('--topic <topic>', 'topic name')
    .requiredOption('--partition <partition>', 'partition number')
    .option('--start-offset <offset>', 'start offset of the transaction to abort')
    .option('--producer-id <id>', 'producer id')
    .option('--producer-epoch <epoch>', 'producer epoch')
    .option('--coordinator-epoch <epoch>', 'coordinator epoch')
    .action(
      clientAction<{ bootstrapServer: string; topic: string; partition: string; startOffset?: string; producerId?: string; producerEpoch?: string; coordinatorEpoch?: string }>(
        (client, o) =>
          abortTransaction(client, {
            topic: o.topic,
            partition: parseInteger(o.partition, '--partition'),
            ...(o.startOffset === undefined ? {} : { startOffset: BigInt(parseInteger(o.startOffset, '--start-offset')) }),
            ...(o.producerId === undefined ? {} : { producerId: BigInt(parseInteger(o.producerId, '--producer-id')) }),
            ...(o.producerEpoch === undefined ? {} : { producerEpoch: parseInteger(o.producerEpoch, '--producer-epoch') }),
            ...(o.coordinatorEpoch === undefined ? {} : { coordinatorEpoch: parseInteger(o.coordinatorEpoch, '--coordinator-epoch', { min: -1 }) }),
          }),
        'freshet-transactions',
      ),
    );
  return command;
}
