import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/** @platformatic/kafka's Admin (newest API versions: CreateTopics v7, IncrementalAlterConfigs v1, DescribeConfigs v4) against a combined node. */
describe('@platformatic/kafka admin against a single broker,controller node', () => {
  let node: FreshetNode;
  let admin: Admin;

  beforeAll(async () => {
    node = await startFreshetNode();
    admin = new Admin({ clientId: 'admin-test', bootstrapBrokers: [node.bootstrap], retries: 2 });
  }, 60_000);
  afterAll(async () => {
    await admin?.close();
    await node?.destroy();
  });

  /** The client wraps per-resource errors; INVALID_CONFIG is Kafka error 40. */
  const isInvalidConfig = (error: unknown): boolean => /INVALID_CONFIG|"errorCode":40\b|code.?: ?40\b/.test(JSON.stringify(error, Object.getOwnPropertyNames(error as object)) + String((error as { errors?: unknown }).errors ? JSON.stringify((error as { errors: unknown }).errors) : ''));

  const topicConfigs = async (name: string) => {
    const [description] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name }], includeSynonyms: true, includeDocumentation: true });
    return new Map(description!.configs.map((c) => [c.name, c]));
  };

  it('creates a topic and returns its id, partitions and replication factor', async () => {
    const [created] = await admin.createTopics({ topics: ['events'], partitions: 4, replicas: 1, configs: [{ name: 'compression.type', value: 'zstd' }] });
    expect(created).toMatchObject({ name: 'events', partitions: 4, replicas: 1 });
    expect(created!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created!.id).not.toBe('00000000-0000-0000-0000-000000000000');
    expect(await admin.listTopics()).toEqual(['events']);
  });

  it('describes configs with types, documentation and the synonym chain', async () => {
    const configs = await topicConfigs('events');
    expect(configs.get('compression.type')).toMatchObject({ value: 'zstd', configSource: 1, configType: 2 });
    expect(configs.get('compression.type')!.synonyms.map((s) => [s.name, s.value, s.source])).toEqual([
      ['compression.type', 'zstd', 1],
      ['compression.type', 'producer', 5],
    ]);
    expect(configs.get('retention.ms')).toMatchObject({ value: '604800000', configSource: 5, configType: 5 });
    expect(configs.get('retention.ms')!.documentation).toMatch(/\w/);
    const [broker] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: '1' }] });
    const brokerConfigs = new Map(broker!.configs.map((c) => [c.name, c]));
    expect(brokerConfigs.get('node.id')).toMatchObject({ value: '1', readOnly: true });
    // The test node's server.properties sets num.partitions=1: Kafka calls a key the file sets static, even at its default value.
    expect(brokerConfigs.get('num.partitions')).toMatchObject({ value: '1', configSource: 4 });
    expect(brokerConfigs.get('log.segment.bytes')).toMatchObject({ value: '1073741824', configSource: 5 });
  });

  it('applies SET, DELETE, APPEND and SUBTRACT, and refuses invalid values with INVALID_CONFIG', async () => {
    const alter = (configs: { name: string; configOperation: number; value?: string }[]) =>
      admin.incrementalAlterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'events', configs: configs as never }] });
    await alter([
      { name: 'retention.bytes', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '1048576' },
      { name: 'compression.type', configOperation: IncrementalAlterConfigOperationTypes.DELETE },
      { name: 'cleanup.policy', configOperation: IncrementalAlterConfigOperationTypes.APPEND, value: 'compact' },
    ]);
    let configs = await topicConfigs('events');
    expect(configs.get('retention.bytes')).toMatchObject({ value: '1048576', configSource: 1 });
    expect(configs.get('compression.type')).toMatchObject({ value: 'producer', configSource: 5 });
    expect(configs.get('cleanup.policy')).toMatchObject({ value: 'compact', configSource: 1 });
    await alter([
      { name: 'cleanup.policy', configOperation: IncrementalAlterConfigOperationTypes.APPEND, value: 'delete' },
      { name: 'segment.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '60000' },
    ]);
    expect((await topicConfigs('events')).get('cleanup.policy')!.value).toBe('compact,delete');
    await alter([{ name: 'cleanup.policy', configOperation: IncrementalAlterConfigOperationTypes.SUBTRACT, value: 'compact' }]);
    expect((await topicConfigs('events')).get('cleanup.policy')!.value).toBe('delete');
    // One bad change refuses the whole resource: segment.ms keeps its value.
    await expect(
      alter([
        { name: 'segment.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '1' },
        { name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '-5' },
      ]),
    ).rejects.toSatisfy(isInvalidConfig);
    await expect(alter([{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.APPEND, value: '5' }])).rejects.toSatisfy(isInvalidConfig);
    configs = await topicConfigs('events');
    expect(configs.get('segment.ms')!.value).toBe('60000');
    expect(configs.get('retention.ms')!.value).toBe('604800000');
  });

  it('creates partitions and deletes topics; kcat -L agrees', async () => {
    await admin.createPartitions({ topics: [{ name: 'events', count: 6 }] });
    await admin.createTopics({ topics: ['doomed'], partitions: 1, replicas: 1 });
    await admin.deleteTopics({ topics: ['doomed'] });
    expect(await admin.listTopics()).toEqual(['events']);
    if (requireKcat()) {
      const listing = await runKcat(['-b', node.bootstrap, '-L', '-J']);
      const parsed = JSON.parse(listing.stdout.toString()) as { topics: { topic: string; partitions: { partition: number; leader: number }[] }[] };
      expect(parsed.topics.map((t) => [t.topic, t.partitions.map((p) => p.partition).sort(), new Set(t.partitions.map((p) => p.leader))])).toEqual([['events', [0, 1, 2, 3, 4, 5], new Set([1])]]);
    }
  });
});
