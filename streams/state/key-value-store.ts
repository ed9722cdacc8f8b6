import type { KeyValueBytesStore } from './bytes-store.js';
import type { KeyValue, StateStore } from './state-store.js';
import { mustSerialize } from './typed-serdes.js';
import { TypedStore } from './typed-store.js';

export interface ReadOnlyKeyValueStore<K, V> {
  get(key: K): V | undefined;
  range(from: K, to: K): KeyValue<K, V>[];
  all(): KeyValue<K, V>[];
  approximateNumEntries(): number;
}

export interface KeyValueStore<K, V> extends StateStore, ReadOnlyKeyValueStore<K, V> {
  put(key: K, value: V | null): void;
  putIfAbsent(key: K, value: V): V | undefined;
  delete(key: K): V | undefined;
}

/** The typed layer over a bytes store (Kafka's MeteredKeyValueStore without the metrics). */
export class TypedKeyValueStore<K, V> extends TypedStore<K, V, KeyValueBytesStore> implements KeyValueStore<K, V> {
  #k(key: K): Buffer {
    return mustSerialize(this.serdes().key, this.name, key);
  }

  #v(bytes: Buffer | undefined): V | undefined {
    return bytes === undefined ? undefined : (this.serdes().value.deserialize(this.name, bytes) ?? undefined);
  }

  #entries(entries: KeyValue<Buffer, Buffer>[]): KeyValue<K, V>[] {
    const { key, value } = this.serdes();
    return entries.map((e) => ({ key: key.deserialize(this.name, e.key) as K, value: value.deserialize(this.name, e.value) as V }));
  }

  get(key: K): V | undefined {
    return this.#v(this.inner.get(this.#k(key)));
  }

  put(key: K, value: V | null): void {
    this.inner.put(this.#k(key), value === null ? null : this.serdes().value.serialize(this.name, value));
  }

  putIfAbsent(key: K, value: V): V | undefined {
    const old = this.get(key);
    if (old === undefined) this.put(key, value);
    return old;
  }

  delete(key: K): V | undefined {
    return this.#v(this.inner.delete(this.#k(key)));
  }

  range(from: K, to: K): KeyValue<K, V>[] {
    return this.#entries(this.inner.range(this.#k(from), this.#k(to)));
  }

  all(): KeyValue<K, V>[] {
    return this.#entries(this.inner.all());
  }

  approximateNumEntries(): number {
    return this.inner.approximateNumEntries();
  }
}
