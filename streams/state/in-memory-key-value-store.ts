import type { KeyValueBytesStore } from './bytes-store.js';
import type { KeyValue, StateStoreContext } from './state-store.js';

/** Kafka Streams' InMemoryKeyValueStore: a map iterated in key byte order. */
export class InMemoryKeyValueStore implements KeyValueBytesStore {
  readonly persistent = false;
  readonly #entries = new Map<string, KeyValue<Buffer, Buffer>>();
  #open = false;

  constructor(readonly name: string) {}

  init(_context: StateStoreContext): void {
    this.#open = true;
  }

  get(key: Buffer): Buffer | undefined {
    return this.#entries.get(key.toString('latin1'))?.value;
  }

  put(key: Buffer, value: Buffer | null): void {
    if (value === null) this.#entries.delete(key.toString('latin1'));
    else this.#entries.set(key.toString('latin1'), { key: Buffer.from(key), value });
  }

  delete(key: Buffer): Buffer | undefined {
    const old = this.get(key);
    this.put(key, null);
    return old;
  }

  range(from: Buffer, to: Buffer): KeyValue<Buffer, Buffer>[] {
    return this.all().filter((e) => Buffer.compare(e.key, from) >= 0 && Buffer.compare(e.key, to) <= 0);
  }

  all(): KeyValue<Buffer, Buffer>[] {
    return [...this.#entries.values()].sort((a, b) => Buffer.compare(a.key, b.key));
  }

  approximateNumEntries(): number {
    return this.#entries.size;
  }

  flush(): void {}

  close(): void {
    this.#open = false;
  }

  isOpen(): boolean {
    return this.#open;
  }
}
