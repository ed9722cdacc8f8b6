import type { RecordMetadata } from 'kafkajs';
import type { ProducedRecord } from './checker.js';

/**
 * Marks the records of one `producer.send` acknowledged from its answer: a
 * partition's records in the order they were sent, from its base offset.
 * Only partitions the answer holds: kafkajs 2.2.4 can resolve a send without
 * a partition whose request failed (its retry only asks brokers that have not
 * answered yet, and that partition's new leader may already have answered for
 * another one), and those records were never acknowledged.
 */
export function acknowledge(batch: readonly ProducedRecord[], results: ReadonlyArray<Pick<RecordMetadata, 'partition' | 'errorCode' | 'baseOffset'>>): void {
  const nextOffset = new Map(results.filter((r) => r.errorCode === 0 && r.baseOffset !== undefined).map((r) => [r.partition, BigInt(r.baseOffset!)]));
  for (const record of batch) {
    const offset = nextOffset.get(record.partition);
    if (offset === undefined || offset < 0n) continue;
    record.acknowledged = true;
    record.offset = offset;
    nextOffset.set(record.partition, offset + 1n);
  }
}
