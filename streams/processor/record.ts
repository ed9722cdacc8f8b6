// One record flowing through a topology (Kafka Streams' processor.api.Record):
// immutable, so a processor derives a new one with the with* methods.
export type Headers = ReadonlyArray<{ readonly key: string; readonly value: Buffer | null }>;

export class Record<K, V> {
  constructor(
    readonly key: K,
    readonly value: V,
    readonly timestamp: number,
    readonly headers: Headers = [],
  ) {
    if (timestamp < 0) throw new RangeError(`timestamp must not be negative: ${timestamp}`);
  }

  withKey<NK>(key: NK): Record<NK, V> {
    return new Record(key, this.value, this.timestamp, this.headers);
  }

  withValue<NV>(value: NV): Record<K, NV> {
    return new Record(this.key, value, this.timestamp, this.headers);
  }

  withTimestamp(timestamp: number): Record<K, V> {
    return new Record(this.key, this.value, timestamp, this.headers);
  }

  withHeaders(headers: Headers): Record<K, V> {
    return new Record(this.key, this.value, this.timestamp, headers);
  }
}
