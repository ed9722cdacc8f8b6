import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { readValues } from './support/kafkajs-read.js';
import type { FreshetNode } from './support/freshet-node.js';
import { startSaslNode } from './support/sasl-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * SCRAM-SHA-256 and SCRAM-SHA-512 with credentials in the metadata log, created with
 * `freshet configs --entity-type users` as with kafka-configs: kafkajs and kcat log in, produce
 * and consume; a wrong password, and a deleted credential, are refused.
 */
let node: FreshetNode;
let saslPort: number;

beforeAll(async () => {
  ({ node, saslPort } = await startSaslNode({ 'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512' }));
  for (const [user, config] of [['alice', 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'], ['bob', 'SCRAM-SHA-512=[password=bob-secret]']] as const) {
    const run = await runFreshet(['configs', '--bootstrap-server', node.bootstrap, '--alter', '--add-config', config, '--entity-type', 'users', '--entity-name', user]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`Completed updating config for user ${user}.\n`);
  }
}, 90_000);

afterAll(async () => {
  await node?.destroy();
});

const kafka = (sasl: SASLOptions) =>
  new Kafka({ clientId: 'sasl-scram-test', brokers: [`127.0.0.1:${saslPort}`], sasl, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });

describe('SASL/SCRAM with credentials in the metadata log', () => {
  it('describes the users\' mechanisms and iterations, never a key', async () => {
    const run = await runFreshet(['configs', '--bootstrap-server', node.bootstrap, '--describe', '--entity-type', 'users']);
    expect(run.stdout).toBe(
      "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192\n" +
        "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-512=iterations=4096\n",
    );
  });

  it.each([
    ['scram-sha-256', 'alice', 'alice-secret'],
    ['scram-sha-512', 'bob', 'bob-secret'],
  ] as const)('lets kafkajs log in with %s as %s, produce and consume', async (mechanism, username, password) => {
    const client = kafka({ mechanism, username, password });
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: `scram-${username}`, messages: ['1', '2', '3'].map((value) => ({ value })) });
    await producer.disconnect();
    const consumer = client.consumer({ groupId: `scram-${username}-group` });
    try {
      expect(await readValues(consumer, `scram-${username}`, 3)).toEqual(['1', '2', '3']);
    } finally {
      await consumer.disconnect();
    }
  });

  it('refuses a wrong password, and a mechanism the user has no credential for', async () => {
    const wrong = kafka({ mechanism: 'scram-sha-256', username: 'alice', password: 'nope' }).producer();
    await expect(wrong.connect()).rejects.toThrow(/Authentication failed: Invalid user credentials/);
    await wrong.disconnect();
    const otherMechanism = kafka({ mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' }).producer();
    await expect(otherMechanism.connect()).rejects.toThrow(/Authentication failed: Invalid user credentials/);
    await otherMechanism.disconnect();
  });

  it.skipIf(!requireKcat())('lets kcat log in with SCRAM-SHA-256 and SCRAM-SHA-512, produce and consume', async () => {
    const sasl = (mechanism: string, user: string, password: string) => ['-b', `127.0.0.1:${saslPort}`, '-X', 'security.protocol=SASL_PLAINTEXT',
      '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`];
    const produced = await runKcat([...sasl('SCRAM-SHA-256', 'alice', 'alice-secret'), '-P', '-t', 'scram-kcat'], 'a\nb\n');
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await runKcat([...sasl('SCRAM-SHA-512', 'bob', 'bob-secret'), '-C', '-t', 'scram-kcat', '-o', 'beginning', '-e', '-f', '%o %s\\n']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.toString()).toBe('0 a\n1 b\n');
    const refused = await runKcat([...sasl('SCRAM-SHA-512', 'bob', 'wrong'), '-L', '-m', '5'], undefined, 20_000);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Authentication failed/);
  });

  it('refuses a login once the credential is deleted', async () => {
    const run = await runFreshet(['configs', '--bootstrap-server', node.bootstrap, '--alter', '--delete-config', 'SCRAM-SHA-512', '--entity-type', 'users', '--entity-name', 'bob']);
    expect(run.stdout).toBe('Completed updating config for user bob.\n');
    const producer = kafka({ mechanism: 'scram-sha-512', username: 'bob', password: 'bob-secret' }).producer();
    await expect(producer.connect()).rejects.toThrow(/Authentication failed: Invalid user credentials/);
    await producer.disconnect();
  });
});

describe('storage format --add-scram', () => {
  it('starts a new cluster with the credentials given at format time', async () => {
    const { node: formatted, saslPort: port } = await startSaslNode({ 'sasl.enabled.mechanisms': 'SCRAM-SHA-512' }, ['--add-scram', 'SCRAM-SHA-512=[name=carol,password=carol-secret,iterations=5000]']);
    try {
      const run = await runFreshet(['configs', '--bootstrap-server', formatted.bootstrap, '--describe', '--entity-type', 'users', '--entity-name', 'carol']);
      expect(run.stdout).toBe("SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-512=iterations=5000\n");
      const producer = new Kafka({ clientId: 'add-scram', brokers: [`127.0.0.1:${port}`], sasl: { mechanism: 'scram-sha-512', username: 'carol', password: 'carol-secret' }, logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      const [result] = await producer.send({ topic: 'add-scram', messages: [{ value: 'hello' }] });
      expect(result!.errorCode).toBe(0);
      await producer.disconnect();
    } finally {
      await formatted.destroy();
    }
  }, 60_000);
});
