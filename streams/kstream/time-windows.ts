import type { TimeWindow } from '../state/windowed.js';

/**
 * Kafka Streams' TimeWindows: fixed-size windows [start, start + size),
 * tumbling when advance == size, hopping when advance < size, aligned to the
 * epoch. Records later than the grace period after a window's end are dropped.
 */
export class TimeWindows {
  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {
    if (!(sizeMs > 0)) throw new RangeError('Window size (sizeMs) must be larger than zero.');
    if (!(advanceMs > 0 && advanceMs <= sizeMs)) throw new RangeError(`Window advancement interval should be more than zero and less than window duration which is ${sizeMs} ms, but given advancement interval is: ${advanceMs} ms`);
    if (!(graceMs >= 0)) throw new RangeError('Grace period must not be negative.');
  }

  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return new TimeWindows(sizeMs, sizeMs, 0);
  }

  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    return new TimeWindows(sizeMs, sizeMs, graceMs);
  }

  advanceBy(advanceMs: number): TimeWindows {
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  /** Every window that contains the timestamp, by start. */
  windowsFor(timestampMs: number): TimeWindow[] {
    const windows: TimeWindow[] = [];
    let start = Math.floor(Math.max(0, timestampMs - this.sizeMs + this.advanceMs) / this.advanceMs) * this.advanceMs;
    for (; start <= timestampMs; start += this.advanceMs) windows.push({ startMs: start, endMs: start + this.sizeMs });
    return windows;
  }
}
