/**
 * Kafka Streams' JoinWindows: a record of one stream joins the other
 * stream's records of the same key with timestamps in
 * [t - before, t + after] (symmetric from ofTimeDifference*). The grace
 * period keeps records after their window for out-of-order ones.
 */
export class JoinWindows {
  private constructor(
    readonly beforeMs: number,
    readonly afterMs: number,
    readonly graceMs: number,
  ) {
    if (beforeMs + afterMs < 0) throw new RangeError('Window interval (ie, beforeMs+afterMs) must not be negative.');
    if (!(graceMs >= 0)) throw new RangeError('Grace period must not be negative.');
  }

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0);
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): JoinWindows {
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, graceMs);
  }

  /** How far before a record the other stream's records may be. */
  before(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(timeDifferenceMs, this.afterMs, this.graceMs);
  }

  /** How far after a record the other stream's records may be. */
  after(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(this.beforeMs, timeDifferenceMs, this.graceMs);
  }

  get sizeMs(): number {
    return this.beforeMs + this.afterMs;
  }

  /** The windows as seen from the other stream. */
  reverse(): JoinWindows {
    return new JoinWindows(this.afterMs, this.beforeMs, this.graceMs);
  }
}
