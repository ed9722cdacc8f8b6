import type { ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js';
import type { WindowStore } from '../state/window-store.js';
import type { Windowed } from '../state/windowed.js';
import type { Change } from './change.js';
import { keyedStoreProcessor } from './keyed-store-processor.js';
import type { TimeWindows } from './time-windows.js';

/** Folds a value into an aggregate; undefined `old` means the key has none yet. */
export type Fold<K, V, VA> = (key: K, value: V, old: VA | undefined) => VA;

/**
 * Kafka's KStreamAggregate/KStreamReduce: records with a null key or value
 * are dropped (and counted); the new aggregate is stored with the newest
 * timestamp seen for the key and forwarded as a change.
 */
export function aggregateProcessor<K, V, VA>(storeName: string, fold: Fold<K, V, VA>): ProcessorSupplier<K, V, K, Change<VA>> {
  return keyedStoreProcessor<K, V, KeyValueStore<K, ValueAndTimestamp<VA>>, K, Change<VA>>(storeName, (record, store, context) => {
    if (record.value === null || record.value === undefined) {
      context.recordDropped();
      return;
    }
    const old = store.get(record.key);
    const newValue = fold(record.key, record.value, old?.value);
    const timestamp = old === undefined ? record.timestamp : Math.max(record.timestamp, old.timestamp);
    store.put(record.key, { value: newValue, timestamp });
    context.forward(record.withValue({ newValue, oldValue: old?.value ?? null }).withTimestamp(timestamp));
  });
}

/**
 * Kafka's KStreamWindowAggregate: stream time is the largest timestamp this
 * processor has seen; a window accepts records while its end is after
 * stream time minus the grace period, otherwise the record is dropped for
 * that window (and counted once per expired window, as Kafka does).
 */
export function windowAggregateProcessor<K, V, VA>(
  storeName: string,
  windows: TimeWindows,
  fold: Fold<K, V, VA>,
): ProcessorSupplier<K, V, Windowed<K>, Change<VA>> {
  return () => {
    let context: ProcessorContext<Windowed<K>, Change<VA>>;
    let store: WindowStore<K, ValueAndTimestamp<VA>>;
    let observedStreamTimeMs = -1;
    return {
      init: (c) => {
        context = c;
        store = c.getStateStore(storeName);
      },
      process: (record) => {
        if (record.key === null || record.key === undefined) {
          context.recordDropped();
          return;
        }
        observedStreamTimeMs = Math.max(observedStreamTimeMs, record.timestamp);
        const closeTimeMs = observedStreamTimeMs - windows.graceMs;
        for (const window of windows.windowsFor(record.timestamp)) {
          if (window.endMs <= closeTimeMs) {
            context.recordDropped();
            continue;
          }
          const old = store.fetch(record.key, window.startMs);
          const newValue = fold(record.key, record.value, old?.value);
          const timestamp = old === undefined ? record.timestamp : Math.max(record.timestamp, old.timestamp);
          store.put(record.key, { value: newValue, timestamp }, window.startMs);
          context.forward(record.withKey({ key: record.key, window }).withValue({ newValue, oldValue: old?.value ?? null }).withTimestamp(timestamp));
        }
      },
    };
  };
}
