/**
 * Kafka's exponential backoff (KIP-580): `initialMs * 2^attempts`, capped at
 * `maxMs`, with ±20% jitter so clients that failed together do not retry
 * together. `random` is in [0, 1).
 */
export function exponentialBackoffMs(initialMs: number, maxMs: number, attempts: number, random: number): number {
  if (initialMs <= 0) return 0;
  const ceiling = Math.max(initialMs, maxMs);
  const term = Math.min(ceiling, initialMs * 2 ** Math.max(0, attempts));
  const jittered = term * (0.8 + 0.4 * random);
  return Math.round(Math.min(ceiling, jittered));
}
