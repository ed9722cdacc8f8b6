import { Admin, ClientQuotaMatchTypes } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { freshetConfigs, recordLines } from './support/client-quotas.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * Client quotas managed as an operator does, against a broker started as a user starts it:
 * `freshet configs` and @platformatic/kafka's admin over AlterClientQuotas/DescribeClientQuotas,
 * Kafka's refusals, controller_mutation_rate on CreateTopics, and a per-user quota felt by kcat.
 */
const hasKcat = requireKcat();

let node: FreshetNode;

beforeAll(async () => {
  if (!hasKcat) return;
  node = await startFreshetNode({
    extraListeners: { SASL_PLAINTEXT: 'SASL_PLAINTEXT' },
    properties: {
      'quota.window.num': 2,
      'quota.window.size.seconds': 1,
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_alice="alice-secret" user_bob="bob-secret";',
    },
  });
  await node.createTopic('free', 1);
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

const configs = (...args: string[]): Promise<string> => freshetConfigs(node.bootstrap, ...args);

describe.runIf(hasKcat)('client quota administration', () => {
  it('freshet configs sets, describes and deletes client quotas (AlterClientQuotas / DescribeClientQuotas)', async () => {
    expect(await configs('--alter', '--add-config', 'producer_byte_rate=524288', '--entity-type', 'clients', '--entity-name', 'my-producer')).toBe('Completed updating config for client my-producer.\n');
    expect(await configs('--alter', '--add-config', 'request_percentage=200.5,consumer_byte_rate=4096', '--user', 'alice', '--client-defaults')).toBe('Completed updating config for user alice.\n');
    expect(await configs('--describe', '--entity-type', 'clients')).toBe("Quota configs for client-id 'my-producer' are producer_byte_rate=524288.0\n");
    expect(await configs('--describe', '--user', 'alice', '--client-defaults')).toBe("Quota configs for user-principal 'alice', the default client-id are request_percentage=200.5, consumer_byte_rate=4096.0\n");
    expect(await configs('--alter', '--delete-config', 'consumer_byte_rate', '--user', 'alice', '--client-defaults')).toBe('Completed updating config for user alice.\n');
  }, 60_000);

  it('@platformatic/kafka alters and describes client quotas, and gets INVALID_REQUEST for a bad key or value', async () => {
    const admin = new Admin({ clientId: 'quota-admin', bootstrapBrokers: [node.bootstrap], retries: 2 });
    try {
      await admin.alterClientQuotas({
        entries: [
          { entities: [{ entityType: 'user', entityName: null }], ops: [{ key: 'consumer_byte_rate', value: 4096, remove: false }] },
          { entities: [{ entityType: 'user', entityName: 'bob' }, { entityType: 'client-id', entityName: null }], ops: [{ key: 'request_percentage', value: 12.5, remove: false }] },
        ],
      });
      const users = await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: ClientQuotaMatchTypes.ANY }], strict: false });
      expect(users.map((e) => [e.entity, e.values])).toEqual(
        expect.arrayContaining([
          [[{ entityType: 'user', entityName: null }], [{ key: 'consumer_byte_rate', value: 4096 }]],
          [expect.arrayContaining([{ entityType: 'user', entityName: 'bob' }, { entityType: 'client-id', entityName: null }]), [{ key: 'request_percentage', value: 12.5 }]],
        ]),
      );
      expect(users.filter((e) => e.entity.some((part) => part.entityName === 'alice'))).toHaveLength(users.length - 2);
      const strict = await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: ClientQuotaMatchTypes.DEFAULT }], strict: true });
      expect(strict.map((e) => e.entity)).toEqual([[{ entityType: 'user', entityName: null }]]);
      await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: 'user', entityName: null }], ops: [{ key: 'consumer_byte_rate', remove: true }] }] });
      expect(await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: ClientQuotaMatchTypes.DEFAULT }], strict: true })).toEqual([]);

      for (const [op, message] of [
        [{ key: 'producer_byte_rate', value: 1.5, remove: false }, 'producer_byte_rate cannot be a fractional value.'],
        [{ key: 'bogus', value: 1, remove: false }, 'Invalid configuration key bogus'],
      ] as const) {
        const error = await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: 'client-id', entityName: 'x' }], ops: [op as never] }] }).then(() => null, (e: unknown) => e);
        const response = (error as { errors: { response: { entries: { errorCode: number; errorMessage: string }[] } }[] }).errors[0]!.response;
        expect(response.entries).toEqual([{ errorCode: 42, errorMessage: message, entity: [{ entityType: 'client-id', entityName: 'x' }] }]);
      }
    } finally {
      await admin.close();
    }
  }, 60_000);

  it('@platformatic/kafka (CreateTopics v7) over its controller_mutation_rate gets THROTTLING_QUOTA_EXCEEDED', async () => {
    const admin = new Admin({ clientId: 'mutator', bootstrapBrokers: [node.bootstrap], retries: 0 });
    try {
      // The client's types list only the byte-rate and request keys; the request carries any key.
      await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: 'client-id', entityName: 'mutator' }], ops: [{ key: 'controller_mutation_rate' as never, value: 1, remove: false }] }] });
      // A full bucket (2 samples × 1 s × 1/s) grants the first topic whatever its size, then is 18 partitions in debt.
      await admin.createTopics({ topics: ['mutated-1'], partitions: 20, replicas: 1 });
      const error = await admin.createTopics({ topics: ['mutated-2'], partitions: 1, replicas: 1 }).then(() => null, (e: unknown) => e);
      const response = (error as { response: { throttleTimeMs: number; topics: { name: string; errorCode: number; errorMessage: string }[] } }).response;
      expect(response.topics.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([['mutated-2', 89, 'The throttling quota has been exceeded.']]);
      expect(response.throttleTimeMs).toBeGreaterThan(15_000);
      // The mutator's connection is muted for that long; another client sees what was created.
      const observer = new Admin({ clientId: 'observer', bootstrapBrokers: [node.bootstrap], retries: 2 });
      const topics = await observer.listTopics().finally(() => observer.close());
      expect(topics).toContain('mutated-1');
      expect(topics).not.toContain('mutated-2');
    } finally {
      await admin.close();
    }
  }, 60_000);

  it('a quota on a SASL user outranks the client-id quotas and limits only that user (and ANONYMOUS is a user too)', async () => {
    await configs('--alter', '--add-config', 'producer_byte_rate=524288', '--entity-type', 'clients', '--entity-name', 'my-producer');
    await configs('--alter', '--add-config', 'producer_byte_rate=65536', '--entity-type', 'users', '--entity-name', 'alice');
    const sasl = `127.0.0.1:${node.listenerPorts['SASL_PLAINTEXT']!}`;
    const produceAs = (bootstrap: string, login: string[]) => runKcat(['-P', '-b', bootstrap, '-t', 'free', '-X', 'client.id=my-producer', ...login], recordLines(128, 'user'), 60_000);
    const as = (user: string) => ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanism=PLAIN', '-X', `sasl.username=${user}`, '-X', `sasl.password=${user}-secret`];
    // 128 kB: my-producer's 512 KiB/s lets it through at once; alice's 64 KiB/s does not.
    const [alice, bob] = await Promise.all([produceAs(sasl, as('alice')), produceAs(sasl, as('bob'))]);
    expect([alice.code, bob.code]).toEqual([0, 0]);
    expect(alice.stderr).toMatch(/throttled request for \d+ms/);
    expect(bob.stderr).not.toMatch(/throttled/);
    // Without authentication the principal is User:ANONYMOUS, which a user quota names the same way.
    await configs('--alter', '--add-config', 'producer_byte_rate=65536', '--entity-type', 'users', '--entity-name', 'ANONYMOUS');
    const anonymous = await produceAs(node.bootstrap, []);
    expect(anonymous.code).toBe(0);
    expect(anonymous.stderr).toMatch(/throttled request for \d+ms/);
  }, 60_000);
});
