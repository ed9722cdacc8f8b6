import { describe, expect, it } from 'vitest';
import { MutationTokenBucket, RateQuotaSensor, throttleTimeMs, WindowedRate } from './client-quota-rate.js';

const kafkaDefaults = { samples: 11, windowMs: 1000 };

describe('WindowedRate (Kafka Rate over quota.window.num samples of quota.window.size.seconds)', () => {
  it.each([
    // A first value is measured over samples-1 whole windows, not over the milliseconds it took.
    { name: 'one value at once', events: [[0, 1000]], nowMs: 0, rate: 100 },
    { name: 'two values 500 ms apart', events: [[0, 1000], [500, 1000]], nowMs: 500, rate: 2000 / 10.5 },
    // 1000 bytes every 100 ms for 20 s: the samples older than the window are purged.
    { name: 'steady 10 kB/s for 20 s', events: Array.from({ length: 200 }, (_, i) => [i * 100, 1000]), nowMs: 19_900, rate: 110_000 / 10.9 },
    // Nothing for longer than the whole window: every sample is emptied.
    { name: 'silent for the whole window', events: [[0, 50_000]], nowMs: 11_000, rate: 0 },
  ])('$name', ({ events, nowMs, rate }) => {
    const r = new WindowedRate(kafkaDefaults);
    for (const [at, value] of events) r.record(value!, at!);
    expect(r.measure(nowMs)).toBeCloseTo(rate, 6);
  });

  it('covers at least the whole window once enough time has passed', () => {
    const r = new WindowedRate({ samples: 3, windowMs: 1000 });
    for (let t = 0; t <= 5000; t += 250) r.record(1, t);
    expect(r.windowSizeMs(5000)).toBeGreaterThanOrEqual(2000);
    expect(r.windowSizeMs(5000)).toBeLessThanOrEqual(3000);
  });
});

describe('throttle time', () => {
  it.each([
    { observed: 100, bound: 50, windowMs: 10_000, expected: 10_000 },
    { observed: 150, bound: 100, windowMs: 11_000, expected: 5_500 },
    { observed: 100.4, bound: 100, windowMs: 1_000, expected: 4 },
  ])('observed $observed over bound $bound on $windowMs ms → $expected ms', ({ observed, bound, windowMs, expected }) => {
    expect(throttleTimeMs(observed, bound, windowMs)).toBe(expected);
  });

  it('is zero within the bound and caps at the given maximum', () => {
    const sensor = new RateQuotaSensor(kafkaDefaults, 0);
    expect(sensor.recordAndGetThrottleTimeMs(1000, 100, 0)).toBe(0);
    expect(sensor.recordAndGetThrottleTimeMs(1000, 100, 0)).toBe(10_000);
    expect(sensor.recordAndGetThrottleTimeMs(1000, 100, 0, 1000)).toBe(1000);
  });

  /** 64 KiB produce requests against 512 KiB/s from a client that waits out each throttle time. */
  function obeyingClient(window: { samples: number; windowMs: number }, untilMs: number): { bytesAt: (ms: number) => number } {
    const bound = 512 * 1024;
    const sensor = new RateQuotaSensor(window, 0);
    const sends: [number, number][] = [];
    let sent = 0;
    for (let nowMs = 0; nowMs < untilMs; ) {
      sent += 64 * 1024;
      sends.push([nowMs, sent]);
      nowMs += Math.max(1, sensor.recordAndGetThrottleTimeMs(64 * 1024, bound, nowMs));
    }
    return { bytesAt: (ms) => sends.findLast(([at]) => at <= ms)![1] };
  }

  it.each([
    // Kafka's defaults let a new client send samples-1 windows' worth at once: measure after that, over whole 11 s cycles of the window.
    { window: { samples: 11, windowMs: 1000 }, fromMs: 11_000, toMs: 121_000 },
    // Two samples of a second: the first burst is half a second's worth, so 20 s average within 10%.
    { window: { samples: 2, windowMs: 1000 }, fromMs: 0, toMs: 20_000 },
  ])('a client that waits out each throttle time averages the bound ($window.samples × $window.windowMs ms, $fromMs-$toMs ms)', ({ window, fromMs, toMs }) => {
    const client = obeyingClient(window, toMs + 1);
    const rate = (client.bytesAt(toMs) - (fromMs === 0 ? 0 : client.bytesAt(fromMs))) / ((toMs - fromMs) / 1000);
    expect(rate).toBeGreaterThan(512 * 1024 * 0.9);
    expect(rate).toBeLessThan(512 * 1024 * 1.1);
  });

  it('unrecord takes a value back out of the rate', () => {
    const sensor = new RateQuotaSensor(kafkaDefaults, 0);
    sensor.recordAndGetThrottleTimeMs(1000, 1e9, 0);
    sensor.recordAndGetThrottleTimeMs(5000, 1e9, 10);
    sensor.unrecord(5000, 10);
    expect(sensor.measure(10)).toBeCloseTo(1000 / 10.01, 6);
  });
});

describe('MutationTokenBucket (KIP-599)', () => {
  it('strict: a full bucket grants its burst, then refuses until the debt is repaid', () => {
    // 2 mutations/s, burst 11 × 1 s × 2 = 22.
    const bucket = new MutationTokenBucket(kafkaDefaults, 0);
    const steps: [number, number, number][] = [
      [0, 22, 0],
      [0, 5, 0], // the bucket holds 0, not less: granted, now 5 in debt
      [0, 1, 2500], // 5 tokens at 2/s
      [1000, 1, 1500],
      [2500, 1, 0],
    ];
    for (const [nowMs, permits, throttle] of steps) expect(bucket.tryAcquire(permits, 2, nowMs)).toBe(throttle);
  });

  it('permissive: always granted, throttled once in debt', () => {
    const bucket = new MutationTokenBucket(kafkaDefaults, 0);
    expect(bucket.acquire(20, 2, 0)).toBe(0);
    expect(bucket.acquire(10, 2, 0)).toBe(4000);
    expect(bucket.acquire(10, 2, 0)).toBe(9000);
  });
});
