// Serializer/deserializer pairs with Kafka's wire formats, so Java and
// TypeScript applications read each other's topics: Long is an 8-byte
// big-endian int64, Integer 4 bytes, Double an IEEE-754 double, String UTF-8.
export interface Serde<T> {
  serialize(topic: string, data: T | null): Buffer | null;
  deserialize(topic: string, bytes: Buffer | null): T | null;
}

function serde<T>(write: (data: T) => Buffer, read: (bytes: Buffer) => T): Serde<T> {
  return {
    serialize: (_topic, data) => (data === null || data === undefined ? null : write(data)),
    deserialize: (_topic, bytes) => (bytes === null || bytes === undefined ? null : read(bytes)),
  };
}

function fixedWidthSerde<T>(width: number, name: string, write: (b: Buffer, data: T) => void, read: (b: Buffer) => T): Serde<T> {
  return serde(
    (data) => {
      const b = Buffer.alloc(width);
      write(b, data);
      return b;
    },
    (b) => {
      if (b.length !== width) throw new RangeError(`${name} serde expects ${width} bytes, got ${b.length}`);
      return read(b);
    },
  );
}

export const Serdes = {
  String: (): Serde<string> =>
    serde(
      (s) => Buffer.from(s, 'utf8'),
      (b) => b.toString('utf8'),
    ),
  /** JSON text in UTF-8 (what Kafka users get from a JSON serde). */
  JSON: <T>(): Serde<T> =>
    serde(
      (v: T) => Buffer.from(JSON.stringify(v), 'utf8'),
      (b) => JSON.parse(b.toString('utf8')) as T,
    ),
  Bytes: (): Serde<Buffer> =>
    serde(
      (b) => b,
      (b) => b,
    ),
  /** Kafka's LongSerde; values outside Number's safe integers are refused rather than rounded. */
  Long: (): Serde<number> =>
    fixedWidthSerde(
      8,
      'Long',
      (b, n) => {
        if (!Number.isSafeInteger(n)) throw new RangeError(`Long serde needs a safe integer, got ${n}`);
        b.writeBigInt64BE(BigInt(n));
      },
      (b) => {
        const n = b.readBigInt64BE();
        if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new RangeError(`Long ${n} is outside Number's safe integers`);
        }
        return Number(n);
      },
    ),
  Integer: (): Serde<number> => fixedWidthSerde(4, 'Integer', (b, n) => b.writeInt32BE(n), (b) => b.readInt32BE()),
  Double: (): Serde<number> => fixedWidthSerde(8, 'Double', (b, n) => b.writeDoubleBE(n), (b) => b.readDoubleBE()),
} as const;

// default.key.serde / default.value.serde accept a Serde or Kafka's class names.
const byClassName = new Map<string, () => Serde<unknown>>([
  ['org.apache.kafka.common.serialization.Serdes$StringSerde', Serdes.String as () => Serde<unknown>],
  ['org.apache.kafka.common.serialization.Serdes$ByteArraySerde', Serdes.Bytes as () => Serde<unknown>],
  ['org.apache.kafka.common.serialization.Serdes$BytesSerde', Serdes.Bytes as () => Serde<unknown>],
  ['org.apache.kafka.common.serialization.Serdes$LongSerde', Serdes.Long as () => Serde<unknown>],
  ['org.apache.kafka.common.serialization.Serdes$IntegerSerde', Serdes.Integer as () => Serde<unknown>],
  ['org.apache.kafka.common.serialization.Serdes$DoubleSerde', Serdes.Double as () => Serde<unknown>],
  ['json', Serdes.JSON],
]);

export function resolveSerde(config: unknown, key: string): Serde<unknown> | undefined {
  if (config === undefined || config === null) return undefined;
  if (typeof config === 'string') {
    const make = byClassName.get(config);
    if (make === undefined) throw new Error(`${key}: unknown serde ${config}`);
    return make();
  }
  const candidate = config as Partial<Serde<unknown>>;
  if (typeof candidate.serialize !== 'function' || typeof candidate.deserialize !== 'function') {
    throw new Error(`${key}: expected a Serde or a serde class name`);
  }
  return candidate as Serde<unknown>;
}
