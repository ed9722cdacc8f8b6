/** `quota.window.num` samples of `quota.window.size.seconds` each (Kafka's MetricConfig for quota sensors). */
export interface QuotaWindow {
  readonly samples: number;
  readonly windowMs: number;
}

interface Sample {
  value: number;
  startMs: number;
  lastEventMs: number;
}

/**
 * Kafka's windowed Rate (a WindowedSum over `samples` samples, plus one slot for the sample that
 * overlaps the start of the window): the sum of the samples still in the window divided by the
 * time they cover, counted as at least `samples - 1` whole windows so that a fresh client is not
 * measured over a few milliseconds. Time is an input.
 */
export class WindowedRate {
  private readonly slots: Sample[] = [];
  private current = 0;

  constructor(private readonly window: QuotaWindow) {}

  record(value: number, nowMs: number): void {
    let sample = this.currentSample(nowMs);
    if (nowMs - sample.startMs >= this.window.windowMs) sample = this.advance(nowMs);
    sample.value += value;
    sample.lastEventMs = nowMs;
  }

  /** Units per second. */
  measure(nowMs: number): number {
    const elapsedMs = this.windowSizeMs(nowMs);
    let sum = 0;
    for (const sample of this.slots) sum += sample.value;
    return sum / (elapsedMs / 1000);
  }

  /** The time the retained samples cover, as Rate.windowSize computes it (at least 1 ms). */
  windowSizeMs(nowMs: number): number {
    this.purgeObsolete(nowMs);
    const { samples, windowMs } = this.window;
    let elapsedMs = nowMs - this.oldestStartMs(nowMs);
    const fullWindows = Math.floor(elapsedMs / windowMs);
    if (fullWindows < samples - 1) elapsedMs += (samples - 1 - fullWindows) * windowMs;
    return Math.max(elapsedMs, 1);
  }

  private currentSample(nowMs: number): Sample {
    if (this.slots.length === 0) this.slots.push({ value: 0, startMs: nowMs, lastEventMs: nowMs });
    return this.slots[this.current]!;
  }

  private advance(nowMs: number): Sample {
    this.current = (this.current + 1) % (this.window.samples + 1);
    if (this.current >= this.slots.length) {
      const sample = { value: 0, startMs: nowMs, lastEventMs: nowMs };
      this.slots.push(sample);
      return sample;
    }
    const sample = this.slots[this.current]!;
    reset(sample, nowMs);
    return sample;
  }

  private oldestStartMs(nowMs: number): number {
    if (this.slots.length === 0) this.slots.push({ value: 0, startMs: nowMs, lastEventMs: nowMs });
    let oldest = this.slots[0]!.startMs;
    for (const sample of this.slots) oldest = Math.min(oldest, sample.startMs);
    return oldest;
  }

  /** Samples with no event within the whole window are emptied (and restart now). */
  private purgeObsolete(nowMs: number): void {
    const expireAgeMs = this.window.samples * this.window.windowMs;
    for (const sample of this.slots) if (nowMs - sample.lastEventMs >= expireAgeMs) reset(sample, nowMs);
  }
}

function reset(sample: Sample, nowMs: number): void {
  sample.value = 0;
  sample.startMs = nowMs;
  sample.lastEventMs = nowMs;
}

/**
 * How long a client must stay silent for its observed rate O to fall to the bound T over the
 * window W it was measured on: O·W / (W + X) = T, so X = (O − T) / T · W (Kafka's QuotaUtils).
 */
export function throttleTimeMs(observedRate: number, bound: number, windowMs: number): number {
  return Math.round(((observedRate - bound) / bound) * windowMs);
}

/**
 * A byte-rate or request-time quota sensor: records first, then measures; over the bound, the
 * answer is the throttle time (capped at `maxThrottleMs`, which Kafka sets for request time).
 */
export class RateQuotaSensor {
  private readonly rate: WindowedRate;
  lastRecordMs: number;

  constructor(window: QuotaWindow, nowMs: number) {
    this.rate = new WindowedRate(window);
    this.lastRecordMs = nowMs;
  }

  recordAndGetThrottleTimeMs(value: number, bound: number, nowMs: number, maxThrottleMs = Number.POSITIVE_INFINITY): number {
    this.lastRecordMs = nowMs;
    this.rate.record(value, nowMs);
    const observed = this.rate.measure(nowMs);
    if (observed <= bound) return 0;
    return Math.min(throttleTimeMs(observed, bound, this.rate.windowSizeMs(nowMs)), maxThrottleMs);
  }

  /** Takes back a value recorded for a response that was not sent (a throttled fetch). */
  unrecord(value: number, nowMs: number): void {
    this.rate.record(-value, nowMs);
  }

  measure(nowMs: number): number {
    return this.rate.measure(nowMs);
  }
}

/**
 * The controller mutation quota (KIP-599): a token bucket refilled at `rate` per second that
 * holds at most `samples × window seconds × rate` tokens; each partition created or deleted
 * takes one. Strict (the newer API versions): a mutation is refused while the bucket is in debt,
 * with the time to repay it; permissive (older versions): always accepted, then throttled.
 */
export class MutationTokenBucket {
  /** A new bucket starts full (Kafka's starts empty at time 0, which comes to the same). */
  private tokens = Number.POSITIVE_INFINITY;
  private lastUpdateMs: number;
  lastRecordMs: number;

  constructor(
    private readonly window: QuotaWindow,
    nowMs: number,
  ) {
    this.lastUpdateMs = nowMs;
    this.lastRecordMs = nowMs;
  }

  /** Strict: 0 and the permits taken, or the throttle time and nothing taken. */
  tryAcquire(permits: number, rate: number, nowMs: number): number {
    this.lastRecordMs = nowMs;
    this.refill(rate, nowMs);
    if (this.tokens < 0) return Math.round((-this.tokens / rate) * 1000);
    this.tokens = Math.min(this.burst(rate), this.tokens - permits);
    return 0;
  }

  /** Permissive: always taken; the throttle time once the bucket is in debt. */
  acquire(permits: number, rate: number, nowMs: number): number {
    this.lastRecordMs = nowMs;
    this.refill(rate, nowMs);
    this.tokens = Math.min(this.burst(rate), this.tokens - permits);
    return this.tokens < 0 ? Math.round((-this.tokens / rate) * 1000) : 0;
  }

  private refill(rate: number, nowMs: number): void {
    this.tokens = Math.min(this.burst(rate), this.tokens + (rate * (nowMs - this.lastUpdateMs)) / 1000);
    this.lastUpdateMs = nowMs;
  }

  private burst(rate: number): number {
    return (this.window.samples * this.window.windowMs * rate) / 1000;
  }
}
