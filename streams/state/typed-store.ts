import type { Serde } from '../serdes.js';
import type { StateStore, StateStoreContext } from './state-store.js';
import { storeSerdes, type ValueSerdeWrapper } from './typed-serdes.js';

/**
 * What the typed stores share: they delegate the store lifecycle to the bytes
 * store they wrap and resolve their serdes (the given ones or the defaults) at init.
 */
export abstract class TypedStore<K, V, Inner extends StateStore> implements StateStore {
  #serdes: { key: Serde<K>; value: Serde<V> } | undefined;

  constructor(
    readonly inner: Inner,
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

  protected serdes(): { key: Serde<K>; value: Serde<V> } {
    if (this.#serdes === undefined) throw new Error(`store ${this.name} is not initialized`);
    return this.#serdes;
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
