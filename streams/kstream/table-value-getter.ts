import type { ProcessorContext } from '../processor/processor.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js';

/** Reads a table's current value of a key, with the timestamp it was stamped with. */
export type ValueGetter<K, V> = (key: K) => ValueAndTimestamp<V> | undefined;

/**
 * How a join reads the other side's current values (Kafka's
 * KTableValueGetterSupplier): from the stores named here, which the joining
 * processor is connected to.
 */
export interface ValueGetterSupplier<K, V> {
  readonly storeNames: readonly string[];
  get(context: ProcessorContext<unknown, unknown>): ValueGetter<K, V>;
}

/** The getter of a table materialized in a timestamped key-value store. */
export function storeValueGetter<K, V>(storeName: string): ValueGetterSupplier<K, V> {
  return {
    storeNames: [storeName],
    get: (context) => {
      const store = context.getStateStore<KeyValueStore<K, ValueAndTimestamp<V>>>(storeName);
      return (key) => store.get(key);
    },
  };
}

/** The getter of a table derived without a store (filter, mapValues): the parent's value, computed again. */
export function derivedValueGetter<K, V, V2>(parent: ValueGetterSupplier<K, V>, compute: (key: K, value: V) => V2 | null): ValueGetterSupplier<K, V2> {
  return {
    storeNames: parent.storeNames,
    get: (context) => {
      const get = parent.get(context);
      return (key) => {
        const current = get(key);
        if (current === undefined) return undefined;
        const value = compute(key, current.value);
        return value === null ? undefined : { value, timestamp: current.timestamp };
      };
    },
  };
}
