import type { ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { WindowStore } from '../state/window-store.js';
import { Stores } from '../state/stores.js';
import type { Serde } from '../serdes.js';
import type { ValueJoiner } from './join-processors.js';
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

/**
 * Kafka's KStreamKStreamJoin, inner: a record joins every record of the
 * other side's store with its key and a timestamp in its window, in
 * timestamp order, each result stamped with the later of the two times.
 * Null keys and values are dropped and counted.
 */
function streamStreamJoinProcessor<K, V, VO, VR>(otherStoreName: string, windows: JoinWindows, joiner: ValueJoiner<K, V, VO, VR>): ProcessorSupplier<K, V, K, VR> {
  return () => {
    let context: ProcessorContext<K, VR>;
    let other: WindowStore<K, VO>;
    return {
      init: (c) => {
        context = c;
        other = c.getStateStore(otherStoreName);
      },
      process: (record) => {
        if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) {
          context.recordDropped();
          return;
        }
        const from = Math.max(0, record.timestamp - windows.beforeMs);
        const to = Math.max(0, record.timestamp + windows.afterMs);
        for (const match of other.fetchRange(record.key, from, to)) {
          context.forward(record.withValue(joiner(record.value, match.value, record.key)).withTimestamp(Math.max(record.timestamp, match.key)));
        }
      },
    };
  };
}

function joinStore<K, V>(name: string, windows: JoinWindows, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined) {
  // Kafka's join stores: retention before + after + grace, window size before + after, duplicates kept.
  return Stores.windowStoreBuilder(Stores.inMemoryWindowStore(name, windows.sizeMs + windows.graceMs, windows.sizeMs, true), keySerde, valueSerde);
}

/**
 * Kafka's KStreamImplJoin for the inner join: each side goes through a
 * KSTREAM-WINDOWED processor into its store, then a KSTREAM-JOINTHIS /
 * KSTREAM-JOINOTHER processor reads the other side's store; both feed a
 * KSTREAM-MERGE processor, the joined stream. Stores are named after the
 * join processors (`<KSTREAM-JOINTHIS-n>-store`), as Kafka names them.
 */
export function streamStreamJoin<K, V, VO, VR>(thisStream: KStream<K, V>, otherStream: KStream<K, VO>, joiner: ValueJoiner<K, V, VO, VR>, windows: JoinWindows): string {
  const builder = thisStream.builder;
  const topology = builder.topology;
  const thisWindowed = builder.newProcessorName('KSTREAM-WINDOWED-');
  const otherWindowed = builder.newProcessorName('KSTREAM-WINDOWED-');
  const joinThis = builder.newProcessorName('KSTREAM-JOINTHIS-');
  const joinOther = builder.newProcessorName('KSTREAM-JOINOTHER-');
  const merge = builder.newProcessorName('KSTREAM-MERGE-');
  const thisStore = `${joinThis}-store`;
  const otherStore = `${joinOther}-store`;
  topology.addProcessor(thisWindowed, joinWindowProcessor<K, V>(thisStore), thisStream.name);
  topology.addProcessor(otherWindowed, joinWindowProcessor<K, VO>(otherStore), otherStream.name);
  topology.addProcessor(joinThis, streamStreamJoinProcessor(otherStore, windows, joiner), thisWindowed);
  topology.addProcessor(joinOther, streamStreamJoinProcessor<K, VO, V, VR>(thisStore, windows.reverse(), (o, v, k) => joiner(v, o, k)), otherWindowed);
  topology.addProcessor(merge, stateless<K, VR, K, VR>((r, forward) => forward(r)), joinThis, joinOther);
  topology.addStateStore(joinStore(thisStore, windows, thisStream.keySerde, thisStream.valueSerde), thisWindowed, joinOther);
  topology.addStateStore(joinStore(otherStore, windows, otherStream.keySerde ?? thisStream.keySerde, otherStream.valueSerde), otherWindowed, joinThis);
  return merge;
}
