import type { Producer, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../bench/latency-histogram.js';
import { LoadProducer } from './load-producer.js';
import type { ProducerSpec } from './scenario.js';

/** A kafkajs producer stand-in: logs its sends, fails the first `failures` of them, answers the rest for every partition. */
class FakeProducer {
  readonly sends: ProducerRecord[] = [];
  disconnected = false;
  constructor(private failures: number) {}
  connect = (): Promise<void> => Promise.resolve();
  disconnect = (): Promise<void> => {
    this.disconnected = true;
    return Promise.resolve();
  };
  send = (record: ProducerRecord): Promise<unknown[]> => {
    this.sends.push(record);
    if (this.failures-- > 0) return Promise.reject(new Error('the leader went away'));
    return Promise.resolve([{ topicName: record.topic, partition: 0, errorCode: 0, baseOffset: String(this.sends.length * 100) }]);
  };
}

const spec = (idempotent: boolean): ProducerSpec => ({ topic: 't', instances: 1, recordsPerSec: 2000, recordBytes: 64, keys: 1, acks: -1, idempotent });

async function run(idempotent: boolean): Promise<FakeProducer[]> {
  const made: FakeProducer[] = [];
  const producer = new LoadProducer('127.0.0.1:1', spec(idempotent), 'p', 1, 0, new LatencyHistogram(), () => {
    // The first producer fails its first send; later ones answer everything.
    const fake = new FakeProducer(made.length === 0 ? 1 : 0);
    made.push(fake);
    return fake as unknown as Producer;
  });
  producer.start(50);
  await producer.finished();
  await producer.stop();
  return made;
}

describe('a load producer after a send that was not acknowledged', () => {
  // kafkajs takes back the failed request's sequence numbers though the broker may have appended it:
  // its next batch of the same length would be answered as a duplicate, acknowledging records no log holds.
  it('sends with a new idempotent producer (a new producer id)', async () => {
    const made = await run(true);
    expect(made.length).toBe(2);
    expect(made[0]!.sends.length).toBe(1);
    expect(made[0]!.disconnected).toBe(true);
    expect(made[1]!.sends.length).toBeGreaterThan(0);
  });

  it('keeps a producer that is not idempotent', async () => {
    const made = await run(false);
    expect(made.length).toBe(1);
    expect(made[0]!.sends.length).toBeGreaterThan(1);
  });
});
