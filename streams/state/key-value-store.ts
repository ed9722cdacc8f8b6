import type { Serde } from '../serdes.js';
import type { KeyValueBytesStore } from './bytes-store.js';
import type { KeyValue, StateStore, StateStoreContext } from './state-store.js';
import { mustSerialize, storeSerdes, type ValueSerdeWrapper } from './typed-serdes.js';

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
export class TypedKeyValueStore<K, V> implements KeyValueStore<K, V> {
  #serdes: { key: Serde<K>; value: Serde<V> } | undefined;

  constructor(
    readonly inner: KeyValueBytesStore,
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

  #k(key: K): Buffer {
    return mustSerialize(this.#s().key, this.name, key);
  }

  #v(bytes: Buffer | undefined): V | undefined {
    return bytes === undefined ? undefined : (this.#s().value.deserialize(this.name, bytes) ?? undefined);
  }

  #entries(entries: KeyValue<Buffer, Buffer>[]): KeyValue<K, V>[] {
    const { key, value } = this.#s();
    return entries.map((e) => ({ key: key.deserialize(this.name, e.key) as K, value: value.deserialize(this.name, e.value) as V }));
  }

  get(key: K): V | undefined {
    return this.#v(this.inner.get(this.#k(key)));
  }

  put(key: K, value: V | null): void {
    this.inner.put(this.#k(key), value === null ? null : this.#s().value.serialize(this.name, value));
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
