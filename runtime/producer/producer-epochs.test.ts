import { describe, expect, it } from 'vitest';
import { MAX_PRODUCER_EPOCH, ProducerEpochs } from './producer-epochs.js';

describe('ProducerEpochs', () => {
  it('bumps only the current epoch of a remembered producer id', () => {
    const epochs = new ProducerEpochs(60_000);
    epochs.remember(5n, 0, 0);
    expect(epochs.bump(5n, 0, 10)).toBe(1);
    // The old epoch is no longer current: a second bump with it is refused.
    expect(epochs.bump(5n, 0, 20)).toBeNull();
    expect(epochs.bump(5n, 1, 30)).toBe(2);
    expect(epochs.bump(6n, 0, 40)).toBeNull();
  });

  it('forgets producers after producer.id.expiration.ms and never bumps past the largest epoch', () => {
    const epochs = new ProducerEpochs(1_000);
    epochs.remember(5n, 0, 0);
    epochs.remember(6n, MAX_PRODUCER_EPOCH, 500);
    expect(epochs.bump(6n, MAX_PRODUCER_EPOCH, 600)).toBeNull();
    expect(epochs.bump(5n, 0, 1_000)).toBeNull();
    expect(epochs.size).toBe(1);
  });
});
