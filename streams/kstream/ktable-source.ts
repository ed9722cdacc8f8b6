import type { ProcessorSupplier } from '../processor/processor.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js';
import type { Change } from './change.js';
import { keyedStoreProcessor } from './keyed-store-processor.js';

/**
 * Kafka's KTableSource: each topic record is the new value of its key (a
 * null value deletes it), kept in the table's store with the record's
 * timestamp and forwarded with the value it replaces. Null keys are dropped
 * and counted.
 */
export function tableSourceProcessor<K, V>(storeName: string): ProcessorSupplier<K, V | null, K, Change<V>> {
  return keyedStoreProcessor<K, V | null, KeyValueStore<K, ValueAndTimestamp<V>>, K, Change<V>>(storeName, (record, store, context) => {
    const newValue = record.value ?? null;
    const old = store.get(record.key);
    store.put(record.key, newValue === null ? null : { value: newValue, timestamp: record.timestamp });
    context.forward(record.withValue({ newValue, oldValue: old?.value ?? null }));
  });
}
