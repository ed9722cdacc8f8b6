import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBrokerConfig, readBrokerConfigFile } from './broker-config.js';
import { brokerConfigDefinitions } from './broker-config-definitions.js';
import { ConfigError } from './config-definition.js';

const combined = {
  'process.roles': 'broker,controller',
  'node.id': '1',
  'controller.quorum.voters': '1@127.0.0.1:9093',
  listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
  'controller.listener.names': 'CONTROLLER',
  'log.dirs': './data',
};

describe('loadBrokerConfig', () => {
  it('applies Kafka defaults to every key that is not set', () => {
    const { config, warnings } = loadBrokerConfig(combined);
    expect(warnings).toEqual([]);
    expect(config.values['num.partitions']).toBe(1);
    expect(config.values['default.replication.factor']).toBe(1);
    expect(config.values['auto.create.topics.enable']).toBe(true);
    expect(config.values['num.io.threads']).toBe(8);
    expect(config.values['socket.request.max.bytes']).toBe(104857600);
    expect(config.values['message.max.bytes']).toBe(1048588);
    expect(config.values['connections.max.idle.ms']).toBe(600000);
    expect(config.values['log.retention.check.interval.ms']).toBe(300000);
    expect(config.values['offsets.topic.num.partitions']).toBe(50);
    expect(config.values['group.initial.rebalance.delay.ms']).toBe(3000);
    expect(config.values['metrics.port']).toBe(9464);
    expect(config.values['compression.type']).toBe('producer');
    expect(config.values['broker.rack']).toBeNull();
    expect(config.logRetentionMs).toBe(168 * 3_600_000);
    expect(config.logRollMs).toBe(168 * 3_600_000);
  });

  it('derives roles, listeners, voters and absolute log dirs of a combined node', () => {
    const { config } = loadBrokerConfig(combined);
    expect([...config.processRoles].sort()).toEqual(['broker', 'controller']);
    expect(config.nodeId).toBe(1);
    expect(config.listeners).toEqual([
      { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' },
      { listenerName: 'CONTROLLER', host: '127.0.0.1', port: 9093, securityProtocol: 'PLAINTEXT' },
    ]);
    expect(config.advertisedListeners.map((e) => `${e.listenerName}://${e.host}:${e.port}`)).toEqual([
      'PLAINTEXT://127.0.0.1:9092',
    ]);
    expect(config.quorumVoters).toEqual([{ nodeId: 1, host: '127.0.0.1', port: 9093 }]);
    expect(config.interBrokerListenerName).toBe('PLAINTEXT');
    expect(config.logDirs).toEqual([resolve('./data')]);
    expect(config.metadataLogDir).toBe(resolve('./data'));
    expect(loadBrokerConfig({ ...combined, 'metadata.log.dir': 'meta' }).config.metadataLogDir).toBe(resolve('meta'));
  });

  it('gives log.retention.ms precedence over minutes, and minutes over hours', () => {
    expect(loadBrokerConfig({ ...combined, 'log.retention.hours': '1' }).config.logRetentionMs).toBe(3_600_000);
    expect(
      loadBrokerConfig({ ...combined, 'log.retention.hours': '1', 'log.retention.minutes': '2' }).config.logRetentionMs,
    ).toBe(120_000);
    expect(
      loadBrokerConfig({ ...combined, 'log.retention.minutes': '2', 'log.retention.ms': '5' }).config.logRetentionMs,
    ).toBe(5);
    expect(loadBrokerConfig({ ...combined, 'log.retention.ms': '-1' }).config.logRetentionMs).toBe(-1);
  });

  it('falls back to log.dir when log.dirs is unset', () => {
    const { 'log.dirs': _unused, ...withoutDirs } = combined;
    expect(loadBrokerConfig({ ...withoutDirs, 'log.dir': '/var/freshet' }).config.logDirs).toEqual(['/var/freshet']);
    expect(loadBrokerConfig(withoutDirs).config.logDirs).toEqual(['/tmp/kafka-logs']);
  });

  it('warns about unknown keys without failing', () => {
    // log.cleaner.threads: Kafka's key, which nothing here reads (one cleaner per io thread), so it is not in the table.
    const { warnings } = loadBrokerConfig({ ...combined, 'socket.send.buffer.bytes': '1', 'no.such.key': 'x', 'log.cleaner.threads': '4' });
    expect(warnings).toEqual([
      'Unknown configuration socket.send.buffer.bytes is ignored',
      'Unknown configuration no.such.key is ignored',
      'Unknown configuration log.cleaner.threads is ignored',
    ]);
  });

  it.each([
    ['num.partitions', 'many', /Invalid value "many" for configuration num.partitions: expected a whole number/],
    ['num.partitions', '0', /Invalid value "0" for configuration num.partitions: must be at least 1/],
    ['socket.request.max.bytes', '3000000000', /socket.request.max.bytes: out of range for int/],
    ['auto.create.topics.enable', 'yes', /auto.create.topics.enable: expected true or false/],
    ['compression.type', 'brotli', /compression.type: must be one of/],
    ['process.roles', 'broker,zookeeper', /process.roles: "zookeeper" is not one of broker, controller/],
    ['metrics.port', '70000', /metrics.port: must be between 0 and 65535/],
    ['listeners', 'PLAINTEXT:9092', /Invalid value "PLAINTEXT:9092" in listeners/],
    ['controller.quorum.voters', '1@host', /Invalid value "1@host" in controller.quorum.voters/],
    ['node.id', '', /node.id: expected a whole number/],
  ])('refuses %s=%s with a message naming the key and the value', (key, value, message) => {
    expect(() => loadBrokerConfig({ ...combined, [key]: value })).toThrow(message);
    expect(() => loadBrokerConfig({ ...combined, [key]: value })).toThrow(ConfigError);
  });

  it.each([
    [{ 'process.roles': '' }, /process.roles must be set/],
    [{ 'node.id': '-1' }, /node.id must be set/],
    [{ 'controller.listener.names': 'OTHER', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT' }, /controller.listener.names contains OTHER, which is not in listeners/],
    [{ 'controller.quorum.voters': '2@127.0.0.1:9093' }, /node.id 1 has the controller role but is not in controller.quorum.voters/],
    [{ 'controller.quorum.voters': '' }, /controller.quorum.voters .* must be set/],
    [{ 'process.roles': 'broker' }, /must not contain the controller listener CONTROLLER/],
    [{ listeners: 'SECURE://:9092,CONTROLLER://:9093', 'listener.security.protocol.map': 'SECURE:KERBEROS,CONTROLLER:PLAINTEXT' },
      /Listener SECURE uses security protocol KERBEROS; expected one of/],
    [{ listeners: 'EXTERNAL://:9092,CONTROLLER://:9093' }, /Listener EXTERNAL has no entry in listener.security.protocol.map/],
    [{ listeners: 'SSL://:9092,CONTROLLER://:9093', 'inter.broker.listener.name': 'SSL' }, /inter.broker.listener.name: listener SSL is SSL, but traffic between nodes uses PLAINTEXT only/],
    [{ listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:SASL_PLAINTEXT' }, /controller.listener.names: listener CONTROLLER is SASL_PLAINTEXT/],
    [{ 'inter.broker.listener.name': 'INTERNAL' }, /inter.broker.listener.name INTERNAL is not one of listeners/],
    [{ 'group.min.session.timeout.ms': '10', 'group.max.session.timeout.ms': '5' }, /must not exceed/],
  ])('refuses an inconsistent combination %o', (overrides, message) => {
    expect(() => loadBrokerConfig({ ...combined, ...overrides })).toThrow(message);
  });

  it('accepts a named listener mapped to PLAINTEXT and IPv6 hosts', () => {
    const { config } = loadBrokerConfig({
      ...combined,
      listeners: 'INTERNAL://[::1]:9092,CONTROLLER://:9093',
      'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
    });
    expect(config.listeners[0]).toEqual({ listenerName: 'INTERNAL', host: '::1', port: 9092, securityProtocol: 'PLAINTEXT' });
    expect(config.listeners[1]?.host).toBe('');
  });

  it('parses every default in the table with its own type and validator', () => {
    // A default that does not parse would make every start-up fail; this keeps the table honest.
    const withoutDefaults = brokerConfigDefinitions.filter((d) => d.defaultValue === null).map((d) => d.key);
    const { config } = loadBrokerConfig(combined);
    for (const key of withoutDefaults) {
      if (!(key in combined)) expect(config.values[key], key).toBeNull();
    }
    expect(new Set(brokerConfigDefinitions.map((d) => d.key)).size).toBe(brokerConfigDefinitions.length);
  });
});

describe('readBrokerConfigFile', () => {
  it('reads a properties file and lets overrides win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-config-'));
    const path = join(dir, 'server.properties');
    writeFileSync(path, Object.entries(combined).map(([k, v]) => `${k}=${v}`).join('\n') + '\nnum.partitions=3\n');
    expect(readBrokerConfigFile(path).config.values['num.partitions']).toBe(3);
    expect(readBrokerConfigFile(path, { 'num.partitions': '6' }).config.values['num.partitions']).toBe(6);
  });

  it('names the file when it cannot be read', () => {
    expect(() => readBrokerConfigFile('/nonexistent/server.properties')).toThrow(
      /Cannot read config file \/nonexistent\/server.properties/,
    );
  });
});
