import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { LatencyHistogram } from '../bench/latency-histogram.js';
import { acknowledge } from './acknowledgements.js';
import type { ProducedRecord } from './checker.js';
import type { ProducerSpec } from './scenario.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/** What a load-test record carries, as JSON in its value; `pad` brings it to the scenario's size. */
export interface LoadRecordValue {
  id: string;
  key: string;
  seq: number;
  pad: string;
}

const maxBatch = 2000;

/**
 * One producer of a scenario: offers `recordsPerSec` on a fixed schedule, each
 * record with a unique id and the next sequence number of its key, sent in
 * batches (one request in flight, so a retried batch cannot overtake a newer
 * one). Every record is logged as produced; the ones the broker acknowledged
 * also get their offset. Acknowledgement latency goes into `ackLatency` from each record's
 * due time on the schedule, so a stalled broker counts for every record due while it stalled.
 */
export class LoadProducer {
  readonly records: ProducedRecord[] = [];
  failedSends = 0;
  private producer: Producer;
  private readonly nextSeq: number[];
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    bootstrap: string,
    private readonly spec: ProducerSpec,
    private readonly name: string,
    private readonly partitions: number,
    private readonly keyOffset: number,
    private readonly ackLatency: LatencyHistogram,
    private readonly createProducer: () => Producer = () =>
      new Kafka({ clientId: name, brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 } }).producer({
        idempotent: spec.idempotent,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      }),
  ) {
    this.producer = createProducer();
    this.nextSeq = new Array<number>(spec.keys).fill(0);
  }

  start(durationMs: number): void {
    this.running = this.run(durationMs);
  }

  /** Resolves when the schedule is over (or stop was called) and the last send is answered. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.producer.disconnect().catch(() => {});
  }

  /** Resolves when the schedule has run its course. */
  finished(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async run(durationMs: number): Promise<void> {
    await this.connect();
    const start = performance.now();
    const total = Math.floor((this.spec.recordsPerSec * durationMs) / 1000);
    let created = 0;
    while (created < total && !this.stopping) {
      const due = Math.min(total, Math.floor(((performance.now() - start) * this.spec.recordsPerSec) / 1000));
      const n = Math.min(maxBatch, due - created);
      if (n <= 0) {
        await sleep(5);
        continue;
      }
      const batch = Array.from({ length: n }, (_, i) => this.next(created + i));
      const firstDueMs = start + (created * 1000) / this.spec.recordsPerSec;
      created += n;
      await this.send(batch, firstDueMs);
    }
  }

  private async connect(): Promise<void> {
    for (;;) {
      try {
        await this.producer.connect();
        return;
      } catch {
        if (this.stopping) return;
        await sleep(200);
      }
    }
  }

  private next(n: number): ProducedRecord {
    const keyIndex = n % this.spec.keys;
    const seq = this.nextSeq[keyIndex]!++;
    const key = `${this.name}-k${keyIndex}`;
    const record: ProducedRecord = { id: `${this.name}-${n}`, key, seq, partition: (this.keyOffset + keyIndex) % this.partitions, acknowledged: false };
    this.records.push(record);
    return record;
  }

  private async send(batch: ProducedRecord[], firstDueMs: number): Promise<void> {
    const value = (r: ProducedRecord): string => {
      const body = JSON.stringify({ id: r.id, key: r.key, seq: r.seq, pad: '' } satisfies LoadRecordValue);
      return `${body.slice(0, -2)}${'x'.repeat(Math.max(0, this.spec.recordBytes - body.length))}"}`;
    };
    try {
      const results = await this.producer.send({
        topic: this.spec.topic,
        acks: this.spec.acks,
        messages: batch.map((r) => ({ key: r.key, value: value(r), partition: r.partition })),
      });
      const ackedMs = performance.now();
      acknowledge(batch, results);
      batch.forEach((record, i) => {
        if (record.acknowledged) this.ackLatency.recordUs((ackedMs - firstDueMs - (i * 1000) / this.spec.recordsPerSec) * 1000);
      });
      if (batch.some((r) => !r.acknowledged)) await this.renewIdempotentProducer();
    } catch {
      // Not acknowledged: the broker may or may not hold these; the verdict only counts acknowledged ones.
      this.failedSends++;
      await this.renewIdempotentProducer();
      await sleep(100);
    }
  }

  /**
   * After a send that did not acknowledge everything, an idempotent kafkajs
   * producer's sequence numbers may disagree with the broker's: kafkajs 2.2.4
   * takes back a partition's sequence numbers when its request fails, though
   * the broker may have appended the batch. Its next batch there would then be
   * refused (OUT_OF_ORDER_SEQUENCE_NUMBER, on every send after) or, of the same
   * length, answered as a duplicate with the earlier batch's offsets: records
   * acknowledged that no log holds. A new producer id starts clean, as the Java
   * client does after such an error.
   */
  private async renewIdempotentProducer(): Promise<void> {
    if (!this.spec.idempotent) return;
    await this.producer.disconnect().catch(() => {});
    this.producer = this.createProducer();
    await this.connect();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
