import type { Serde } from '../serdes.js';

// The contract every store keeps, in memory or persistent: a name the
// topology wires it by, init before use, flush on commit, close at shutdown.
// A changelog-backed or LMDB store implements the same interface over bytes.
export interface StateStore {
  readonly name: string;
  readonly persistent: boolean;
  init(context: StateStoreContext): void;
  flush(): void;
  close(): void;
  isOpen(): boolean;
}

/** What a store learns about its task at init. */
export interface StateStoreContext {
  readonly applicationId: string;
  readonly taskId: string;
  /** default.key.serde / default.value.serde, for stores built without serdes. */
  readonly defaultKeySerde: Serde<unknown> | undefined;
  readonly defaultValueSerde: Serde<unknown> | undefined;
}

export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
}

/** Builds a store per task; `Stores` provides the in-memory ones. */
export interface StoreBuilder<S extends StateStore> {
  readonly name: string;
  build(): S;
}
