import { Command } from 'commander';
import { Admin, OffsetSpec } from '../client/admin.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { bootstrapServerOption, clientAction, parseInteger, ToolUsageError } from './kafka-tool.js';

export interface GetOffsetsOptions {
  bootstrapServer: string;
  topic?: string;
  partitions?: string;
  time: string;
  excludeInternalTopics?: boolean;
}

/** `--time` as GetOffsetShell takes it: -1/latest, -2/earliest, -3/max-timestamp, or epoch ms. */
export function parseOffsetTime(time: string): bigint {
  const named: Record<string, bigint> = { latest: OffsetSpec.latest, earliest: OffsetSpec.earliest, 'max-timestamp': OffsetSpec.maxTimestamp };
  const spec = named[time];
  if (spec !== undefined) return spec;
  if (!/^-?\d+$/.test(time) || BigInt(time) < -3n) {
    throw new ToolUsageError(`Invalid --time "${time}": expected -1 (latest), -2 (earliest), -3 (max-timestamp) or a timestamp in ms`);
  }
  return BigInt(time);
}

/** `0,2,4` or `0-3` (or a mix) as a sorted list of partitions. */
export function parsePartitionList(text: string): number[] {
  const partitions = new Set<number>();
  for (const item of text.split(',').map((part) => part.trim())) {
    const range = /^(\d+)-(\d+)$/.exec(item);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (from > to) throw new ToolUsageError(`Invalid partition range "${item}"`);
      for (let partition = from; partition <= to; partition++) partitions.add(partition);
    } else partitions.add(parseInteger(item, '--partitions'));
  }
  return [...partitions].sort((a, b) => a - b);
}

/** GetOffsetShell's line `topic:partition:offset`; a timestamp past every record has no offset and prints nothing after the colon. */
export function formatOffsetLine(topic: string, partition: number, offset: bigint): string {
  return `${topic}:${partition}:${offset < 0n ? '' : offset}\n`;
}

async function runGetOffsets(client: KafkaClient, options: GetOffsetsOptions): Promise<void> {
  const time = parseOffsetTime(options.time);
  const partitions = options.partitions === undefined ? undefined : parsePartitionList(options.partitions);
  const admin = new Admin(client);
  const topics = options.topic !== undefined ? [options.topic] : await admin.listTopics({ includeInternal: !options.excludeInternalTopics });
  for (const topic of topics) {
    const known = (await client.topicMetadata(topic)).partitions.map((partition) => partition.partition);
    const wanted = partitions === undefined ? known : partitions.filter((partition) => known.includes(partition));
    if (wanted.length === 0) continue;
    for (const listed of await admin.listOffsets(topic, time, wanted)) process.stdout.write(formatOffsetLine(topic, listed.partition, listed.offset));
  }
}

/** `freshet get-offsets`, as Kafka's kafka-get-offsets (GetOffsetShell). */
export function getOffsetsCommand(): Command {
  return new Command('get-offsets')
    .description('Print partition offsets at a time: latest, earliest, max-timestamp or a timestamp (like kafka-get-offsets)')
    .addOption(bootstrapServerOption())
    .option('--topic <topic>', 'the topic (all topics when absent)')
    .option('--partitions <list>', 'partitions, e.g. 0,2 or 0-3 (all when absent)')
    .option('--time <time>', '-1/latest, -2/earliest, -3/max-timestamp, or a timestamp in ms', '-1')
    .option('--exclude-internal-topics', 'leave internal topics out when --topic is absent')
    .action(clientAction<GetOffsetsOptions>(runGetOffsets, 'freshet-get-offsets'));
}
