import type { Serde } from '../serdes.js';
import type { WindowBytesStore } from './bytes-store.js';
import type { KeyValue, StateStore, StateStoreContext } from './state-store.js';
import { mustSerialize, storeSerdes, type ValueSerdeWrapper } from './typed-serdes.js';
import type { Windowed } from './windowed.js';

export interface WindowStore<K, V> extends StateStore {
  put(key: K, value: V | null, windowStartMs: number): void;
  fetch(key: K, windowStartMs: number): V | undefined;
  /** Windows of one key starting in [timeFromMs, timeToMs], as { key: window start, value }. */
  fetchRange(key: K, timeFromMs: number, timeToMs: number): KeyValue<number, V>[];
  all(): KeyValue<Windowed<K>, V>[];
}

export class TypedWindowStore<K, V> implements WindowStore<K, V> {
  #serdes: { key: Serde<K>; value: Serde<V> } | undefined;

  constructor(
    readonly inner: WindowBytesStore,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
    /** Set for timestamped stores: the bytes hold the record timestamp before the value. */
    readonly wrapValue?: ValueSerdeWrapper<V>,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get persistent(): boolean {
    return this.inner.persistent;
  }

  init(context: StateStoreContext): void {
    this.#serdes = storeSerdes(this.name, context, this.keySerde, this.valueSerde, this.wrapValue);
    this.inner.init(context);
  }

  #s(): { key: Serde<K>; value: Serde<V> } {
    if (this.#serdes === undefined) throw new Error(`store ${this.name} is not initialized`);
    return this.#serdes;
  }

  put(key: K, value: V | null, windowStartMs: number): void {
    const bytes = value === null ? null : this.#s().value.serialize(this.name, value);
    this.inner.put(mustSerialize(this.#s().key, this.name, key), bytes, windowStartMs);
  }

  fetch(key: K, windowStartMs: number): V | undefined {
    const bytes = this.inner.fetch(mustSerialize(this.#s().key, this.name, key), windowStartMs);
    return bytes === undefined ? undefined : (this.#s().value.deserialize(this.name, bytes) ?? undefined);
  }

  fetchRange(key: K, timeFromMs: number, timeToMs: number): KeyValue<number, V>[] {
    return this.inner
      .fetchRange(mustSerialize(this.#s().key, this.name, key), timeFromMs, timeToMs)
      .map((e) => ({ key: e.windowStartMs, value: this.#s().value.deserialize(this.name, e.value) as V }));
  }

  all(): KeyValue<Windowed<K>, V>[] {
    const size = this.inner.windowSizeMs;
    return this.inner.all().map((e) => ({
      key: { key: this.#s().key.deserialize(this.name, e.key) as K, window: { startMs: e.windowStartMs, endMs: e.windowStartMs + size } },
      value: this.#s().value.deserialize(this.name, e.value) as V,
    }));
  }

  flush(): void {
    this.inner.flush();
  }

  close(): void {
    this.inner.close();
  }

  isOpen(): boolean {
    return this.inner.isOpen();
  }
}
