import type { WindowBytesStore } from './bytes-store.js';
import type { KeyValue, StateStore } from './state-store.js';
import { mustSerialize } from './typed-serdes.js';
import { TypedStore } from './typed-store.js';
import type { Windowed } from './windowed.js';

export interface WindowStore<K, V> extends StateStore {
  put(key: K, value: V | null, windowStartMs: number): void;
  fetch(key: K, windowStartMs: number): V | undefined;
  /** Windows of one key starting in [timeFromMs, timeToMs], as { key: window start, value }. */
  fetchRange(key: K, timeFromMs: number, timeToMs: number): KeyValue<number, V>[];
  all(): KeyValue<Windowed<K>, V>[];
}

export class TypedWindowStore<K, V> extends TypedStore<K, V, WindowBytesStore> implements WindowStore<K, V> {
  put(key: K, value: V | null, windowStartMs: number): void {
    const bytes = value === null ? null : this.serdes().value.serialize(this.name, value);
    this.inner.put(mustSerialize(this.serdes().key, this.name, key), bytes, windowStartMs);
  }

  fetch(key: K, windowStartMs: number): V | undefined {
    const bytes = this.inner.fetch(mustSerialize(this.serdes().key, this.name, key), windowStartMs);
    return bytes === undefined ? undefined : (this.serdes().value.deserialize(this.name, bytes) ?? undefined);
  }

  fetchRange(key: K, timeFromMs: number, timeToMs: number): KeyValue<number, V>[] {
    return this.inner
      .fetchRange(mustSerialize(this.serdes().key, this.name, key), timeFromMs, timeToMs)
      .map((e) => ({ key: e.windowStartMs, value: this.serdes().value.deserialize(this.name, e.value) as V }));
  }

  all(): KeyValue<Windowed<K>, V>[] {
    const size = this.inner.windowSizeMs;
    return this.inner.all().map((e) => ({
      key: { key: this.serdes().key.deserialize(this.name, e.key) as K, window: { startMs: e.windowStartMs, endMs: e.windowStartMs + size } },
      value: this.serdes().value.deserialize(this.name, e.value) as V,
    }));
  }
}
