/**
 * `max.connection.creation.rate` of one listener: as Kafka's acceptor, a connection beyond the rate
 * is not refused but held back until the rate allows it (a token bucket holding one second of
 * connections, refilled continuously). Time comes in as an argument.
 */
export class ConnectionCreationRate {
  private tokens: number;
  private lastMs: number | null = null;

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** Takes a place for a new connection at `nowMs`; returns how long it must wait first (0: none). */
  delayMs(nowMs: number): number {
    if (this.lastMs !== null) this.tokens = Math.min(this.perSecond, this.tokens + ((nowMs - this.lastMs) * this.perSecond) / 1000);
    this.lastMs = nowMs;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.perSecond);
  }
}
