import { Command } from 'commander';
import { parseKeyValues as parseClientProperties } from '../client/config/config-definition.js';
import type { ConsumedRecord } from '../client/fetcher.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { KafkaConsumer } from '../client/kafka-consumer.js';
import { bootstrapServerOption, clientAction, collect, parseInteger, parseKeyValues, ToolUsageError } from './kafka-tool.js';

/** Where an assigned partition starts: an offset, or the log's start or end. */
export type StartPosition = bigint | 'earliest' | 'latest';

export interface ConsoleConsumerOptions {
  bootstrapServer: string;
  topic: string;
  group?: string;
  fromBeginning?: boolean;
  partition?: string;
  offset?: string;
  maxMessages?: string;
  timeoutMs?: string;
  property?: string[];
  consumerProperty?: string[];
  isolationLevel?: string;
}

/** Kafka's DefaultMessageFormatter settings (`--property`), with its defaults. */
export interface FormatterConfig {
  printTimestamp: boolean;
  printKey: boolean;
  printValue: boolean;
  printOffset: boolean;
  printPartition: boolean;
  printHeaders: boolean;
  keySeparator: string;
  lineSeparator: string;
  headersSeparator: string;
  nullLiteral: string;
}

const FORMATTER_KEYS = new Set([
  'print.timestamp',
  'print.key',
  'print.value',
  'print.offset',
  'print.partition',
  'print.headers',
  'key.separator',
  'line.separator',
  'headers.separator',
  'null.literal',
]);

export function formatterConfig(properties: ReadonlyMap<string, string>): FormatterConfig {
  for (const key of properties.keys()) if (!FORMATTER_KEYS.has(key)) throw new ToolUsageError(`Unknown --property ${key}`);
  const flag = (key: string, fallback: boolean): boolean => {
    const text = properties.get(key);
    return text === undefined ? fallback : text.trim().toLowerCase() === 'true';
  };
  return {
    printTimestamp: flag('print.timestamp', false),
    printKey: flag('print.key', false),
    printValue: flag('print.value', true),
    printOffset: flag('print.offset', false),
    printPartition: flag('print.partition', false),
    printHeaders: flag('print.headers', false),
    keySeparator: properties.get('key.separator') ?? '\t',
    lineSeparator: properties.get('line.separator') ?? '\n',
    headersSeparator: properties.get('headers.separator') ?? ',',
    nullLiteral: properties.get('null.literal') ?? 'null',
  };
}

/**
 * A record as Kafka's DefaultMessageFormatter prints it: the chosen fields in
 * the order timestamp, partition, offset, headers, key, value, separated by
 * key.separator, the last one followed by line.separator. Keys and values are
 * written as their raw bytes.
 */
export function formatRecord(record: ConsumedRecord, config: FormatterConfig): Buffer {
  const fields: Buffer[] = [];
  const text = (value: string): Buffer => Buffer.from(value, 'utf8');
  const bytes = (value: Buffer | null): Buffer => value ?? text(config.nullLiteral);
  if (config.printTimestamp) fields.push(text(record.timestamp < 0n ? 'NO_TIMESTAMP' : `${record.timestampType}:${record.timestamp}`));
  if (config.printPartition) fields.push(text(`Partition:${record.partition}`));
  if (config.printOffset) fields.push(text(`Offset:${record.offset}`));
  if (config.printHeaders) {
    fields.push(
      record.headers.length === 0
        ? text('NO_HEADERS')
        : Buffer.concat(record.headers.flatMap((header, i) => [...(i > 0 ? [text(config.headersSeparator)] : []), text(`${header.key}:`), bytes(header.value)])),
    );
  }
  if (config.printKey) fields.push(bytes(record.key));
  if (config.printValue) fields.push(bytes(record.value));
  if (fields.length === 0) return Buffer.alloc(0);
  const separator = text(config.keySeparator);
  return Buffer.concat([...fields.flatMap((field, i) => (i > 0 ? [separator, field] : [field])), text(config.lineSeparator)]);
}

export interface ConsumeStart {
  start: StartPosition;
  partitions: number[] | undefined;
}

/** Where consumption starts, checked as Kafka's ConsoleConsumer checks it (an --offset needs a --partition). */
export function consumeStart(options: ConsoleConsumerOptions): ConsumeStart {
  if (options.group !== undefined && (options.partition !== undefined || options.offset !== undefined)) {
    throw new ToolUsageError('Options --group and --partition/--offset cannot be used together: a group assigns the partitions and starts from its committed offsets.');
  }
  const partitions = options.partition === undefined ? undefined : [parseInteger(options.partition, '--partition')];
  if (options.offset !== undefined && partitions === undefined) throw new ToolUsageError('The partition is required when offset is specified.');
  if (options.offset !== undefined && options.fromBeginning) throw new ToolUsageError("Options --from-beginning and --offset can't be used together.");
  if (options.offset === undefined) return { start: options.fromBeginning ? 'earliest' : 'latest', partitions };
  if (options.offset === 'earliest' || options.offset === 'latest') return { start: options.offset, partitions };
  return { start: BigInt(parseInteger(options.offset, '--offset')), partitions };
}

async function writeOut(chunk: Buffer): Promise<void> {
  if (chunk.length === 0 || process.stdout.write(chunk)) return;
  await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

/**
 * The consumer behind the tool: the given partitions (or all) from the start
 * asked for, or a group's share. A group commits what is printed after each
 * poll (a record counts as consumed only once printed), unless
 * `--consumer-property enable.auto.commit=true` asks for Kafka's auto commit.
 */
async function startConsumer(options: ConsoleConsumerOptions, isolationLevel: string, maxWaitMs: number): Promise<KafkaConsumer> {
  const { start, partitions } = consumeStart(options);
  const consumer = new KafkaConsumer({
    'session.timeout.ms': 10_000,
    'heartbeat.interval.ms': 1_000,
    'client.id': 'console-consumer',
    'enable.auto.commit': false,
    ...parseClientProperties(options.consumerProperty ?? []),
    'bootstrap.servers': options.bootstrapServer,
    'isolation.level': isolationLevel,
    'fetch.max.wait.ms': maxWaitMs,
    'auto.offset.reset': start === 'earliest' ? 'earliest' : 'latest',
    ...(options.group === undefined ? {} : { 'group.id': options.group }),
  });
  if (options.group !== undefined) {
    consumer.subscribe([options.topic]);
    return consumer;
  }
  const all = await consumer.partitionsFor(options.topic);
  const wanted = partitions === undefined ? all : partitions.map((partition) => ({ topic: options.topic, partition }));
  for (const tp of wanted) {
    if (!all.some((candidate) => candidate.partition === tp.partition)) {
      await consumer.close();
      throw new ToolUsageError(`${options.topic}-${tp.partition}: the topic has ${all.length} partitions`);
    }
  }
  consumer.assign(wanted);
  if (start === 'earliest') consumer.seekToBeginning();
  else if (start === 'latest') consumer.seekToEnd();
  else for (const tp of wanted) consumer.seek(tp, start);
  return consumer;
}

/** Per partition, the offset after the last of these records: what a group commits once they are processed. */
export function nextOffsets(records: readonly ConsumedRecord[]): { topic: string; partition: number; offset: bigint }[] {
  const next = new Map<string, { topic: string; partition: number; offset: bigint }>();
  for (const record of records) next.set(`${record.topic}:${record.partition}`, { topic: record.topic, partition: record.partition, offset: record.offset + 1n });
  return [...next.values()];
}

async function runConsoleConsumer(_client: KafkaClient, options: ConsoleConsumerOptions): Promise<void> {
  const format = formatterConfig(parseKeyValues(options.property ?? [], '--property'));
  const maxMessages = options.maxMessages === undefined ? Infinity : parseInteger(options.maxMessages, '--max-messages', { min: 1 });
  const timeoutMs = options.timeoutMs === undefined ? Infinity : parseInteger(options.timeoutMs, '--timeout-ms', { min: 1 });
  const isolation = options.isolationLevel ?? 'read_uncommitted';
  if (isolation !== 'read_uncommitted' && isolation !== 'read_committed') throw new ToolUsageError(`Invalid --isolation-level ${isolation}`);
  const consumer = await startConsumer(options, isolation, Math.min(500, timeoutMs));

  let stopped = false;
  const stop = (): void => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let processed = 0;
  let lastRecordAt = Date.now();
  try {
    while (!stopped && processed < maxMessages) {
      const records = await consumer.poll(Math.min(500, timeoutMs));
      const shown = records.slice(0, maxMessages - processed);
      for (const record of shown) await writeOut(formatRecord(record, format));
      processed += shown.length;
      if (options.group !== undefined && !consumer.config['enable.auto.commit']) await consumer.commitSync(nextOffsets(shown));
      if (records.length > 0) lastRecordAt = Date.now();
      else if (Date.now() - lastRecordAt >= timeoutMs) break;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    try {
      await consumer.close();
    } finally {
      process.stderr.write(`Processed a total of ${processed} messages\n`);
    }
  }
}

/** `freshet console-consumer`, as Kafka's kafka-console-consumer: every partition (or one) of a topic, or a group's share. */
export function consoleConsumerCommand(): Command {
  return new Command('console-consumer')
    .description('Print the records of a topic (like kafka-console-consumer)')
    .addOption(bootstrapServerOption())
    .requiredOption('--topic <topic>', 'the topic to consume')
    .option('--group <group>', 'consume as a member of this consumer group, committing what is printed')
    .option('--from-beginning', 'start at the earliest offset instead of the end (with --group: where the group has no committed offset)')
    .option('--partition <p>', 'consume only this partition')
    .option('--offset <offset>', 'start offset in --partition: a number, earliest or latest')
    .option('--max-messages <n>', 'exit after this many records')
    .option('--timeout-ms <ms>', 'exit when no record arrives for this long')
    .option('--isolation-level <level>', 'read_uncommitted (default) or read_committed')
    .option('--consumer-property <name=value>', 'a consumer configuration key (Kafka\'s names: max.poll.records=100, client.rack=r1, …) (repeatable)', collect)
    .option(
      '--property <name=value>',
      'formatter settings: print.key, print.value, print.timestamp, print.offset, print.partition, print.headers, key.separator, line.separator, headers.separator, null.literal (repeatable)',
      collect,
    )
    .action(clientAction<ConsoleConsumerOptions>(runConsoleConsumer, 'console-consumer'));
}
