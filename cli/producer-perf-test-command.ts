import { Command } from 'commander';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KafkaProducer } from '../client/producer/kafka-producer.js';
import { parseKeyValues as parseProperties } from '../client/config/config-definition.js';
import { parseInteger, printToolError, ToolUsageError } from './kafka-tool.js';

export interface ProducerPerfOptions {
  topic: string;
  numRecords: string;
  recordSize?: string;
  throughput: string;
  producerProps?: string[];
  producerConfig?: string;
  transactionalId?: string;
  transactionDurationMs?: string;
}

/** Kafka's ProducerPerformance reports a window every 5 s. */
const REPORTING_INTERVAL_MS = 5000;
const MB = 1024 * 1024;

/**
 * Latencies and counts as Kafka's ProducerPerformance Stats: a progress line
 * per window, then the totals with percentiles of every record's latency.
 */
export class PerfStats {
  private readonly latencies: Int32Array;
  private count = 0;
  private bytes = 0;
  private totalLatencyMs = 0;
  private maxLatencyMs = 0;
  private windowStartMs: number;
  private windowCount = 0;
  private windowBytes = 0;
  private windowLatencyMs = 0;
  private windowMaxLatencyMs = 0;

  constructor(
    numRecords: number,
    private readonly startMs: number,
    private readonly print: (line: string) => void,
  ) {
    this.latencies = new Int32Array(numRecords);
    this.windowStartMs = startMs;
  }

  record(latencyMs: number, bytes: number, nowMs: number): void {
    this.latencies[this.count] = latencyMs;
    this.count++;
    this.bytes += bytes;
    this.totalLatencyMs += latencyMs;
    this.maxLatencyMs = Math.max(this.maxLatencyMs, latencyMs);
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowLatencyMs += latencyMs;
    this.windowMaxLatencyMs = Math.max(this.windowMaxLatencyMs, latencyMs);
    if (nowMs - this.windowStartMs >= REPORTING_INTERVAL_MS) this.printWindow(nowMs);
  }

  private printWindow(nowMs: number): void {
    const elapsedS = (nowMs - this.windowStartMs) / 1000;
    this.print(
      `${this.windowCount} records sent, ${(this.windowCount / elapsedS).toFixed(1)} records/sec (${(this.windowBytes / MB / elapsedS).toFixed(2)} MB/sec), ` +
        `${(this.windowLatencyMs / this.windowCount).toFixed(1)} ms avg latency, ${this.windowMaxLatencyMs.toFixed(1)} ms max latency.`,
    );
    this.windowStartMs = nowMs;
    this.windowCount = 0;
    this.windowBytes = 0;
    this.windowLatencyMs = 0;
    this.windowMaxLatencyMs = 0;
  }

  /** The final line: Kafka prints records/sec with %f (six decimals) and whole-ms percentiles. */
  printTotal(nowMs: number): void {
    const elapsedS = Math.max(nowMs - this.startMs, 1) / 1000;
    const sorted = this.latencies.subarray(0, this.count).slice().sort();
    const percentile = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
    this.print(
      `${this.count} records sent, ${(this.count / elapsedS).toFixed(6)} records/sec (${(this.bytes / MB / elapsedS).toFixed(2)} MB/sec), ` +
        `${(this.count === 0 ? 0 : this.totalLatencyMs / this.count).toFixed(2)} ms avg latency, ${this.maxLatencyMs.toFixed(2)} ms max latency, ` +
        `${percentile(0.5)} ms 50th, ${percentile(0.95)} ms 95th, ${percentile(0.99)} ms 99th, ${percentile(0.999)} ms 99.9th.`,
    );
  }
}

/** Kafka's payload: uppercase letters, random once, the same bytes for every record. */
export function perfPayload(recordSize: number): Buffer {
  const payload = Buffer.allocUnsafe(recordSize);
  for (let i = 0; i < recordSize; i++) payload[i] = 65 + randomInt(26);
  return payload;
}

/** `producer.config` file lines then `--producer-props`, the later winning, as Kafka's tool. */
function producerProperties(options: ProducerPerfOptions): Record<string, string> {
  const lines = options.producerConfig === undefined ? [] : readFileSync(options.producerConfig, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  return { ...parseProperties(lines), ...parseProperties(options.producerProps ?? []) };
}

async function runProducerPerf(options: ProducerPerfOptions): Promise<void> {
  const numRecords = parseInteger(options.numRecords, '--num-records', { min: 1 });
  if (options.recordSize === undefined) throw new ToolUsageError('Either --record-size or --payload-file must be specified but not both.');
  const recordSize = parseInteger(options.recordSize, '--record-size', { min: 1 });
  const throughput = Number(options.throughput);
  if (!Number.isFinite(throughput)) throw new ToolUsageError(`Invalid value "${options.throughput}" for --throughput`);
  const properties = producerProperties(options);
  if (options.transactionalId !== undefined) properties['transactional.id'] = options.transactionalId;
  if (properties['bootstrap.servers'] === undefined) throw new ToolUsageError('bootstrap.servers must be given in --producer-props or --producer.config');
  const transactional = properties['transactional.id'] !== undefined;
  const transactionDurationMs = options.transactionDurationMs === undefined ? 3000 : parseInteger(options.transactionDurationMs, '--transaction-duration-ms', { min: 1 });

  const producer = KafkaProducer.fromProperties(properties);
  const payload = perfPayload(recordSize);
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const startMs = Date.now();
  const stats = new PerfStats(numRecords, startMs, print);
  let failures = 0;
  let transactionStartMs = startMs;
  try {
    if (transactional) {
      await producer.initTransactions();
      producer.beginTransaction();
    }
    for (let i = 0; i < numRecords; i++) {
      const sendMs = Date.now();
      if (transactional && sendMs - transactionStartMs >= transactionDurationMs) {
        await producer.commitTransaction();
        producer.beginTransaction();
        transactionStartMs = Date.now();
      }
      producer.send({ topic: options.topic, value: payload }).then(
        () => {
          const nowMs = Date.now();
          stats.record(nowMs - sendMs, recordSize, nowMs);
        },
        (error: Error) => {
          if (failures++ === 0) process.stderr.write(`Error when sending message: ${error.message}\n`);
        },
      );
      // Java's throttler: sleep when ahead of --throughput records/sec (-1: as fast as possible).
      if (throughput > 0) {
        const aheadMs = ((i + 1) * 1000) / throughput - (Date.now() - startMs);
        if (aheadMs > 1) await new Promise((resolve) => setTimeout(resolve, aheadMs));
      }
      if (i % 1000 === 999) {
        await producer.ready();
        // Let the sender and the responses run between bursts of sends.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (transactional) await producer.commitTransaction();
    await producer.flush();
  } finally {
    await producer.close();
  }
  stats.printTotal(Date.now());
  if (failures > 0) process.exitCode = 1;
}

/** `freshet producer-perf-test`, as Kafka's kafka-producer-perf-test.sh. */
export function producerPerfTestCommand(): Command {
  return new Command('producer-perf-test')
    .description('Produce records as fast as asked and print throughput and latency (like kafka-producer-perf-test)')
    .requiredOption('--topic <topic>', 'the topic to produce to')
    .requiredOption('--num-records <n>', 'how many records to send')
    .option('--record-size <bytes>', 'the size of each record')
    .requiredOption('--throughput <records/sec>', 'throttle to about this many records/sec; -1: no throttling')
    .option('--producer-props <name=value...>', 'producer configuration, e.g. bootstrap.servers=localhost:9092 acks=all', (value: string, previous: string[] = []) => [...previous, value])
    .option('--producer.config <file>', 'producer configuration file')
    .option('--transactional-id <id>', 'produce in transactions with this transactional.id')
    .option('--transaction-duration-ms <ms>', 'how long each transaction stays open (default 3000)')
    .action(async (options: ProducerPerfOptions & { 'producer.config'?: string }) => {
      try {
        await runProducerPerf({ ...options, ...(options['producer.config'] === undefined ? {} : { producerConfig: options['producer.config'] }) });
      } catch (error) {
        printToolError(error);
      }
    });
}
