import type { WindowBytesEntry, WindowBytesStore } from './bytes-store.js';
import type { StateStoreContext } from './state-store.js';

/**
 * Kafka Streams' InMemoryWindowStore: entries keyed by (window start, key).
 * The store's own stream time is the latest window start put into it; windows
 * that start at or before that minus the retention period expire, as Kafka's
 * do, so a store never grows past its retention. With `retainDuplicates`
 * (stream-stream join buffers) every put is kept, in put order, and a null
 * value is ignored.
 */
export class InMemoryWindowStore implements WindowBytesStore {
  readonly persistent = false;
  readonly #entries = new Map<string, WindowBytesEntry>();
  #open = false;
  #observedStreamTimeMs = -1;
  #seqnum = 0;

  constructor(
    readonly name: string,
    readonly retentionPeriodMs: number,
    readonly windowSizeMs: number,
    readonly retainDuplicates = false,
  ) {
    if (windowSizeMs > retentionPeriodMs) {
      throw new RangeError(`window store ${name}: retention ${retentionPeriodMs} ms is shorter than the window size ${windowSizeMs} ms`);
    }
  }

  init(_context: StateStoreContext): void {
    this.#open = true;
  }

  #earliestLiveStartMs(): number {
    return this.#observedStreamTimeMs - this.retentionPeriodMs + 1;
  }

  #expire(): void {
    const earliest = this.#earliestLiveStartMs();
    for (const [id, entry] of this.#entries) if (entry.windowStartMs < earliest) this.#entries.delete(id);
  }

  put(key: Buffer, value: Buffer | null, windowStartMs: number): void {
    this.#observedStreamTimeMs = Math.max(this.#observedStreamTimeMs, windowStartMs);
    this.#expire();
    if (value === null && this.retainDuplicates) return;
    const id = `${windowStartMs}:${key.toString('latin1')}${this.retainDuplicates ? `:${this.#seqnum++}` : ''}`;
    if (value === null) this.#entries.delete(id);
    else if (windowStartMs >= this.#earliestLiveStartMs()) this.#entries.set(id, { key: Buffer.from(key), windowStartMs, value });
  }

  fetch(key: Buffer, windowStartMs: number): Buffer | undefined {
    if (windowStartMs < this.#earliestLiveStartMs()) return undefined;
    return this.#entries.get(`${windowStartMs}:${key.toString('latin1')}`)?.value;
  }

  fetchRange(key: Buffer, timeFromMs: number, timeToMs: number): WindowBytesEntry[] {
    const from = Math.max(timeFromMs, this.#earliestLiveStartMs());
    return this.all().filter((e) => e.key.equals(key) && e.windowStartMs >= from && e.windowStartMs <= timeToMs);
  }

  all(): WindowBytesEntry[] {
    const earliest = this.#earliestLiveStartMs();
    return [...this.#entries.values()]
      .filter((e) => e.windowStartMs >= earliest)
      .sort((a, b) => a.windowStartMs - b.windowStartMs || Buffer.compare(a.key, b.key));
  }

  flush(): void {}

  close(): void {
    this.#open = false;
  }

  isOpen(): boolean {
    return this.#open;
  }
}
