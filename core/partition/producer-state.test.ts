import { describe, expect, it } from 'vitest';
import { ProducerStateManager, type ProducerBatch } from './producer-state.js';

const batch = (seq: number, count: number, epoch = 0, producerId = 7n, maxTimestampMs = 1_000): ProducerBatch => ({
  producerId,
  producerEpoch: epoch,
  baseSequence: seq,
  lastOffsetDelta: count - 1,
  maxTimestampMs,
});

describe('ProducerStateManager', () => {
  it('appends batches from producers without an id, every time', () => {
    const state = new ProducerStateManager();
    const plain = batch(-1, 3, -1, -1n);
    expect(state.check(plain)).toEqual({ kind: 'append' });
    state.record(plain, 0n);
    expect(state.check(plain)).toEqual({ kind: 'append' });
    expect(state.producerCount).toBe(0);
  });

  it('answers a retried batch with the offsets of its first append', () => {
    const state = new ProducerStateManager();
    state.record(batch(0, 5), 100n);
    state.record(batch(5, 5), 105n);
    expect(state.check(batch(0, 5))).toEqual({ kind: 'duplicate', firstOffset: 100n, lastOffset: 104n });
    expect(state.check(batch(5, 5))).toEqual({ kind: 'duplicate', firstOffset: 105n, lastOffset: 109n });
    expect(state.check(batch(10, 1))).toEqual({ kind: 'append' });
  });

  it('refuses a gap in the sequence', () => {
    const state = new ProducerStateManager();
    state.record(batch(0, 5), 0n);
    const result = state.check(batch(6, 1));
    expect(result.kind).toBe('error');
    expect(result.kind === 'error' && result.error).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
  });

  it('fences an older epoch and requires sequence 0 in a new one', () => {
    const state = new ProducerStateManager();
    state.record(batch(0, 1, 3), 0n);
    expect(state.check(batch(1, 1, 2))).toMatchObject({ kind: 'error', error: 'INVALID_PRODUCER_EPOCH' });
    expect(state.check(batch(1, 1, 4))).toMatchObject({ kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    expect(state.check(batch(0, 1, 4))).toEqual({ kind: 'append' });
    state.record(batch(0, 1, 4), 1n);
    expect(state.entry(7n)?.producerEpoch).toBe(4);
    expect(state.check(batch(0, 1, 4))).toEqual({ kind: 'duplicate', firstOffset: 1n, lastOffset: 1n });
  });

  it('keeps only the last five batches, so an older retry is out of order', () => {
    const state = new ProducerStateManager();
    for (let i = 0; i < 6; i++) state.record(batch(i, 1), BigInt(i));
    expect(state.entry(7n)?.batches.map((b) => b.firstSeq)).toEqual([1, 2, 3, 4, 5]);
    expect(state.check(batch(0, 1))).toMatchObject({ kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
  });

  it('accepts the wrap from Int32.MAX_VALUE to 0', () => {
    const state = new ProducerStateManager();
    state.record(batch(0x7ffffffe, 2), 0n);
    expect(state.entry(7n)?.batches[0]?.lastSeq).toBe(0x7fffffff);
    expect(state.check(batch(0, 1))).toEqual({ kind: 'append' });
  });

  it('forgets a producer once its last batch is producer.id.expiration.ms old, and only that one', () => {
    const state = new ProducerStateManager();
    state.record(batch(0, 1, 0, 1n, 1_000), 0n);
    state.record(batch(0, 1, 0, 2n, 1_000), 1n);
    state.record(batch(1, 1, 0, 2n, 5_000), 2n);
    expect(state.removeExpiredProducers(10_999, 10_000)).toBe(0);
    expect(state.removeExpiredProducers(11_000, 10_000)).toBe(1);
    expect(state.entry(1n)).toBeUndefined();
    expect(state.entry(2n)?.lastTimestampMs).toBe(5_000);
    // A forgotten producer is new again: its next batch is appended, whatever its sequence.
    expect(state.check(batch(1, 1, 0, 1n))).toEqual({ kind: 'append' });
  });
});
