import { describe, expect, it } from 'vitest';
import { ConnectionCreationRate } from './connection-creation-rate.js';

describe('ConnectionCreationRate', () => {
  it('lets a second of connections through at once, then spaces the rest at the rate', () => {
    const rate = new ConnectionCreationRate(4);
    expect([0, 0, 0, 0].map(() => rate.delayMs(1_000))).toEqual([0, 0, 0, 0]);
    expect([rate.delayMs(1_000), rate.delayMs(1_000), rate.delayMs(1_000)]).toEqual([250, 500, 750]);
    // After two quiet seconds the bucket is full again, never fuller.
    expect([0, 0, 0, 0, 0].map(() => rate.delayMs(3_000))).toEqual([0, 0, 0, 0, 250]);
  });
});
