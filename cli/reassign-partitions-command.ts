import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { Admin, type PartitionResult } from '../client/admin.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { placeReplicas } from '../core/raft/controller/replica-placement.js';
import { bootstrapServerOption, clientAction, ToolUsageError } from './kafka-tool.js';

interface ReassignOptions {
  bootstrapServer: string;
  generate?: boolean;
  execute?: boolean;
  verify?: boolean;
  cancel?: boolean;
  topicsToMoveJsonFile?: string;
  brokerList?: string;
  reassignmentJsonFile?: string;
}

/** Kafka's reassignment JSON: `{"version":1,"partitions":[{"topic","partition","replicas","log_dirs"}]}`. */
export interface PartitionAssignment {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: number[];
}

export function assignmentJson(partitions: readonly PartitionAssignment[]): string {
  return JSON.stringify({ version: 1, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.replicas.map(() => 'any') })) });
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ToolUsageError(`Cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

export function parseAssignmentJson(value: unknown): PartitionAssignment[] {
  const partitions = (value as { partitions?: unknown }).partitions;
  if (!Array.isArray(partitions)) throw new ToolUsageError('The reassignment JSON needs a "partitions" array');
  return partitions.map((p: { topic?: unknown; partition?: unknown; replicas?: unknown }) => {
    if (typeof p.topic !== 'string' || !Number.isInteger(p.partition) || !Array.isArray(p.replicas) || !p.replicas.every((r) => Number.isInteger(r))) {
      throw new ToolUsageError(`Invalid partition entry ${JSON.stringify(p)}: expected topic, partition and replicas`);
    }
    return { topic: p.topic, partition: p.partition as number, replicas: p.replicas as number[] };
  });
}

async function currentAssignment(client: KafkaClient, topics: readonly string[]): Promise<PartitionAssignment[]> {
  const cluster = await client.metadata(topics);
  return topics.flatMap((topic) => {
    const info = cluster.topics.get(topic);
    if (info === undefined || info.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new ToolUsageError(`Topic ${topic} does not exist`);
    return info.partitions.map((p) => ({ topic, partition: p.partition, replicas: p.replicas }));
  });
}

async function generate(client: KafkaClient, options: ReassignOptions): Promise<void> {
  if (options.topicsToMoveJsonFile === undefined || options.brokerList === undefined) throw new ToolUsageError('--generate needs --topics-to-move-json-file and --broker-list');
  const topicsJson = (readJson(options.topicsToMoveJsonFile, 'topics-to-move JSON file') as { topics?: { topic?: unknown }[] }).topics;
  if (!Array.isArray(topicsJson) || !topicsJson.every((t) => typeof t.topic === 'string')) throw new ToolUsageError('The topics-to-move JSON needs {"topics":[{"topic":"…"}]}');
  const brokerIds = options.brokerList.split(',').map((id) => Number(id.trim()));
  const cluster = await client.metadata([]);
  const unknown = brokerIds.filter((id) => !cluster.brokers.some((b) => b.nodeId === id));
  if (unknown.length > 0 || brokerIds.some((id) => !Number.isInteger(id))) throw new ToolUsageError(`Unknown or invalid brokers in --broker-list: ${options.brokerList}`);
  const brokers = cluster.brokers.filter((b) => brokerIds.includes(b.nodeId)).map((b) => ({ brokerId: b.nodeId, rack: b.rack }));
  const current = await currentAssignment(client, topicsJson.map((t) => t.topic as string));
  const proposed: PartitionAssignment[] = [];
  for (const topic of new Set(current.map((p) => p.topic))) {
    const partitions = current.filter((p) => p.topic === topic);
    // Kafka's tool places with the same rack-aware assignment as topic creation, from a random start.
    const placed = placeReplicas(brokers, partitions.length, partitions[0]!.replicas.length, Math.floor(Math.random() * brokers.length));
    if (placed === undefined) throw new ToolUsageError(`Topic ${topic} has ${partitions[0]!.replicas.length} replicas per partition, more than the ${brokers.length} brokers given`);
    proposed.push(...partitions.map((p, i) => ({ topic, partition: p.partition, replicas: placed[i]! })));
  }
  process.stdout.write(`Current partition replica assignment\n${assignmentJson(current)}\n\nProposed partition reassignment configuration\n${assignmentJson(proposed)}\n`);
}

function alterReassignments(client: KafkaClient, partitions: readonly PartitionAssignment[], cancel: boolean): Promise<PartitionResult[]> {
  return new Admin(client).alterPartitionReassignments(partitions.map((p) => ({ topic: p.topic, partition: p.partition, replicas: cancel ? null : p.replicas })));
}

/** `name-p` of each partition answered NONE, and the failure lines of the others. */
function outcome(results: readonly PartitionResult[]): { ok: string[]; failures: string[] } {
  const ok: string[] = [];
  const failures: string[] = [];
  for (const p of results) {
    if (p.errorCode === ErrorCode.NONE) ok.push(`${p.topic}-${p.partition}`);
    else failures.push(`${p.topic}-${p.partition}: ${p.errorMessage ?? `error ${p.errorCode}`}`);
  }
  return { ok, failures };
}

function reportFailures(what: string, failures: readonly string[]): void {
  if (failures.length === 0) return;
  process.stderr.write(`Error: ${what} failed for ${failures.length} partition(s):\n${failures.join('\n')}\n`);
  process.exitCode = 1;
}

async function runReassign(client: KafkaClient, options: ReassignOptions): Promise<void> {
  const actions = (['generate', 'execute', 'verify', 'cancel'] as const).filter((a) => options[a] === true);
  if (actions.length !== 1) throw new ToolUsageError('Command must include exactly one action: --generate, --execute, --verify or --cancel');
  if (actions[0] === 'generate') return generate(client, options);
  if (options.reassignmentJsonFile === undefined) throw new ToolUsageError(`--${actions[0]} needs --reassignment-json-file`);
  const wanted = parseAssignmentJson(readJson(options.reassignmentJsonFile, 'reassignment JSON file'));
  switch (actions[0]) {
    case 'execute': {
      const current = await currentAssignment(client, [...new Set(wanted.map((p) => p.topic))]);
      const before = current.filter((c) => wanted.some((w) => w.topic === c.topic && w.partition === c.partition));
      process.stdout.write(`Current partition replica assignment\n\n${assignmentJson(before)}\n\nSave this to use as the --reassignment-json-file option during rollback\n`);
      const { ok, failures } = outcome(await alterReassignments(client, wanted, false));
      if (ok.length > 0) process.stdout.write(`Successfully started partition reassignments for ${ok.join(',')}\n`);
      reportFailures('Reassignment', failures);
      return;
    }
    case 'cancel': {
      const { ok, failures } = outcome(await alterReassignments(client, wanted, true));
      if (ok.length > 0) process.stdout.write(`Successfully cancelled partition reassignments for: ${ok.join(',')}\n`);
      reportFailures('Cancellation', failures);
      return;
    }
    case 'verify': {
      const topics = [...new Set(wanted.map((p) => p.topic))].map((topic) => ({ topic, partitions: wanted.filter((p) => p.topic === topic).map((p) => p.partition) }));
      const ongoing = await new Admin(client).listPartitionReassignments(topics);
      const current = await currentAssignment(client, topics.map((t) => t.topic));
      const lines = wanted.map((w) => {
        const name = `${w.topic}-${w.partition}`;
        if (ongoing.some((o) => o.topic === w.topic && o.partition === w.partition)) return `Reassignment of partition ${name} is still in progress.`;
        const now = current.find((c) => c.topic === w.topic && c.partition === w.partition)?.replicas ?? [];
        return now.join(',') === w.replicas.join(',') ? `Reassignment of partition ${name} is completed.` : `There is no active reassignment of partition ${name}, but replica set is ${now.join(',')} rather than ${w.replicas.join(',')}.`;
      });
      process.stdout.write(`Status of partition reassignment:\n${lines.join('\n')}\n`);
      if (lines.some((line) => line.startsWith('There is no active'))) process.exitCode = 1;
      return;
    }
  }
}

/** `freshet reassign-partitions`, as Kafka's kafka-reassign-partitions tool. */
export function reassignPartitionsCommand(): Command {
  return new Command('reassign-partitions')
    .description('Move partition replicas between brokers (like kafka-reassign-partitions)')
    .addOption(bootstrapServerOption())
    .option('--generate', 'propose an assignment of --topics-to-move-json-file over --broker-list')
    .option('--execute', 'start the reassignment of --reassignment-json-file')
    .option('--verify', 'say whether the reassignment of --reassignment-json-file completed')
    .option('--cancel', 'cancel the ongoing reassignment of --reassignment-json-file')
    .option('--topics-to-move-json-file <file>', '{"topics":[{"topic":"…"}],"version":1}')
    .option('--broker-list <ids>', 'comma-separated broker ids for --generate')
    .option('--reassignment-json-file <file>', '{"version":1,"partitions":[{"topic":"…","partition":0,"replicas":[1,2]}]}')
    .action(clientAction<ReassignOptions>(runReassign, 'freshet-reassign-partitions'));
}
