import { Command, Option } from 'commander';
import { Admin, type PartitionResult } from '../client/admin.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { bootstrapServerOption, clientAction, parseInteger, ToolUsageError } from './kafka-tool.js';

interface LeaderElectionOptions {
  bootstrapServer: string;
  electionType: 'PREFERRED' | 'UNCLEAN';
  topic?: string;
  partition?: string;
  allTopicPartitions?: boolean;
}

const ELECTION_TIMEOUT_MS = 30_000;

/** Kafka's lines: the elected partitions, those that already had the right leader, then each failure (exit 1). */
export function formatElectionResults(electionType: string, results: readonly PartitionResult[]): { text: string; failures: number } {
  const elected: string[] = [];
  const notNeeded: string[] = [];
  const failed: string[] = [];
  for (const p of results) {
    const name = `${p.topic}-${p.partition}`;
    if (p.errorCode === ErrorCode.NONE) elected.push(name);
    else if (p.errorCode === ErrorCode.ELECTION_NOT_NEEDED) notNeeded.push(name);
    else failed.push(`Error completing leader election (${electionType}) for partition: ${name}: ${p.errorMessage ?? `error ${p.errorCode}`}`);
  }
  const lines: string[] = [];
  if (elected.length > 0) lines.push(`Successfully completed leader election (${electionType}) for partitions ${elected.join(', ')}`);
  if (notNeeded.length > 0) lines.push(`Valid replica already elected for partitions ${notNeeded.join(', ')}`);
  lines.push(...failed);
  return { text: lines.length === 0 ? '' : lines.join('\n') + '\n', failures: failed.length };
}

async function runLeaderElection(client: KafkaClient, options: LeaderElectionOptions): Promise<void> {
  if ((options.allTopicPartitions === true) === (options.topic !== undefined)) throw new ToolUsageError('give exactly one of --all-topic-partitions or --topic');
  if (options.partition !== undefined && options.topic === undefined) throw new ToolUsageError('--partition needs --topic');
  let topicPartitions: { topic: string; partitions: number[] }[] | null = null;
  if (options.topic !== undefined) {
    const partitions = options.partition !== undefined ? [parseInteger(options.partition, '--partition')] : (await client.metadata([options.topic])).topics.get(options.topic)?.partitions.map((p) => p.partition) ?? [];
    topicPartitions = [{ topic: options.topic, partitions }];
  }
  const results = await new Admin(client).electLeaders(options.electionType === 'PREFERRED' ? 'PREFERRED' : 'UNCLEAN', topicPartitions, ELECTION_TIMEOUT_MS);
  const { text, failures } = formatElectionResults(options.electionType, results);
  process.stdout.write(text);
  if (failures > 0) {
    process.stderr.write(`Error: ${failures} replica(s) could not be elected\n`);
    process.exitCode = 1;
  }
}

/** `freshet leader-election`, as Kafka's kafka-leader-election tool. */
export function leaderElectionCommand(): Command {
  return new Command('leader-election')
    .description('Elect preferred or unclean leaders (like kafka-leader-election)')
    .addOption(bootstrapServerOption())
    .addOption(new Option('--election-type <type>', 'PREFERRED or UNCLEAN').choices(['PREFERRED', 'UNCLEAN']).makeOptionMandatory())
    .option('--topic <topic>', 'the topic (all its partitions unless --partition)')
    .option('--partition <n>', 'one partition of --topic')
    .option('--all-topic-partitions', 'every partition of every topic')
    .action(clientAction<LeaderElectionOptions>(runLeaderElection, 'freshet-leader-election'));
}
