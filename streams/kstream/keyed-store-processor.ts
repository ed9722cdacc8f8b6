import type { ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { Record } from '../processor/record.js';
import type { StateStore } from '../state/state-store.js';

/**
 * A processor over one state store that, as Kafka's KTable and aggregation
 * processors do, drops (and counts) records with a null key before `step`.
 */
export function keyedStoreProcessor<K, V, S extends StateStore, KOut, VOut>(
  storeName: string,
  step: (record: Record<K, V>, store: S, context: ProcessorContext<KOut, VOut>) => void,
): ProcessorSupplier<K, V, KOut, VOut> {
  return () => {
    let context: ProcessorContext<KOut, VOut>;
    let store: S;
    return {
      init: (c) => {
        context = c;
        store = c.getStateStore(storeName);
      },
      process: (record) => {
        if (record.key === null || record.key === undefined) context.recordDropped();
        else step(record, store, context);
      },
    };
  };
}
