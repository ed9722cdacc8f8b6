import type { Serde } from '../serdes.js';
import type { Windowed } from '../state/windowed.js';

/**
 * Kafka's TimeWindowedSerde: the inner key bytes followed by the window start
 * as an 8-byte big-endian long; the end is start + window size on reading.
 */
export const WindowedSerdes = {
  timeWindowedSerdeFrom: <K>(inner: Serde<K>, windowSizeMs: number): Serde<Windowed<K>> => ({
    serialize: (topic, data) => {
      if (data === null) return null;
      const key = inner.serialize(topic, data.key) ?? Buffer.alloc(0);
      const bytes = Buffer.alloc(key.length + 8);
      key.copy(bytes);
      bytes.writeBigInt64BE(BigInt(data.window.startMs), key.length);
      return bytes;
    },
    deserialize: (topic, bytes) => {
      if (bytes === null) return null;
      if (bytes.length < 8) throw new RangeError(`a windowed key needs at least 8 bytes, got ${bytes.length}`);
      const startMs = Number(bytes.readBigInt64BE(bytes.length - 8));
      return { key: inner.deserialize(topic, bytes.subarray(0, bytes.length - 8)) as K, window: { startMs, endMs: startMs + windowSizeMs } };
    },
  }),
} as const;
