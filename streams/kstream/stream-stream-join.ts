import type { ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import { Record } from '../processor/record.js';
import type { StateStore } from '../state/state-store.js';
import type { WindowStore } from '../state/window-store.js';
import { Stores } from '../state/stores.js';
import type { Serde } from '../serdes.js';
import type { JoinWindows } from './join-windows.js';
import type { KStream } from './kstream.js';
import { stateless } from './stateless-processor.js';

/**
 * Kafka's KStreamJoinWindow: keeps each record of one side, by key and
 * timestamp, in that side's join store (duplicates kept; records past the
 * store's retention are not kept), and passes it on to the join.
 */
function joinWindowProcessor<K, V>(storeName: string): ProcessorSupplier<K, V, K, V> {
  return () => {
    let context: ProcessorContext<K, V>;
    let store: WindowStore<K, V>;
    return {
      init: (c) => {
        context = c;
        store = c.getStateStore(storeName);
      },
      process: (record) => {
        if (record.key !== null && record.key !== undefined && record.value !== null && record.value !== undefined) store.put(record.key, record.value, record.timestamp);
        context.forward(record);
      },
    };
  };
}

/** The stream time both sides of one task's join share: the largest timestamp either side has seen. */
interface SharedTime {
  streamTimeMs: number;
}

/** For left and outer joins: where each side's records wait, unjoined, until their window closes. */
interface OuterBuffers {
  readonly thisStore: string | undefined;
  readonly otherStore: string | undefined;
  /** Keyed by a buffer store instance both sides of a task use, so each task (and each run) has its own. */
  readonly times: WeakMap<StateStore, SharedTime>;
  readonly timeStore: string;
}

/**
 * Kafka's KStreamKStreamJoin: a record joins every record of the other
 * side's store with its key and a timestamp in its window, in timestamp
 * order, each result stamped with the later of the two times. Null keys and
 * values are dropped and counted. In a left/outer join, a record of an outer
 * side that joins nothing waits in its buffer until stream time passes its
 * window's end plus the grace, and is then emitted joined with null, with
 * its own timestamp (a record whose window has already ended is emitted at
 * once); a later match removes it from the buffer. Expired records are
 * emitted, in timestamp order, when a record advances stream time, before
 * that record is joined.
 */
function streamStreamJoinProcessor<K, V, VO, VR>(
  otherStoreName: string,
  windows: JoinWindows,
  joiner: (value: V | null, otherValue: VO | null, key: K) => VR,
  outer: OuterBuffers | undefined,
): ProcessorSupplier<K, V, K, VR> {
  return () => {
    let context: ProcessorContext<K, VR>;
    let other: WindowStore<K, VO>;
    let thisBuffer: WindowStore<K, V> | undefined;
    let otherBuffer: WindowStore<K, VO> | undefined;
    let time: SharedTime = { streamTimeMs: -1 };
    const emitExpired = () => {
      const expired = (buffer: WindowStore<K, unknown> | undefined, lookBackMs: number) =>
        (buffer?.all() ?? []).filter((e) => e.key.window.startMs < time.streamTimeMs - lookBackMs - windows.graceMs);
      const unjoined = [
        ...expired(thisBuffer, windows.afterMs).map((e) => ({ ...e, thisSide: true })),
        ...expired(otherBuffer, windows.beforeMs).map((e) => ({ ...e, thisSide: false })),
      ].sort((a, b) => a.key.window.startMs - b.key.window.startMs);
      for (const { key, value, thisSide } of unjoined) {
        const { key: k, window } = key;
        (thisSide ? thisBuffer : otherBuffer)!.put(k, null, window.startMs);
        const result = thisSide ? joiner(value as V, null, k) : joiner(null, value as VO, k);
        context.forward(new Record(k, result, window.startMs));
      }
    };
    return {
      init: (c) => {
        context = c;
        other = c.getStateStore(otherStoreName);
        if (outer === undefined) return;
        const timeKey = c.getStateStore(outer.timeStore);
        time = outer.times.get(timeKey) ?? time;
        outer.times.set(timeKey, time);
        if (outer.thisStore !== undefined) thisBuffer = c.getStateStore<WindowStore<K, V>>(outer.thisStore);
        if (outer.otherStore !== undefined) otherBuffer = c.getStateStore<WindowStore<K, VO>>(outer.otherStore);
      },
      process: (record) => {
        if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) {
          context.recordDropped();
          return;
        }
        const from = Math.max(0, record.timestamp - windows.beforeMs);
        const to = Math.max(0, record.timestamp + windows.afterMs);
        if (record.timestamp > time.streamTimeMs) {
          time.streamTimeMs = record.timestamp;
          emitExpired();
        }
        const matches = other.fetchRange(record.key, from, to);
        for (const match of matches) {
          otherBuffer?.put(record.key, null, match.key);
          context.forward(record.withValue(joiner(record.value, match.value, record.key)).withTimestamp(Math.max(record.timestamp, match.key)));
        }
        if (matches.length > 0 || thisBuffer === undefined) return;
        if (to < time.streamTimeMs) context.forward(record.withValue(joiner(record.value, null, record.key)));
        else thisBuffer.put(record.key, record.value, record.timestamp);
      },
    };
  };
}

function joinStore<K, V>(name: string, windows: JoinWindows, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined, retainDuplicates: boolean) {
  // Kafka's join stores: retention before + after + grace, window size before + after, duplicates kept;
  // a record waits in a buffer at most that long too.
  return Stores.windowStoreBuilder(Stores.inMemoryWindowStore(name, windows.sizeMs + windows.graceMs, windows.sizeMs, retainDuplicates), keySerde, valueSerde);
}

export type StreamJoinKind = 'inner' | 'left' | 'outer';

/**
 * Kafka's KStreamImplJoin: each side goes through a KSTREAM-WINDOWED
 * processor into its store, then a join processor reads the other side's
 * store (KSTREAM-JOINTHIS, or KSTREAM-OUTERTHIS when this side's records may
 * go unjoined in an outer join; KSTREAM-JOINOTHER, or KSTREAM-OUTEROTHER
 * in left and outer joins); both feed a KSTREAM-MERGE processor, the joined
 * stream. The join stores are named after the join processors
 * (`<name>-store`), as Kafka names them. Unjoined records wait in a buffer
 * store per outer side, `<name>-unjoined-store` (Kafka keeps one shared store).
 */
export function streamStreamJoin<K, V, VO, VR>(
  thisStream: KStream<K, V>,
  otherStream: KStream<K, VO>,
  joiner: (value: V | null, otherValue: VO | null, key: K) => VR,
  windows: JoinWindows,
  kind: StreamJoinKind,
): string {
  const builder = thisStream.builder;
  const topology = builder.topology;
  const thisOuter = kind !== 'inner';
  const otherOuter = kind === 'outer';
  const thisWindowed = builder.newProcessorName('KSTREAM-WINDOWED-');
  const otherWindowed = builder.newProcessorName('KSTREAM-WINDOWED-');
  const joinThis = builder.newProcessorName(otherOuter ? 'KSTREAM-OUTERTHIS-' : 'KSTREAM-JOINTHIS-');
  const joinOther = builder.newProcessorName(thisOuter ? 'KSTREAM-OUTEROTHER-' : 'KSTREAM-JOINOTHER-');
  const merge = builder.newProcessorName('KSTREAM-MERGE-');
  const thisStore = `${joinThis}-store`;
  const otherStore = `${joinOther}-store`;
  const thisBuffer = thisOuter ? `${joinThis}-unjoined-store` : undefined;
  const otherBuffer = otherOuter ? `${joinOther}-unjoined-store` : undefined;
  const shared = { times: new WeakMap<StateStore, SharedTime>(), timeStore: thisBuffer! };
  const outer = kind === 'inner' ? undefined : { thisStore: thisBuffer, otherStore: otherBuffer, ...shared };
  const otherFrame = outer && { thisStore: otherBuffer, otherStore: thisBuffer, ...shared };
  const otherKeySerde = otherStream.keySerde ?? thisStream.keySerde;
  topology.addProcessor(thisWindowed, joinWindowProcessor<K, V>(thisStore), thisStream.name);
  topology.addProcessor(otherWindowed, joinWindowProcessor<K, VO>(otherStore), otherStream.name);
  topology.addProcessor(joinThis, streamStreamJoinProcessor(otherStore, windows, joiner, outer), thisWindowed);
  topology.addProcessor(joinOther, streamStreamJoinProcessor<K, VO, V, VR>(thisStore, windows.reverse(), (o, v, k) => joiner(v, o, k), otherFrame), otherWindowed);
  topology.addProcessor(merge, stateless<K, VR, K, VR>((r, forward) => forward(r)), joinThis, joinOther);
  topology.addStateStore(joinStore(thisStore, windows, thisStream.keySerde, thisStream.valueSerde, true), thisWindowed, joinOther);
  topology.addStateStore(joinStore(otherStore, windows, otherKeySerde, otherStream.valueSerde, true), otherWindowed, joinThis);
  if (thisBuffer !== undefined) topology.addStateStore(joinStore(thisBuffer, windows, thisStream.keySerde, thisStream.valueSerde, false), joinThis, joinOther);
  if (otherBuffer !== undefined) topology.addStateStore(joinStore(otherBuffer, windows, otherKeySerde, otherStream.valueSerde, false), joinThis, joinOther);
  return merge;
}
