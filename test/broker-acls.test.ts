import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { readValues } from './support/kafkajs-read.js';
import { metricValue, startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * The ACL matrix against a node started as a user starts it, with Kafka's StandardAuthorizer
 * settings and PLAIN users on a SASL_PLAINTEXT listener; ACLs added with `freshet acls` as an
 * operator adds them with kafka-acls. For each API group a principal without the ACL gets Kafka's
 * authorization error and one with it succeeds, with real clients (kafkajs, kcat).
 *
 * The PLAINTEXT listener stands for the operator's and the brokers' own channel: as Kafka's docs
 * say for a PLAINTEXT inter-broker listener, its User:ANONYMOUS is a super user.
 */
const users = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret' } as const;
type User = keyof typeof users;
const JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ' +
  Object.entries(users).map(([user, password]) => `user_${user}="${password}"`).join(' ') + ';';

let node: FreshetNode;
let saslPort: number;

const acls = async (...args: string[]): Promise<string> => {
  const run = await runFreshet(['acls', '--bootstrap-server', node.bootstrap, ...args]);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
};

beforeAll(async () => {
  node = await startFreshetNode({
    extraListeners: { SASL_PLAINTEXT: 'SASL_PLAINTEXT' },
    properties: {
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin;User:ANONYMOUS',
      'auto.create.topics.enable': false,
      'console.read.only': false,
    },
  });
  saslPort = node.listenerPorts['SASL_PLAINTEXT']!;
  for (const topic of ['orders', 'payments-eu', 'secret']) await node.createTopic(topic, 1);
  await acls('--add', '--allow-principal', 'User:alice', '--producer', '--topic', 'orders');
  await acls('--add', '--allow-principal', 'User:bob', '--consumer', '--topic', 'orders', '--group', 'readers');
  await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Write', '--topic', 'payments-', '--resource-pattern-type', 'PREFIXED');
  await acls('--add', '--allow-principal', 'User:carol', '--operation', 'All', '--topic', 'secret');
  await acls('--add', '--deny-principal', 'User:carol', '--operation', 'Read', '--topic', 'secret');
  await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--transactional-id', 'tx-alice');
  await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Create', '--operation', 'Delete', '--topic', 'alice-', '--resource-pattern-type', 'PREFIXED');
}, 120_000);

afterAll(async () => {
  await node?.destroy();
});

/** Error names kafkajs received but reports only in its log (it turns FindCoordinator's errors into "Failed to find group coordinator"). */
const loggedErrors: string[] = [];

const kafka = (user: User) =>
  new Kafka({
    clientId: `acl-${user}`,
    brokers: [`127.0.0.1:${saslPort}`],
    sasl: { mechanism: 'plain', username: user, password: users[user] },
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => {
      const type = (entry.log as { error?: { type?: string } }).error?.type;
      if (type !== undefined) loggedErrors.push(type);
    },
    retry: { retries: 1, initialRetryTime: 100 },
  });

/** The Kafka error a kafkajs call that looks for a coordinator got from the broker. */
async function coordinatorError(action: () => Promise<unknown>): Promise<string> {
  loggedErrors.length = 0;
  expect(await kafkaError(action)).toBe('Failed to find group coordinator');
  return loggedErrors[0] ?? 'none logged';
}

/** The Kafka error name a kafkajs call failed with (its protocol error's type). */
async function kafkaError(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    const e = error as { type?: string; errors?: { type?: string }[]; originalError?: { type?: string }; message: string };
    return e.type ?? e.originalError?.type ?? e.errors?.find((inner) => inner.type !== undefined)?.type ?? e.message;
  }
  return 'no error';
}

async function produce(user: User, topic: string, values: string[], options: { transactionalId?: string } = {}): Promise<void> {
  const producer = kafka(user).producer(options.transactionalId === undefined ? {} : { transactionalId: options.transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    if (options.transactionalId === undefined) {
      await producer.send({ topic, messages: values.map((value) => ({ value })) });
      return;
    }
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: values.map((value) => ({ value })) });
    await transaction.commit();
  } finally {
    await producer.disconnect();
  }
}

const kcat = (user: User) => ['-b', `127.0.0.1:${saslPort}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${user}`, '-X', `sasl.password=${users[user]}`];

/** kcat (librdkafka) reading the topic gets Fetch's TOPIC_AUTHORIZATION_FAILED, reads nothing and fails. */
async function expectKcatReadRefused(user: User, topic: string): Promise<void> {
  const refused = await runKcat([...kcat(user), '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e'], undefined, 20_000);
  expect(refused.code).not.toBe(0);
  expect(refused.stdout.toString()).toBe('');
  expect(refused.stderr).toMatch(/Fetch from broker \d+ failed: Broker: Topic authorization failed/);
}

describe('ACLs, as Kafka enforces them', () => {
  it('produce: Write on the topic lets alice produce; bob, without it, gets TOPIC_AUTHORIZATION_FAILED', async () => {
    await produce('alice', 'orders', ['o1', 'o2']);
    expect(await kafkaError(() => produce('bob', 'orders', ['x']))).toBe('TOPIC_AUTHORIZATION_FAILED');
    // bob may describe orders (Read implies Describe), so it is Produce that refused him.
    expect(metricValue(await node.metrics(), 'freshet_authorization_denials_total', { api: 'Produce' })).toBeGreaterThan(0);
  });

  it('fetch and group: bob reads orders in group readers; alice may not use the group (GROUP_AUTHORIZATION_FAILED) nor read the topic', async () => {
    await produce('admin', 'orders', ['o3']);
    const high = Number((await kafka('admin').admin().fetchTopicOffsets('orders'))[0]!.high);
    const consumer = kafka('bob').consumer({ groupId: 'readers' });
    try {
      const values = await readValues(consumer, 'orders', high);
      expect(values).toContain('o3');
      expect(values).toHaveLength(high);
    } finally {
      await consumer.disconnect();
    }
    expect(await coordinatorError(() => kafka('alice').admin().fetchOffsets({ groupId: 'readers', topics: ['orders'] }))).toBe('GROUP_AUTHORIZATION_FAILED');
    expect(await coordinatorError(() => kafka('bob').admin().fetchOffsets({ groupId: 'writers', topics: ['orders'] }))).toBe('GROUP_AUTHORIZATION_FAILED');
    if (requireKcat()) await expectKcatReadRefused('alice', 'orders');
  });

  it('prefixed patterns: an ACL on payments- covers payments-eu for alice, and nobody else', async () => {
    await produce('alice', 'payments-eu', ['p1']);
    if (requireKcat()) {
      const read = await runKcat([...kcat('alice'), '-C', '-t', 'payments-eu', '-p', '0', '-o', 'beginning', '-e', '-f', '%s\\n']);
      expect(read.code, read.stderr).toBe(0);
      expect(read.stdout.toString()).toBe('p1\n');
    }
    // bob may not even describe payments-eu: Metadata answers TOPIC_AUTHORIZATION_FAILED, which kafkajs words so.
    expect(await kafkaError(() => produce('bob', 'payments-eu', ['x']))).toBe('Not authorized to access topics: [Topic authorization failed]');
  });

  it('deny wins over allow: carol may do All on secret but Read is denied; Describe stays allowed', async () => {
    await produce('carol', 'secret', ['s1']);
    const topics = await kafka('carol').admin().fetchTopicMetadata({ topics: ['secret'] });
    expect(topics.topics.map((t) => t.name)).toEqual(['secret']);
    expect(await kafkaError(() => kafka('carol').admin().fetchTopicOffsets('secret'))).toBe('no error');
    if (requireKcat()) await expectKcatReadRefused('carol', 'secret');
  });

  it('Metadata hides the topics a principal may not describe', async () => {
    expect((await kafka('bob').admin().listTopics()).sort()).toEqual(['orders']);
    expect((await kafka('alice').admin().listTopics()).sort()).toEqual(['orders', 'payments-eu']);
    expect((await kafka('admin').admin().listTopics()).filter((t) => !t.startsWith('__')).sort()).toEqual(['orders', 'payments-eu', 'secret']);
    if (requireKcat()) {
      // Asked by name, a topic bob may not describe is answered TOPIC_AUTHORIZATION_FAILED, and the brokers still are.
      const listed = await runKcat([...kcat('bob'), '-L', '-t', 'secret']);
      expect(listed.stdout.toString()).toMatch(/1 brokers:\n\s+broker 1 at 127\.0\.0\.1:\d+/);
      expect(listed.stdout.toString()).toMatch(/topic "secret" with 0 partitions: Broker: Topic authorization failed/);
    }
  });

  it('transactions: Write on the transactional id lets alice commit; another id, or another user, gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
    await produce('alice', 'orders', ['t1'], { transactionalId: 'tx-alice' });
    expect(await coordinatorError(() => produce('alice', 'orders', ['t2'], { transactionalId: 'tx-other' }))).toBe('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    expect(await coordinatorError(() => produce('carol', 'secret', ['t3'], { transactionalId: 'tx-alice' }))).toBe('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
  });

  it('idempotence: InitProducerId needs Write on some topic (or IdempotentWrite on the cluster), else CLUSTER_AUTHORIZATION_FAILED', async () => {
    expect(await kafkaError(() => kafka('bob').producer({ idempotent: true }).connect())).toBe('CLUSTER_AUTHORIZATION_FAILED');
    const carol = kafka('carol').producer({ idempotent: true });
    await carol.connect();
    await carol.disconnect();
  });

  it('admin: Create and Delete on alice- let alice create and delete alice-new; bob gets TOPIC_AUTHORIZATION_FAILED; ACL and config changes need the cluster', async () => {
    const bob = kafka('bob').admin();
    const alice = kafka('alice').admin();
    await Promise.all([bob.connect(), alice.connect()]);
    try {
      expect(await kafkaError(() => bob.createTopics({ topics: [{ topic: 'alice-new', numPartitions: 1 }] }))).toBe('TOPIC_AUTHORIZATION_FAILED');
      expect(await alice.createTopics({ topics: [{ topic: 'alice-new', numPartitions: 1 }], waitForLeaders: false })).toBe(true);
      expect(await kafkaError(() => bob.deleteTopics({ topics: ['alice-new'] }))).toBe('TOPIC_AUTHORIZATION_FAILED');
      await alice.deleteTopics({ topics: ['alice-new'] });
      expect(await kafkaError(() => bob.describeConfigs({ resources: [{ type: 2, name: 'orders' }], includeSynonyms: false }))).toBe('TOPIC_AUTHORIZATION_FAILED');
      const acl = { resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW };
      expect(await kafkaError(() => bob.createAcls({ acl: [acl] }))).toBe('CLUSTER_AUTHORIZATION_FAILED');
      expect(await kafkaError(() => bob.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }))).toBe('CLUSTER_AUTHORIZATION_FAILED');
    } finally {
      await Promise.all([bob.disconnect(), alice.disconnect()]);
    }
  });

  it('super users: admin may do anything, and its CreateAcls/DeleteAcls take effect on every request after', async () => {
    const admin = kafka('admin').admin();
    await admin.connect();
    try {
      const acl = { resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW };
      expect(await admin.createAcls({ acl: [acl] })).toBe(true);
      await produce('bob', 'orders', ['b1']);
      const described = await admin.describeAcls({ resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
      expect(described.resources.flatMap((r) => r.acls.map((a) => a.operation)).sort()).toEqual([AclOperationTypes.READ, AclOperationTypes.DESCRIBE, AclOperationTypes.WRITE].sort());
      await admin.deleteAcls({ filters: [{ ...acl }] });
      expect(await kafkaError(() => produce('bob', 'orders', ['b2']))).toBe('TOPIC_AUTHORIZATION_FAILED');
    } finally {
      await admin.disconnect();
    }
  });

  it('freshet acls lists and removes ACLs as kafka-acls does', async () => {
    const listed = await acls('--list', '--topic', 'secret');
    expect(listed).toContain('Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=secret, patternType=LITERAL)`:');
    expect(listed).toContain('(principal=User:carol, host=*, operation=READ, permissionType=DENY)');
    expect(listed).toContain('(principal=User:carol, host=*, operation=ALL, permissionType=ALLOW)');
    const removed = await acls('--remove', '--deny-principal', 'User:carol', '--operation', 'Read', '--topic', 'secret', '--force');
    expect(removed).toContain('(principal=User:carol, host=*, operation=READ, permissionType=DENY)');
    expect(await acls('--list', '--topic', 'secret')).not.toContain('DENY');
  });

  it('the web console stays read-only under an authorizer: its writes would not be held to the user\'s ACLs', async () => {
    const refused = await fetch(`http://127.0.0.1:${node.metricsPort}/api/topics`, { method: 'POST', body: JSON.stringify({ name: 'from-console' }) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(/read-only while an authorizer is configured/);
    expect(node.output()).toContain('console.read.only=false is ignored');
  });
});
