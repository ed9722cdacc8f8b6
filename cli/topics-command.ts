import { Command } from 'commander';
import { Admin, type ConfigEntry } from '../client/admin.js';
import { KafkaClientError } from '../client/client-error.js';
import type { KafkaClient, TopicInfo } from '../client/kafka-client.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { bootstrapServerOption, clientAction, collect, parseInteger, parseKeyValues, ToolUsageError } from './kafka-tool.js';

export interface TopicsOptions {
  bootstrapServer: string;
  create?: boolean;
  list?: boolean;
  describe?: boolean;
  delete?: boolean;
  alter?: boolean;
  topic?: string;
  partitions?: string;
  replicationFactor?: string;
  config?: string[];
  ifExists?: boolean;
  ifNotExists?: boolean;
  excludeInternal?: boolean;
  underReplicatedPartitions?: boolean;
  unavailablePartitions?: boolean;
}

const ACTIONS = ['create', 'list', 'describe', 'delete', 'alter'] as const;
export type TopicsAction = (typeof ACTIONS)[number];

/** The one action asked for, with the options it needs checked, as Kafka's TopicCommand does. */
export function topicsAction(options: TopicsOptions): TopicsAction {
  const chosen = ACTIONS.filter((action) => options[action] === true);
  if (chosen.length !== 1) throw new ToolUsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete');
  const [action] = chosen as [TopicsAction];
  if ((action === 'create' || action === 'delete' || action === 'alter') && options.topic === undefined) {
    throw new ToolUsageError(`Missing required argument "[topic]" for --${action}`);
  }
  if (action === 'alter' && options.partitions === undefined) throw new ToolUsageError('--alter needs --partitions (the new total)');
  if (action !== 'create' && (options.replicationFactor !== undefined || (options.config ?? []).length > 0)) {
    throw new ToolUsageError('--replication-factor and --config are only for --create (use `freshet configs` to change configs)');
  }
  return action;
}

/** Kafka's describe lines: the topic, then one tab-indented line per partition (with its offline replicas, if any). */
export function formatTopicDescription(topic: TopicInfo, configs: readonly ConfigEntry[], partitions = topic.partitions): string {
  const replicationFactor = topic.partitions[0]?.replicas.length ?? 0;
  const configText = configs
    .filter((config) => !config.isDefault)
    .map((config) => `${config.name}=${config.isSensitive ? '<sensitive>' : (config.value ?? '')}`)
    .join(',');
  const lines = [
    `Topic: ${topic.name}\tTopicId: ${topic.topicId}\tPartitionCount: ${topic.partitions.length}\tReplicationFactor: ${replicationFactor}\tConfigs: ${configText}`,
    ...partitions.map(
      (partition) =>
        `\tTopic: ${topic.name}\tPartition: ${partition.partition}\tLeader: ${partition.leaderId < 0 ? 'none' : partition.leaderId}\t` +
        `Replicas: ${partition.replicas.join(',')}\tIsr: ${partition.isr.join(',')}` +
        // Replicas on fenced brokers or failed log dirs: what an operator looks for after a crash.
        (partition.offlineReplicas.length > 0 ? `\tOffline: ${partition.offlineReplicas.join(',')}` : ''),
    ),
  ];
  return lines.join('\n') + '\n';
}

async function runTopics(client: KafkaClient, options: TopicsOptions): Promise<void> {
  const action = topicsAction(options);
  const admin = new Admin(client);
  const topic = options.topic;
  const ignoreUnknown = async (operation: () => Promise<void>): Promise<void> => {
    try {
      await operation();
    } catch (error) {
      if (!(options.ifExists && error instanceof KafkaClientError && error.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) throw error;
    }
  };
  switch (action) {
    case 'create': {
      const configs = Object.fromEntries(parseKeyValues(options.config ?? [], '--config'));
      try {
        await admin.createTopics([
          {
            name: topic!,
            numPartitions: options.partitions === undefined ? -1 : parseInteger(options.partitions, '--partitions', { min: 1 }),
            replicationFactor: options.replicationFactor === undefined ? -1 : parseInteger(options.replicationFactor, '--replication-factor', { min: 1 }),
            configs,
          },
        ]);
      } catch (error) {
        if (options.ifNotExists && error instanceof KafkaClientError && error.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) return;
        throw error;
      }
      process.stdout.write(`Created topic ${topic}.\n`);
      return;
    }
    case 'list': {
      for (const name of await admin.listTopics({ includeInternal: !options.excludeInternal })) process.stdout.write(`${name}\n`);
      return;
    }
    case 'describe': {
      await ignoreUnknown(async () => {
        const topics = (await admin.describeTopics(topic === undefined ? null : [topic])).filter((info) => !(options.excludeInternal && info.isInternal));
        for (const info of topics) {
          const partitions = info.partitions.filter(
            (partition) =>
              (!options.underReplicatedPartitions || partition.isr.length < partition.replicas.length) &&
              (!options.unavailablePartitions || partition.leaderId < 0),
          );
          const filtered = options.underReplicatedPartitions || options.unavailablePartitions;
          if (filtered && partitions.length === 0) continue;
          const configs = await admin.describeConfigs('topic', info.name);
          process.stdout.write(formatTopicDescription(info, configs, partitions));
        }
      });
      return;
    }
    case 'delete':
      await ignoreUnknown(() => admin.deleteTopics([topic!]));
      return;
    case 'alter':
      await ignoreUnknown(() => admin.createPartitions(topic!, parseInteger(options.partitions!, '--partitions', { min: 1 })));
      return;
  }
}

/** `freshet topics`, as Kafka's kafka-topics tool. */
export function topicsCommand(): Command {
  return new Command('topics')
    .description('Create, list, describe, delete topics and add partitions (like kafka-topics)')
    .addOption(bootstrapServerOption())
    .option('--create', 'create a topic')
    .option('--list', 'list topic names')
    .option('--describe', 'describe topics (all when --topic is absent)')
    .option('--delete', 'delete a topic')
    .option('--alter', 'raise the partition count of a topic')
    .option('--topic <topic>', 'the topic')
    .option('--partitions <n>', 'partitions for --create (default: the broker num.partitions) or the new total for --alter')
    .option('--replication-factor <n>', 'replicas per partition for --create (default: the broker default.replication.factor)')
    .option('--config <name=value>', 'a topic config for --create (repeatable)', collect)
    .option('--if-exists', 'with --alter, --delete or --describe: do nothing when the topic does not exist')
    .option('--if-not-exists', 'with --create: do nothing when the topic exists')
    .option('--exclude-internal', 'leave internal topics (__consumer_offsets…) out of --list and --describe')
    .option('--under-replicated-partitions', 'with --describe: only partitions whose ISR is smaller than their replicas')
    .option('--unavailable-partitions', 'with --describe: only partitions without a leader')
    .action(clientAction<TopicsOptions>(runTopics, 'freshet-topics'));
}
