import { ConfigError } from '../client-error.js';
import { isPartitioner, type Partitioner } from '../producer/partitioner.js';
import { bytesSerializer, isSerializer, namedSerializers, type Serializer } from '../serialization.js';
import { commonClientConfigDefinitions } from './common-client-configs.js';
import {
  atLeast,
  between,
  booleanKey,
  classKey,
  either,
  intKey,
  longKey,
  oneOf,
  parseConfig,
  stringKey,
  type ConfigInput,
  type ConfigKey,
  type ConfigValues,
} from './config-definition.js';

/** `acks` as parsed: 'all' (also written -1), 0 or 1. */
export type Acks = 'all' | 0 | 1;

const acksKey: ConfigKey<Acks> = {
  type: 'string',
  required: false,
  defaultValue: 'all',
  doc: 'How many replicas must have the record before a send succeeds: all (the in-sync replicas; also -1), 1 (the leader), 0 (no answer is awaited).',
  validator: { check: () => undefined, describe: '[all, -1, 0, 1]' },
  parse: (raw) => {
    const text = String(raw).trim().toLowerCase();
    if (text === 'all' || text === '-1') return { value: 'all' };
    if (text === '0' || text === '1') return { value: Number(text) as 0 | 1 };
    return { reason: 'String must be one of: all, -1, 0, 1' };
  },
};

export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

const INT_MAX = 2147483647;

/**
 * The producer's keys (Kafka 4's ProducerConfig) on top of the common ones.
 * `key.serializer`/`value.serializer` default to bytes here (Java requires
 * them); a Serializer object types the producer's records (generics).
 */
export const producerConfigDefinitions = {
  ...commonClientConfigDefinitions,
  acks: acksKey,
  'batch.size': intKey(16_384, { doc: 'The most bytes of records batched for one partition before the batch is sent; 0 turns batching off.', validator: atLeast(0) }),
  'linger.ms': longKey(5, { doc: 'How long a partition\'s batch waits for more records before it is sent (when not full).', validator: atLeast(0) }),
  'buffer.memory': longKey(33_554_432, { doc: 'The most bytes of records waiting to be sent; send() blocks up to max.block.ms for room.', validator: atLeast(0) }),
  'max.block.ms': longKey(60_000, { doc: 'How long send(), partitionsFor() and initTransactions() wait for metadata or buffer room before failing with a timeout.', validator: atLeast(0) }),
  'delivery.timeout.ms': intKey(120_000, {
    doc: 'The longest a record may take from send() to success or failure, retries included; at least linger.ms + request.timeout.ms.',
    validator: atLeast(0),
  }),
  retries: intKey(INT_MAX, { doc: 'How many times a failed batch is retried on a retriable error (within delivery.timeout.ms).', validator: between(0, INT_MAX) }),
  'max.in.flight.requests.per.connection': intKey(5, {
    doc: 'Unanswered Produce requests per broker connection; at most 5 with idempotence, which keeps order across retries.',
    validator: atLeast(1),
  }),
  'enable.idempotence': booleanKey(true, {
    doc: 'Each partition\'s records are written exactly once and in order despite retries (producer id and sequence numbers). Needs acks=all, retries > 0, max.in.flight ≤ 5; turned off silently when those are set otherwise and this key is not.',
  }),
  'compression.type': stringKey<CompressionType>('none', { doc: 'The codec for record batches.', validator: oneOf<CompressionType>('none', 'gzip', 'snappy', 'lz4', 'zstd') }),
  'compression.gzip.level': intKey(-1, { doc: 'gzip level; -1 is the codec\'s default (6).', validator: either([-1], between(1, 9)) }),
  'compression.lz4.level': intKey(9, { doc: 'lz4 level (accepted for compatibility: the lz4 codec used here has one level).', validator: between(1, 17) }),
  'compression.zstd.level': intKey(3, { doc: 'zstd level.', validator: between(-131_072, 22) }),
  'max.request.size': intKey(1_048_576, { doc: 'The largest Produce request (and so the largest record) this producer sends.', validator: atLeast(0) }),
  'partitioner.class': classKey<Partitioner | null>(null, {
    doc: 'A function choosing the partition of records that name none; null: the built-in one (murmur2 of the key, else sticky and adaptive, KIP-794).',
    named: {},
    accepts: (raw): raw is Partitioner | null => raw === null || isPartitioner(raw),
  }),
  'partitioner.ignore.keys': booleanKey(false, { doc: 'The built-in partitioner ignores keys and places every record as if it had none.' }),
  'partitioner.adaptive.partitioning.enable': booleanKey(true, { doc: 'The built-in partitioner sends more records to faster brokers (by their queue sizes).' }),
  'partitioner.availability.timeout.ms': longKey(0, { doc: 'A broker that has not taken a batch for this long gets no new null-key records; 0 turns this off.', validator: atLeast(0) }),
  'metadata.max.idle.ms': longKey(300_000, { doc: 'A topic not produced to for this long is dropped from the metadata the producer keeps.', validator: atLeast(5000) }),
  'transactional.id': stringKey<string | null>(null, { doc: 'Enables transactions; the same id fences older producers. Needs idempotence.' }),
  'transaction.timeout.ms': intKey(60_000, { doc: 'The coordinator aborts a transaction open longer than this.', validator: atLeast(1) }),
  'key.serializer': classKey<Serializer<never>>(bytesSerializer, { doc: 'Turns keys into bytes.', named: namedSerializers, accepts: isSerializer }),
  'value.serializer': classKey<Serializer<never>>(bytesSerializer, { doc: 'Turns values into bytes.', named: namedSerializers, accepts: isSerializer }),
} as const;

export type ProducerConfigDefinitions = typeof producerConfigDefinitions;
export type ProducerConfigInput = ConfigInput<ProducerConfigDefinitions>;
export type ProducerConfig = ConfigValues<ProducerConfigDefinitions>;

/**
 * Parses a producer configuration, then applies Kafka's rules between keys:
 * idempotence (explicitly on: acks=all, retries > 0, max.in.flight ≤ 5, else
 * an error; left at its default: turned off when they conflict), a
 * transactional.id needs idempotence, delivery.timeout.ms ≥ linger.ms +
 * request.timeout.ms (raised to that sum when not set, as Java does).
 */
export function parseProducerConfig(input: ProducerConfigInput | Readonly<Record<string, unknown>>): ProducerConfig {
  const values = parseConfig(producerConfigDefinitions, input);
  const given = (key: keyof ProducerConfigDefinitions): boolean => (input as Record<string, unknown>)[key] !== undefined;
  let idempotence = values['enable.idempotence'];
  const maxInFlight = values['max.in.flight.requests.per.connection'];
  const conflicts: [keyof ProducerConfigDefinitions, string][] = [];
  if (maxInFlight > 5) conflicts.push(['max.in.flight.requests.per.connection', 'Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.']);
  if (values.retries === 0) conflicts.push(['retries', 'Must set retries to non-zero when using the idempotent producer.']);
  if (values.acks !== 'all') conflicts.push(['acks', 'Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.']);
  const transactional = values['transactional.id'] !== null;
  if (idempotence && conflicts.length > 0) {
    const [key, message] = conflicts[0]!;
    if (given('enable.idempotence') || transactional) throw new ConfigError(key, values[key], message);
    idempotence = false;
  }
  if (transactional && !idempotence) {
    throw new ConfigError('enable.idempotence', false, 'Cannot set a transactional.id without also enabling idempotence.');
  }
  let deliveryTimeoutMs = values['delivery.timeout.ms'];
  const floor = values['linger.ms'] + values['request.timeout.ms'];
  if (deliveryTimeoutMs < floor) {
    if (given('delivery.timeout.ms')) {
      throw new ConfigError('delivery.timeout.ms', deliveryTimeoutMs, `delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms (${floor})`);
    }
    deliveryTimeoutMs = floor;
  }
  return { ...values, 'enable.idempotence': idempotence, 'delivery.timeout.ms': deliveryTimeoutMs };
}
