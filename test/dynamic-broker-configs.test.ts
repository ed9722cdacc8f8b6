import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConnection } from '../client/broker-connection.js';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import type { IncrementalAlterConfigsResponse } from '../core/protocol/generated/messages/incremental-alter-configs.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

const { Kafka, ConfigResourceTypes, logLevel } = kafkajs;

/** DescribeConfigs' ConfigSource numbers, as kafkajs hands them over. */
const source = { dynamicTopic: 1, dynamicBroker: 2, dynamicDefaultBroker: 3, staticBroker: 4, default: 5 } as const;

/**
 * Kafka's dynamic broker configs (KIP-226) and DescribeConfigs' values, sources and synonyms,
 * through kafkajs and the `freshet configs` tool against a node started with the CLI.
 */
describe('dynamic broker configs and DescribeConfigs', () => {
  let node: FreshetNode;
  const kafka = () => new Kafka({ brokers: [node.bootstrap], clientId: 'dynamic-configs-test', logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const withAdmin = async <T>(use: (admin: kafkajs.Admin) => Promise<T>): Promise<T> => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect();
    }
  };
  const describeConfigs = (type: number, name: string) =>
    withAdmin(async (admin) => {
      const result = await admin.describeConfigs({ resources: [{ type, name }], includeSynonyms: true });
      return new Map(result.resources[0]!.configEntries.map((entry) => [entry.configName, entry]));
    });
  const configsTool = (...args: string[]) => runFreshet(['configs', '--bootstrap-server', node.bootstrap, ...args]);

  beforeAll(async () => {
    // log.retention.hours as Kafka's shipped server.properties sets it.
    node = await startFreshetNode({ properties: { 'log.retention.hours': 168 } });
    await node.createTopic('configs', 1);
  }, 60_000);
  afterAll(async () => {
    await node?.destroy();
  });

  it('reports int64 defaults exactly, as DEFAULT_CONFIG, and only the synonyms Kafka returns', async () => {
    const topic = await describeConfigs(ConfigResourceTypes.TOPIC, 'configs');
    expect(topic.get('flush.messages')).toMatchObject({
      configValue: '9223372036854775807',
      configSource: source.default,
      configSynonyms: [{ configName: 'log.flush.interval.messages', configValue: '9223372036854775807', configSource: source.default }],
    });
    expect(topic.get('max.compaction.lag.ms')).toMatchObject({ configValue: '9223372036854775807', configSource: source.default });
    // Kafka derives retention.ms from log.retention.hours and drops synonyms before log.retention.ms: none left.
    expect(topic.get('retention.ms')).toMatchObject({ configValue: '604800000', configSource: source.default, configSynonyms: [] });
    const broker = await describeConfigs(ConfigResourceTypes.BROKER, '1');
    expect(broker.get('log.flush.interval.messages')).toMatchObject({ configValue: '9223372036854775807', configSource: source.default, readOnly: false });
    expect(broker.get('log.retention.hours')).toMatchObject({
      configValue: '168',
      configSource: source.staticBroker,
      configSynonyms: [
        { configName: 'log.retention.hours', configValue: '168', configSource: source.staticBroker },
        { configName: 'log.retention.hours', configValue: '168', configSource: source.default },
      ],
    });
    expect(broker.get('log.dirs')).toMatchObject({ readOnly: true, configSource: source.staticBroker });
  }, 30_000);

  it('applies a per-broker and a cluster-wide dynamic config without a restart, reported in Kafka\'s synonym order', async () => {
    const producer = kafka().producer();
    await producer.connect();
    try {
      const big = { value: Buffer.alloc(8192, 'x') };
      await producer.send({ topic: 'configs', messages: [big] });

      // AlterConfigs on the broker (kafkajs): the batch limit of every topic without its own follows at once.
      await withAdmin((admin) =>
        admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'message.max.bytes', value: '4096' }, { name: 'log.retention.ms', value: '3600000' }] }] }),
      );
      await expect(producer.send({ topic: 'configs', messages: [big] })).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
      await producer.send({ topic: 'configs', messages: [{ value: 'small' }] });

      // The cluster-wide default (an empty name) through the configs tool, under the per-broker value.
      expect(await configsTool('--entity-type', 'brokers', '--entity-default', '--alter', '--add-config', 'log.retention.ms=7200000,log.cleaner.delete.retention.ms=1000')).toMatchObject({
        code: 0,
        stdout: 'Completed updating default config for brokers in the cluster.\n',
      });
      const broker = await describeConfigs(ConfigResourceTypes.BROKER, '1');
      expect(broker.get('log.retention.ms')).toMatchObject({
        configValue: '3600000',
        configSource: source.dynamicBroker,
        readOnly: false,
        configSynonyms: [
          { configName: 'log.retention.ms', configValue: '3600000', configSource: source.dynamicBroker },
          { configName: 'log.retention.ms', configValue: '7200000', configSource: source.dynamicDefaultBroker },
          { configName: 'log.retention.hours', configValue: '168', configSource: source.staticBroker },
          { configName: 'log.retention.hours', configValue: '168', configSource: source.default },
        ],
      });
      const topic = await describeConfigs(ConfigResourceTypes.TOPIC, 'configs');
      expect(topic.get('retention.ms')).toMatchObject({ configValue: '3600000', configSource: source.dynamicBroker });
      expect(topic.get('delete.retention.ms')).toMatchObject({
        configValue: '1000',
        configSource: source.dynamicDefaultBroker,
        configSynonyms: [
          { configName: 'log.cleaner.delete.retention.ms', configValue: '1000', configSource: source.dynamicDefaultBroker },
          { configName: 'log.cleaner.delete.retention.ms', configValue: '86400000', configSource: source.default },
        ],
      });
      const defaults = await configsTool('--entity-type', 'brokers', '--entity-default', '--describe');
      expect(defaults.stdout).toBe(
        'Default configs for brokers in the cluster are:\n' +
          '  log.cleaner.delete.retention.ms=1000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.cleaner.delete.retention.ms=1000}\n' +
          '  log.retention.ms=7200000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7200000}\n',
      );
      const dynamic = await configsTool('--broker', '1', '--describe');
      expect(dynamic.stdout).toContain(
        '  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=3600000, DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7200000, STATIC_BROKER_CONFIG:log.retention.hours=168, DEFAULT_CONFIG:log.retention.hours=168}\n',
      );
    } finally {
      await producer.disconnect();
    }
  }, 60_000);

  it('refuses read-only keys and bad values with INVALID_REQUEST, as Kafka does', async () => {
    const before = await describeConfigs(ConfigResourceTypes.BROKER, '1');
    for (const [name, value] of [
      ['num.io.threads', '4'],
      ['log.retention.ms', 'soon'],
    ] as const) {
      const refused = await withAdmin((admin) =>
        admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name, value }] }] }).then(
          () => null,
          (error: unknown) => error,
        ),
      );
      expect(refused, name).toMatchObject({ type: 'INVALID_REQUEST' });
    }
    // kafkajs keeps the error message to itself; the configs tool prints Kafka's.
    const tool = await configsTool('--entity-type', 'brokers', '--entity-name', '1', '--alter', '--add-config', 'log.dirs=/elsewhere');
    expect(tool.code).toBe(1);
    expect(tool.stderr).toContain('Cannot update these configs dynamically: Set(log.dirs)');
    // A broker id must be the id of the broker asked, as in Kafka (clients route by id, so raw frames ask broker 1 about 2).
    const connection = await BrokerConnection.connect(node.host, node.port);
    try {
      const resource = (resourceName: string) => ({ resourceType: ConfigResourceTypes.BROKER, resourceName, configs: [{ name: 'log.retention.ms', configOperation: 0, value: '1000' }] });
      const answered = await connection.request<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, { resources: [resource('2'), resource('x')], validateOnly: true }, 1);
      expect(answered.responses.map((r) => [r.resourceName, r.errorCode, r.errorMessage])).toEqual([
        ['2', 42, 'Unexpected broker id, expected 1, but received 2'],
        ['x', 42, 'Node id must be an integer, but it is: x'],
      ]);
    } finally {
      connection.close();
    }
    // Nothing of the refused requests was applied.
    expect(await describeConfigs(ConfigResourceTypes.BROKER, '1')).toEqual(before);
  }, 60_000);

  it('keeps dynamic broker configs in the metadata log across a restart', async () => {
    expect(await node.stop()).toBe(0);
    await node.restart();
    const broker = await describeConfigs(ConfigResourceTypes.BROKER, '1');
    expect(broker.get('message.max.bytes')).toMatchObject({ configValue: '4096', configSource: source.dynamicBroker });
    const producer = kafka().producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic: 'configs', messages: [{ value: Buffer.alloc(8192, 'y') }] })).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
    } finally {
      await producer.disconnect();
    }
  }, 60_000);
});
