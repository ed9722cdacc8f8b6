import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { KafkaClient } from '../client/kafka-client.js';
import { KafkaConsumer } from '../client/kafka-consumer.js';
import { bootstrapServerOption, clientAction, parseInteger } from './kafka-tool.js';

export interface ConsumerPerfOptions {
  bootstrapServer: string;
  topic: string;
  messages: string;
  group?: string;
  fetchSize?: string;
  fromLatest?: boolean;
  'consumer.config'?: string;
  showDetailedStats?: boolean;
  timeout?: string;
  reportingInterval?: string;
  dateFormat?: string;
  hideHeader?: boolean;
}

const MB = 1024 * 1024;

/** Java's SimpleDateFormat for the letters kafka-consumer-perf-test's formats use (y M d H m s S), in local time. */
export function formatDate(pattern: string, ms: number): string {
  const date = new Date(ms);
  const fields: Record<string, number> = {
    y: date.getFullYear(),
    M: date.getMonth() + 1,
    d: date.getDate(),
    H: date.getHours(),
    m: date.getMinutes(),
    s: date.getSeconds(),
    S: date.getMilliseconds(),
  };
  return pattern.replace(/y+|M+|d+|H+|m+|s+|S+/g, (run) => String(fields[run[0]!]).padStart(run.length, '0'));
}

/** Java's `%.4f`. */
const f4 = (value: number): string => (Number.isFinite(value) ? value.toFixed(4) : value > 0 ? 'Infinity' : 'NaN');

/** A properties file's `key=value` lines (comments and blanks skipped), as `--consumer.config` reads it. */
export function readProperties(path: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) continue;
    const separator = trimmed.search(/[=:]/);
    if (separator > 0) properties[trimmed.slice(0, separator).trim()] = trimmed.slice(separator + 1).trim();
  }
  return properties;
}

/**
 * kafka-consumer-perf-test: consume `--messages` records as a group member and
 * print Kafka's summary line (or a line per reporting interval with
 * `--show-detailed-stats`), the time spent rebalancing kept apart from the
 * fetch time as Kafka does.
 */
async function runConsumerPerfTest(_client: KafkaClient, options: ConsumerPerfOptions): Promise<void> {
  const numMessages = parseInteger(options.messages, '--messages', { min: 1 });
  const timeoutMs = options.timeout === undefined ? 10_000 : parseInteger(options.timeout, '--timeout');
  const reportingIntervalMs = options.reportingInterval === undefined ? 5000 : parseInteger(options.reportingInterval, '--reporting-interval', { min: 1 });
  const dateFormat = options.dateFormat ?? 'yyyy-MM-dd HH:mm:ss:SSS';
  const detailed = options.showDetailedStats === true;
  const consumer = new KafkaConsumer({
    'client.id': 'perf-consumer-client',
    ...(options['consumer.config'] === undefined ? {} : readProperties(options['consumer.config'])),
    'bootstrap.servers': options.bootstrapServer,
    'group.id': options.group ?? `perf-consumer-${Math.floor(Math.random() * 100_000)}`,
    'max.partition.fetch.bytes': options.fetchSize ?? String(MB),
    'auto.offset.reset': options.fromLatest ? 'latest' : 'earliest',
    'check.crcs': false,
  });
  const newFields = ', rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
  if (!options.hideHeader) {
    process.stdout.write(detailed ? `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${newFields}\n` : `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${newFields}\n`);
  }
  let joinTimeMs = 0;
  let joinTimeInRoundMs = 0;
  let joinStartMs = Date.now();
  consumer.subscribe([options.topic], {
    onPartitionsAssigned: () => {
      const elapsed = Date.now() - joinStartMs;
      joinTimeMs += elapsed;
      joinTimeInRoundMs += elapsed;
    },
    onPartitionsRevoked: () => {
      joinStartMs = Date.now();
    },
  });
  const startMs = Date.now();
  let messagesRead = 0;
  let bytesRead = 0;
  let lastMessagesRead = 0;
  let lastBytesRead = 0;
  let lastReportMs = startMs;
  let lastConsumedMs = startMs;
  let nowMs = startMs;
  try {
    while (messagesRead < numMessages && nowMs - lastConsumedMs <= timeoutMs) {
      const records = await consumer.poll(100);
      nowMs = Date.now();
      if (records.length > 0) lastConsumedMs = nowMs;
      for (const record of records) {
        messagesRead++;
        bytesRead += (record.key?.length ?? 0) + (record.value?.length ?? 0);
        if (nowMs - lastReportMs >= reportingIntervalMs) {
          if (detailed) {
            const elapsedMs = nowMs - lastReportMs;
            const fetchMs = elapsedMs - joinTimeInRoundMs;
            const intervalMb = (bytesRead - lastBytesRead) / MB;
            const intervalMessages = messagesRead - lastMessagesRead;
            process.stdout.write(
              `${formatDate(dateFormat, nowMs)}, 0, ${f4(bytesRead / MB)}, ${f4((1000 * intervalMb) / elapsedMs)}, ${messagesRead}, ${f4((intervalMessages / elapsedMs) * 1000)}` +
                `, ${joinTimeInRoundMs}, ${fetchMs}, ${f4(fetchMs <= 0 ? 0 : (1000 * intervalMb) / fetchMs)}, ${f4(fetchMs <= 0 ? 0 : (1000 * intervalMessages) / fetchMs)}\n`,
            );
          }
          joinTimeInRoundMs = 0;
          lastReportMs = nowMs;
          lastMessagesRead = messagesRead;
          lastBytesRead = bytesRead;
        }
      }
    }
    if (messagesRead < numMessages) {
      process.stdout.write(`WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.\n`);
    }
  } finally {
    await consumer.close();
  }
  const endMs = Date.now();
  if (!detailed) {
    const elapsedSec = (endMs - startMs) / 1000;
    const fetchTimeMs = endMs - startMs - joinTimeMs;
    const totalMb = bytesRead / MB;
    process.stdout.write(
      `${formatDate(dateFormat, startMs)}, ${formatDate(dateFormat, endMs)}, ${f4(totalMb)}, ${f4(totalMb / elapsedSec)}, ${messagesRead}, ${f4(messagesRead / elapsedSec)}, ` +
        `${joinTimeMs}, ${fetchTimeMs}, ${f4(totalMb / (fetchTimeMs / 1000))}, ${f4(messagesRead / (fetchTimeMs / 1000))}\n`,
    );
  }
}

/** `freshet consumer-perf-test`, as Kafka's kafka-consumer-perf-test.sh. */
export function consumerPerfTestCommand(): Command {
  return new Command('consumer-perf-test')
    .description('Measure consumer throughput (like kafka-consumer-perf-test)')
    .addOption(bootstrapServerOption())
    .requiredOption('--topic <topic>', 'REQUIRED: the topic to consume from')
    .requiredOption('--messages <n>', 'REQUIRED: the number of messages to consume')
    .option('--group <group>', 'the group id to consume on (default perf-consumer-<random>)')
    .option('--fetch-size <bytes>', 'the amount of data to fetch per partition in a single request (default 1048576)')
    .option('--from-latest', 'start from the end when the group has no committed offset, instead of the beginning')
    .option('--consumer.config <file>', 'consumer config properties file (Kafka\'s keys)')
    .option('--show-detailed-stats', 'report stats for each reporting interval')
    .option('--timeout <ms>', 'the maximum allowed time between returned records (default 10000)')
    .option('--reporting-interval <ms>', 'interval at which to print progress info (default 5000)')
    .option('--date-format <format>', 'the format of the time fields (SimpleDateFormat letters y M d H m s S; default yyyy-MM-dd HH:mm:ss:SSS)')
    .option('--hide-header', 'skip printing the header for the stats')
    .action(clientAction<ConsumerPerfOptions>(runConsumerPerfTest, 'consumer-perf-test'));
}
