import type { ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { Change } from './change.js';
import type { ValueGetterSupplier } from './table-value-getter.js';

/** Kafka's ValueJoiner(WithKey): the left value, the right value (null when absent in a left/outer join) and the key. */
export type ValueJoiner<K, V1, V2, VR> = (value1: V1, value2: V2, key: K) => VR;

function isNull(x: unknown): x is null | undefined {
  return x === null || x === undefined;
}

/**
 * Kafka's KStreamKTableJoinProcessor: each stream record looks up the
 * table's current value of its key and is joined with it, keeping the stream
 * record's timestamp; table updates emit nothing. A null value is dropped
 * (and counted); so is a null key, except in a left join, which joins it with
 * null (KIP-962). An inner join emits nothing when the table has no value.
 */
export function streamTableJoinProcessor<K, V, VT, VR>(
  table: ValueGetterSupplier<K, VT>,
  joiner: ValueJoiner<K, V, VT | null, VR>,
  leftJoin: boolean,
): ProcessorSupplier<K, V, K, VR> {
  return () => {
    let context: ProcessorContext<K, VR>;
    let get: (key: K) => { value: VT } | undefined;
    return {
      init: (c) => {
        context = c;
        get = table.get(c as ProcessorContext<unknown, unknown>);
      },
      process: (record) => {
        if (isNull(record.value) || (isNull(record.key) && !leftJoin)) {
          context.recordDropped();
          return;
        }
        const other = isNull(record.key) ? undefined : get(record.key);
        if (other === undefined && !leftJoin) return;
        context.forward(record.withValue(joiner(record.value, other?.value ?? null, record.key)));
      },
    };
  };
}

export type TableJoinKind = 'inner' | 'left' | 'outer';

/**
 * One side of a KTable-KTable join (Kafka's KTableKTable{Inner,Left,Right,Outer}Join
 * processors): an update of this side is joined with the other side's current
 * value and stamped with the larger of the two timestamps. `thisOptional`
 * says whether a result may lack this side's value (the right side of a left
 * join, both sides of an outer one), `otherOptional` the same of the other
 * side. The joiner takes this side's value first; the right side's processor
 * gets a swapped one. Old values are joined too when the change carries one.
 */
export function tableTableJoinProcessor<K, V, VO, VR>(
  other: ValueGetterSupplier<K, VO>,
  joiner: (thisValue: V | null, otherValue: VO | null, key: K) => VR,
  thisOptional: boolean,
  otherOptional: boolean,
): ProcessorSupplier<K, Change<V>, K, Change<VR>> {
  return () => {
    let context: ProcessorContext<K, Change<VR>>;
    let get: (key: K) => { value: VO; timestamp: number } | undefined;
    return {
      init: (c) => {
        context = c;
        get = other.get(c as ProcessorContext<unknown, unknown>);
      },
      process: (record) => {
        if (isNull(record.key)) {
          context.recordDropped();
          return;
        }
        const found = get(record.key);
        // Without the other side only an optional-other join can emit, and only for a real change of this side.
        if (found === undefined && (!otherOptional || (record.value.newValue === null && record.value.oldValue === null))) return;
        const otherValue = found?.value ?? null;
        const join = (value: V | null): VR | null => (value !== null || (thisOptional && otherValue !== null) ? joiner(value, otherValue, record.key) : null);
        const timestamp = Math.max(record.timestamp, found?.timestamp ?? record.timestamp);
        context.forward(record.withValue({ newValue: join(record.value.newValue), oldValue: join(record.value.oldValue) }).withTimestamp(timestamp));
      },
    };
  };
}
