import type { Serde } from '../serdes.js';
import type { StateStoreContext } from './state-store.js';

export function serdeOrDefault<T>(serde: Serde<T> | undefined, fallback: Serde<unknown> | undefined, what: string): Serde<T> {
  const resolved = serde ?? (fallback as Serde<T> | undefined);
  if (resolved === undefined) throw new Error(`${what}: no serde given and no default configured`);
  return resolved;
}

export function storeSerdes<K, V>(
  name: string,
  context: StateStoreContext,
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
  wrapValue: ValueSerdeWrapper<V> | undefined,
): { key: Serde<K>; value: Serde<V> } {
  const key = serdeOrDefault(keySerde, context.defaultKeySerde, `store ${name} key`);
  if (wrapValue === undefined) return { key, value: serdeOrDefault(valueSerde, context.defaultValueSerde, `store ${name} value`) };
  return { key, value: wrapValue(serdeOrDefault(wrapValue.inner, context.defaultValueSerde, `store ${name} value`)) };
}

/**
 * Wraps the resolved inner value serde (the user's, or default.value.serde)
 * for stores whose bytes carry more than the value, such as timestamped stores.
 */
export interface ValueSerdeWrapper<V> {
  (inner: Serde<unknown>): Serde<V>;
  readonly inner: Serde<unknown> | undefined;
}

export function mustSerialize<T>(serde: Serde<T>, topic: string, data: T): Buffer {
  const bytes = serde.serialize(topic, data);
  if (bytes === null) throw new Error(`${topic}: a store key must not serialize to null`);
  return bytes;
}
