import { Command } from 'commander';
import { createInterface } from 'node:readline';
import { parseProducerConfig } from '../client/config/producer-configs.js';
import { KafkaProducer } from '../client/producer/kafka-producer.js';
import type { RecordHeader } from '../core/protocol/records/kafka-record.js';
import { bootstrapServerOption, collect, parseKeyValues, printToolError, ToolUsageError } from './kafka-tool.js';

export interface ConsoleProducerOptions {
  bootstrapServer: string;
  topic: string;
  property?: string[];
  producerProperty?: string[];
  requestRequiredAcks?: string;
  compressionCodec?: string;
}

/** Kafka's LineMessageReader settings (`--property`), with its defaults. */
export interface LineReaderConfig {
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  ignoreError: boolean;
  nullMarker: string | null;
}

export interface ParsedLine {
  key: string | null;
  value: string | null;
  headers: RecordHeader[];
}

const LINE_READER_KEYS = new Set(['parse.key', 'key.separator', 'parse.headers', 'headers.delimiter', 'headers.separator', 'headers.key.separator', 'ignore.error', 'null.marker']);

export function lineReaderConfig(properties: ReadonlyMap<string, string>): LineReaderConfig {
  for (const key of properties.keys()) if (!LINE_READER_KEYS.has(key)) throw new ToolUsageError(`Unknown --property ${key}`);
  const flag = (key: string): boolean => properties.get(key)?.trim().toLowerCase() === 'true';
  const config: LineReaderConfig = {
    parseKey: flag('parse.key'),
    keySeparator: properties.get('key.separator') ?? '\t',
    parseHeaders: flag('parse.headers'),
    headersDelimiter: properties.get('headers.delimiter') ?? '\t',
    headersSeparator: properties.get('headers.separator') ?? ',',
    headersKeySeparator: properties.get('headers.key.separator') ?? ':',
    ignoreError: flag('ignore.error'),
    nullMarker: properties.get('null.marker') ?? null,
  };
  for (const [name, separator] of [['key.separator', config.keySeparator], ['headers.delimiter', config.headersDelimiter], ['headers.separator', config.headersSeparator], ['headers.key.separator', config.headersKeySeparator]] as const) {
    if (separator === '') throw new ToolUsageError(`${name} must not be empty`);
  }
  if (config.nullMarker === '') throw new ToolUsageError('null.marker must not be empty');
  return config;
}

/**
 * One stdin line as Kafka's LineMessageReader reads it: headers first (when
 * parsed, up to headers.delimiter), then the key (up to key.separator), then
 * the value; the null marker stands for a null key, value or header value.
 */
export function parseLine(line: string, config: LineReaderConfig, lineNumber: number): ParsedLine {
  const orNull = (text: string): string | null => (config.nullMarker !== null && text === config.nullMarker ? null : text);
  let rest = line;
  const headers: RecordHeader[] = [];
  if (config.parseHeaders) {
    const end = rest.indexOf(config.headersDelimiter);
    if (end < 0) {
      if (!config.ignoreError) throw new ToolUsageError(`No headers delimiter found on line number ${lineNumber}: '${line}'`);
    } else {
      const headerText = rest.slice(0, end);
      rest = rest.slice(end + config.headersDelimiter.length);
      if (headerText !== '' && headerText !== config.nullMarker) {
        for (const header of headerText.split(config.headersSeparator)) {
          const colon = header.indexOf(config.headersKeySeparator);
          const key = colon < 0 ? header : header.slice(0, colon);
          if (key === config.nullMarker) throw new ToolUsageError(`Header keys must not be the null marker on line number ${lineNumber}: '${line}'`);
          const value = colon < 0 ? null : orNull(header.slice(colon + config.headersKeySeparator.length));
          headers.push({ key, value: value === null ? null : Buffer.from(value, 'utf8') });
        }
      }
    }
  }
  let key: string | null = null;
  if (config.parseKey) {
    const end = rest.indexOf(config.keySeparator);
    if (end < 0) {
      if (!config.ignoreError) throw new ToolUsageError(`No key separator found on line number ${lineNumber}: '${line}'`);
    } else {
      key = orNull(rest.slice(0, end));
      rest = rest.slice(end + config.keySeparator.length);
    }
  }
  return { key, value: orNull(rest), headers };
}

/**
 * The producer's configuration: any of the Java producer's keys from
 * `--producer-property` (validated by the client), the legacy
 * `--request-required-acks`/`--compression-codec` when the property is not
 * given, and `--bootstrap-server`.
 */
export function producerProperties(options: ConsoleProducerOptions): Record<string, string> {
  const properties = Object.fromEntries(parseKeyValues(options.producerProperty ?? [], '--producer-property'));
  if (options.requestRequiredAcks !== undefined) properties['acks'] ??= options.requestRequiredAcks;
  if (options.compressionCodec !== undefined) properties['compression.type'] ??= options.compressionCodec;
  properties['client.id'] ??= 'console-producer';
  properties['bootstrap.servers'] = options.bootstrapServer;
  // Bad keys or values fail here, before stdin is read.
  parseProducerConfig(properties);
  return properties;
}

/** Records waiting for their acknowledgement before reading more lines: bounds memory on a large stdin. */
const MAX_UNACKNOWLEDGED = 10_000;

async function runConsoleProducer(options: ConsoleProducerOptions): Promise<void> {
  const config = lineReaderConfig(parseKeyValues(options.property ?? [], '--property'));
  const producer = KafkaProducer.fromProperties(producerProperties(options));
  let pending: Promise<unknown>[] = [];
  let failures = 0;
  let lineNumber = 0;
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // Ctrl-C stops reading, then what was read is still sent, as Kafka's tool closes its producer on shutdown.
  const stop = (): void => lines.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for await (const line of lines) {
    lineNumber++;
    const parsed = parseLine(line, config, lineNumber);
    pending.push(
      producer.send({ topic: options.topic, ...parsed }).catch((error: Error) => {
        failures++;
        process.stderr.write(`Error when sending message to topic ${options.topic} with key: ${parsed.key === null ? 'null' : `${Buffer.byteLength(parsed.key)} bytes`}, value: ${parsed.value === null ? 'null' : `${Buffer.byteLength(parsed.value)} bytes`} with error: ${error.message}\n`);
      }),
    );
    if (pending.length >= MAX_UNACKNOWLEDGED) {
      await Promise.all(pending);
      pending = [];
    }
  }
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await producer.close();
  await Promise.all(pending);
  if (failures > 0) process.exitCode = 1;
}

/** `freshet console-producer`, as Kafka's kafka-console-producer: one record per stdin line. */
export function consoleProducerCommand(): Command {
  return new Command('console-producer')
    .description('Send each line of stdin as a record (like kafka-console-producer)')
    .addOption(bootstrapServerOption())
    .requiredOption('--topic <topic>', 'the topic to produce to')
    .option('--property <name=value>', 'line reader settings: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error (repeatable)', collect)
    .option('--producer-property <name=value>', "any of Kafka's producer settings: acks, compression.type, linger.ms, batch.size, enable.idempotence, … (repeatable)", collect)
    .option('--request-required-acks <acks>', 'acks: all/-1, 1 or 0 (default all)')
    .option('--compression-codec <codec>', 'none, gzip, snappy, lz4 or zstd')
    .action(async (options: ConsoleProducerOptions) => {
      try {
        await runConsoleProducer(options);
      } catch (error) {
        printToolError(error);
      }
    });
}
