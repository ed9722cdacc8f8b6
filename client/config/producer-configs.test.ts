import { describe, expect, it } from 'vitest';
import { ConfigError, KafkaClientError } from '../client-error.js';
import { jsonSerializer, stringSerializer } from '../serialization.js';
import { describeConfig, parseKeyValues } from './config-definition.js';
import { parseProducerConfig, producerConfigDefinitions, type ProducerConfigInput } from './producer-configs.js';

const bootstrap = { 'bootstrap.servers': 'localhost:9092' } as const;

function configError(input: Record<string, unknown>): ConfigError {
  try {
    parseProducerConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('producer configuration', () => {
  it('fills in Kafka 4 defaults for every key not given', () => {
    const config = parseProducerConfig(bootstrap);
    expect(config).toMatchObject({
      'bootstrap.servers': ['localhost:9092'],
      'client.id': '',
      acks: 'all',
      'batch.size': 16_384,
      'linger.ms': 5,
      'buffer.memory': 33_554_432,
      'max.block.ms': 60_000,
      'delivery.timeout.ms': 120_000,
      retries: 2_147_483_647,
      'max.in.flight.requests.per.connection': 5,
      'enable.idempotence': true,
      'compression.type': 'none',
      'compression.gzip.level': -1,
      'compression.lz4.level': 9,
      'compression.zstd.level': 3,
      'request.timeout.ms': 30_000,
      'retry.backoff.ms': 100,
      'retry.backoff.max.ms': 1000,
      'reconnect.backoff.ms': 50,
      'reconnect.backoff.max.ms': 1000,
      'metadata.max.age.ms': 300_000,
      'connections.max.idle.ms': 540_000,
      'partitioner.ignore.keys': false,
      'transactional.id': null,
      'transaction.timeout.ms': 60_000,
    });
  });

  it('takes typed values and the string forms of a properties file alike', () => {
    const typed = parseProducerConfig({ ...bootstrap, 'linger.ms': 20, 'enable.idempotence': false, acks: 1, 'bootstrap.servers': ['a:1', 'b:2'] });
    const strings = parseProducerConfig(parseKeyValues(['bootstrap.servers=a:1, b:2', 'linger.ms=20', 'enable.idempotence=FALSE', 'acks=1']));
    expect(strings).toEqual(typed);
    expect(typed['bootstrap.servers']).toEqual(['a:1', 'b:2']);
    expect(parseProducerConfig({ ...bootstrap, acks: '-1' }).acks).toBe('all');
  });

  it('names the key and the value of an invalid setting', () => {
    const error = configError({ ...bootstrap, 'linger.ms': -1 });
    expect(error.message).toBe('Invalid value -1 for configuration linger.ms: Value must be at least 0');
    expect(error).toBeInstanceOf(KafkaClientError);
    expect(error).toMatchObject({ key: 'linger.ms', value: '-1', errorName: 'INVALID_CONFIG', retriable: false, fatal: false });
    expect(configError({ ...bootstrap, 'batch.size': 'big' }).message).toBe('Invalid value big for configuration batch.size: Expected value to be a 32-bit integer');
    expect(configError({ ...bootstrap, 'compression.type': 'brotli' }).message).toBe(
      'Invalid value brotli for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd',
    );
    expect(configError({ ...bootstrap, 'compression.gzip.level': 10 }).message).toContain('compression.gzip.level: Value must be no more than 9');
    expect(configError({ ...bootstrap, acks: 2 }).message).toBe('Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1');
    expect(configError({ ...bootstrap, 'key.serializer': 'com.example.Nope' }).message).toMatch(/^Invalid value com.example.Nope for configuration key.serializer: Class com.example.Nope cannot be found/);
  });

  it('refuses unknown keys and a missing bootstrap.servers', () => {
    expect(configError({ ...bootstrap, 'linger.msec': 5 }).message).toBe('Unknown configuration "linger.msec" (did you mean "linger.ms"?)');
    expect(configError({ ...bootstrap, 'group.id': 'g' }).key).toBe('group.id');
    expect(configError({}).message).toBe('Missing required configuration "bootstrap.servers" which has no default value.');
    expect(configError({ 'bootstrap.servers': '' }).message).toBe('Invalid value  for configuration bootstrap.servers: Empty list not allowed');
    // The same mistakes are compile errors for a literal config object.
    // @ts-expect-error unknown key
    const unknown: ProducerConfigInput = { ...bootstrap, 'linger.msec': 5 };
    // @ts-expect-error bootstrap.servers is required
    const missing: ProducerConfigInput = { 'linger.ms': 5 };
    expect([unknown, missing]).toHaveLength(2);
  });

  it('keeps idempotence on by default only when acks, retries and in-flight allow it, as Kafka does', () => {
    expect(parseProducerConfig({ ...bootstrap, acks: 1 })['enable.idempotence']).toBe(false);
    expect(parseProducerConfig({ ...bootstrap, retries: 0 })['enable.idempotence']).toBe(false);
    expect(parseProducerConfig({ ...bootstrap, 'max.in.flight.requests.per.connection': 6 })['enable.idempotence']).toBe(false);
    expect(configError({ ...bootstrap, acks: 1, 'enable.idempotence': true }).message).toBe(
      'Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.',
    );
    expect(configError({ ...bootstrap, 'max.in.flight.requests.per.connection': 6, 'enable.idempotence': 'true' }).key).toBe('max.in.flight.requests.per.connection');
    expect(configError({ ...bootstrap, 'transactional.id': 't', 'enable.idempotence': false }).message).toBe('Cannot set a transactional.id without also enabling idempotence.');
    expect(configError({ ...bootstrap, 'transactional.id': 't', acks: 0 }).key).toBe('acks');
  });

  it('raises delivery.timeout.ms to linger.ms + request.timeout.ms unless it was set', () => {
    expect(parseProducerConfig({ ...bootstrap, 'request.timeout.ms': 200_000 })['delivery.timeout.ms']).toBe(200_005);
    expect(configError({ ...bootstrap, 'delivery.timeout.ms': 1000 }).message).toBe(
      'delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms (30005)',
    );
  });

  it('resolves serializers by Java class name or takes an implementation', () => {
    const config = parseProducerConfig({ ...bootstrap, 'key.serializer': 'org.apache.kafka.common.serialization.StringSerializer', 'value.serializer': jsonSerializer });
    expect(config['key.serializer']).toBe(stringSerializer);
    expect(config['value.serializer'].serialize('t', { a: 1 } as never, [])).toEqual(Buffer.from('{"a":1}'));
    expect(configError({ ...bootstrap, 'value.serializer': { nope: true } }).message).toBe(
      'Invalid value {"nope":true} for configuration value.serializer: Expected a class name or an implementation',
    );
  });

  it('documents every key with its type, default and valid values', () => {
    const rows = describeConfig(producerConfigDefinitions);
    expect(rows).toHaveLength(Object.keys(producerConfigDefinitions).length);
    expect(rows.find((row) => row.key === 'bootstrap.servers')?.defaultValue).toBe('(required)');
    expect(rows.find((row) => row.key === 'acks')).toMatchObject({ defaultValue: 'all', validValues: '[all, -1, 0, 1]' });
    expect(rows.find((row) => row.key === 'linger.ms')).toMatchObject({ type: 'long', defaultValue: '5', validValues: '[0,...]' });
    for (const row of rows) expect(row.doc.length, row.key).toBeGreaterThan(10);
  });
});
