import { kcatConsume, kcatProduce } from './kcat.js';
import { startNullBroker } from './null-broker-process.js';

export interface NullBrokerCeilings {
  /** kcat -P of 1 KiB records on 6 partitions, acks=1, into a broker that discards them. */
  nullBrokerProduceMBps: number;
  /** kcat -C -e of 1 KiB records on 6 partitions from a broker serving one batch from memory. */
  nullBrokerConsumeMBps: number;
}

const PARTITIONS = 6;
const RECORD_BYTES = 1024;

/**
 * What kcat itself does on this machine against a broker that costs nothing: the
 * ceiling the same kcat commands against Freshet are a fraction of (the client
 * and the broker share the cores).
 */
export async function measureNullBroker(recordFile: string, count: number): Promise<NullBrokerCeilings> {
  const broker = await startNullBroker({ partitions: PARTITIONS, recordsPerPartition: Math.ceil(count / PARTITIONS), recordBytes: RECORD_BYTES });
  try {
    const produce = await kcatProduce({ bootstrap: broker.bootstrap, topic: 'null', file: recordFile, acks: '1', compression: 'none', count });
    const expected = broker.recordsPerPartition * PARTITIONS;
    const consume = await kcatConsume({ bootstrap: broker.bootstrap, topic: 'null', expected });
    if (consume.records !== expected) throw new Error(`read ${consume.records} of the null broker's ${expected} records`);
    return {
      nullBrokerProduceMBps: (count * RECORD_BYTES) / produce.seconds / 1e6,
      nullBrokerConsumeMBps: (consume.records * RECORD_BYTES) / consume.seconds / 1e6,
    };
  } finally {
    await broker.stop();
  }
}
