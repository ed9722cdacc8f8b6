import { describe, expect, it } from 'vitest';
import { cooperativeStickyAssignor } from '../assignors/cooperative-sticky-assignor.js';
import { rangeAssignor } from '../assignors/range-assignor.js';
import { roundRobinAssignor } from '../assignors/round-robin-assignor.js';
import { ConfigError } from '../client-error.js';
import { bytesDeserializer, stringDeserializer } from '../serialization.js';
import { parseConsumerConfig } from './consumer-configs.js';

const bootstrap = { 'bootstrap.servers': 'localhost:9092' } as const;

describe('consumer configuration', () => {
  it("fills in Kafka 4's consumer defaults", () => {
    expect(parseConsumerConfig(bootstrap)).toMatchObject({
      'group.id': null,
      'group.instance.id': null,
      'session.timeout.ms': 45_000,
      'heartbeat.interval.ms': 3000,
      'max.poll.interval.ms': 300_000,
      'max.poll.records': 500,
      'enable.auto.commit': true,
      'auto.commit.interval.ms': 5000,
      'auto.offset.reset': 'latest',
      'fetch.min.bytes': 1,
      'fetch.max.bytes': 52_428_800,
      'fetch.max.wait.ms': 500,
      'max.partition.fetch.bytes': 1_048_576,
      'isolation.level': 'read_uncommitted',
      'client.rack': '',
      'default.api.timeout.ms': 60_000,
      'partition.assignment.strategy': [rangeAssignor, cooperativeStickyAssignor],
      'key.deserializer': bytesDeserializer,
    });
  });

  it("takes assignors by Kafka's class names, protocol names or as objects, and deserializers by name", () => {
    const config = parseConsumerConfig({
      ...bootstrap,
      'partition.assignment.strategy': 'org.apache.kafka.clients.consumer.RoundRobinAssignor, cooperative-sticky',
      'value.deserializer': 'org.apache.kafka.common.serialization.StringDeserializer',
    });
    expect(config['partition.assignment.strategy']).toEqual([roundRobinAssignor, cooperativeStickyAssignor]);
    expect(config['value.deserializer']).toBe(stringDeserializer);
    expect(parseConsumerConfig({ ...bootstrap, 'partition.assignment.strategy': [rangeAssignor] })['partition.assignment.strategy']).toEqual([rangeAssignor]);
  });

  it('names the key and the value of what it refuses', () => {
    const refused = (input: Record<string, unknown>): ConfigError => {
      try {
        parseConsumerConfig({ ...bootstrap, ...input });
      } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
      }
      throw new Error('expected a ConfigError');
    };
    expect(refused({ 'auto.offset.reset': 'smallest' }).message).toBe('Invalid value smallest for configuration auto.offset.reset: String must be one of: earliest, latest, none');
    expect(refused({ 'partition.assignment.strategy': 'lucky' }).key).toBe('partition.assignment.strategy');
    expect(refused({ 'max.poll.records': 0 }).key).toBe('max.poll.records');
    expect(refused({ 'heartbeat.interval.ms': 10_000, 'session.timeout.ms': 6000 }).key).toBe('heartbeat.interval.ms');
    expect(refused({ 'group.protocol': 'consumer' }).key).toBe('group.protocol');
    expect(refused({ 'enable.autocommit': true }).message).toContain('did you mean "enable.auto.commit"');
  });
});
