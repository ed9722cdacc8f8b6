import type { RecordHeader } from '../core/protocol/records/kafka-record.js';

/** Turns a key or value into bytes (Java's Serializer); null stays null (a tombstone value, a null key). */
export interface Serializer<T> {
  serialize(topic: string, data: T, headers: RecordHeader[]): Buffer | null;
}

/** The inverse of a Serializer (Java's Deserializer); the consumer uses it. */
export interface Deserializer<T> {
  deserialize(topic: string, data: Buffer | null, headers: readonly RecordHeader[]): T;
}

/** Bytes as given; a string is taken as UTF-8 so quick scripts need no serializer. The default. */
export const bytesSerializer: Serializer<Buffer | Uint8Array | string | null | undefined> = {
  serialize: (_topic, data) =>
    data === null || data === undefined ? null : typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
};

export const stringSerializer: Serializer<string | null | undefined> = {
  serialize: (_topic, data) => (data === null || data === undefined ? null : Buffer.from(data, 'utf8')),
};

/** JSON.stringify as UTF-8; null and undefined stay a null record field. */
export const jsonSerializer: Serializer<unknown> = {
  serialize: (_topic, data) => (data === null || data === undefined ? null : Buffer.from(JSON.stringify(data), 'utf8')),
};

export const bytesDeserializer: Deserializer<Buffer | null> = { deserialize: (_topic, data) => data };

export const stringDeserializer: Deserializer<string | null> = { deserialize: (_topic, data) => (data === null ? null : data.toString('utf8')) };

export const jsonDeserializer: Deserializer<unknown> = {
  deserialize: (_topic, data) => (data === null ? null : (JSON.parse(data.toString('utf8')) as unknown)),
};

const hasMethod =
  <T>(method: string) =>
  (raw: unknown): raw is T =>
    typeof raw === 'object' && raw !== null && typeof (raw as Record<string, unknown>)[method] === 'function';
export const isSerializer = hasMethod<Serializer<never>>('serialize');
export const isDeserializer = hasMethod<Deserializer<never>>('deserialize');

const javaSerialization = 'org.apache.kafka.common.serialization.';

/** The names a (de)serializer setting may hold in a properties file: Java's class names and short ones. */
function named<T>(suffix: 'Serializer' | 'Deserializer', bytes: T, string: T, json: T): Readonly<Record<string, T>> {
  return {
    [`${javaSerialization}ByteArray${suffix}`]: bytes,
    [`${javaSerialization}Bytes${suffix}`]: bytes,
    [`${javaSerialization}String${suffix}`]: string,
    bytes,
    string,
    json,
  };
}

export const namedSerializers: Readonly<Record<string, Serializer<never>>> = named<Serializer<never>>('Serializer', bytesSerializer, stringSerializer, jsonSerializer);

export const namedDeserializers: Readonly<Record<string, Deserializer<unknown>>> = named<Deserializer<unknown>>('Deserializer', bytesDeserializer, stringDeserializer, jsonDeserializer);
