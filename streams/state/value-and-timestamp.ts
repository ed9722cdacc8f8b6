import type { Serde } from '../serdes.js';
import type { ValueSerdeWrapper } from './typed-serdes.js';

/** An aggregate with the timestamp of the newest record in it (Kafka's ValueAndTimestamp). */
export interface ValueAndTimestamp<V> {
  readonly value: V;
  readonly timestamp: number;
}

/** Kafka's timestamped-store layout: an 8-byte big-endian timestamp, then the value bytes. */
export function valueAndTimestampSerde<V>(inner: Serde<V>): Serde<ValueAndTimestamp<V>> {
  return {
    serialize: (topic, data) => {
      if (data === null) return null;
      const value = inner.serialize(topic, data.value);
      if (value === null) return null;
      const bytes = Buffer.alloc(8 + value.length);
      bytes.writeBigInt64BE(BigInt(data.timestamp));
      value.copy(bytes, 8);
      return bytes;
    },
    deserialize: (topic, bytes) => {
      if (bytes === null) return null;
      if (bytes.length < 8) throw new RangeError(`a timestamped value needs at least 8 bytes, got ${bytes.length}`);
      return { timestamp: Number(bytes.readBigInt64BE(0)), value: inner.deserialize(topic, bytes.subarray(8)) as V };
    },
  };
}

export function timestampedValues<V>(inner: Serde<V> | undefined): ValueSerdeWrapper<ValueAndTimestamp<V>> {
  return Object.assign((resolved: Serde<unknown>) => valueAndTimestampSerde(resolved as Serde<V>), { inner: inner as Serde<unknown> | undefined });
}
