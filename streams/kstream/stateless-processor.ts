import type { ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { Record } from '../processor/record.js';

/** A processor without state: each record is handed to `step` with the forward function. */
export function stateless<KIn, VIn, KOut, VOut>(
  step: (record: Record<KIn, VIn>, forward: (record: Record<KOut, VOut>, childName?: string) => void) => void,
): ProcessorSupplier<KIn, VIn, KOut, VOut> {
  return () => {
    let context: ProcessorContext<KOut, VOut> | undefined;
    return {
      init: (c) => {
        context = c;
      },
      process: (record) => step(record, (out, childName) => context!.forward(out, childName)),
    };
  };
}
