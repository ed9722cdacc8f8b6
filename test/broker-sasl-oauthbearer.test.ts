import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, type FreshetNode } from './support/freshet-node.js';
import { startSaslNode } from './support/sasl-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * OAUTHBEARER with Kafka's unsecured JWTs (development only), and KIP-368's session lifetime:
 * kafkajs and kcat (librdkafka's built-in unsecured token) produce and consume; an expired or
 * signed token is refused.
 */
let node: FreshetNode;
let saslPort: number;

beforeAll(async () => {
  ({ node, saslPort } = await startSaslNode({
    'sasl.enabled.mechanisms': 'OAUTHBEARER',
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorAllowableClockSkewMs="1000";',
    // Just above kafkajs's reauthenticationThreshold (10 s): it re-authenticates about 2 s in.
    'connections.max.reauth.ms': 12_000,
  }));
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (claims: Record<string, unknown>, alg = 'none') => `${b64({ alg })}.${b64(claims)}.`;
const kafka = (value: string) =>
  new Kafka({
    clientId: 'oauthbearer-test', brokers: [`127.0.0.1:${saslPort}`], logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 100 },
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value }) },
  });

describe('SASL/OAUTHBEARER with unsecured JWTs', () => {
  it('lets kafkajs in with a token whose sub is the principal', async () => {
    const client = kafka(token({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 }));
    const producer = client.producer();
    await producer.connect();
    const [result] = await producer.send({ topic: 'oauth-kafkajs', messages: [{ value: 'v' }] });
    expect(result!.errorCode).toBe(0);
    await producer.disconnect();
  });

  it('re-authenticates a kafkajs connection within connections.max.reauth.ms and keeps serving it (KIP-368)', async () => {
    const reauthentications = async () => metricValue(await node.metrics(), 'freshet_network_authentications_total', { listener: 'SASL_PLAINTEXT', mechanism: 'OAUTHBEARER', result: 'reauthentication' });
    const before = await reauthentications();
    const producer = kafka(token({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 })).producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'oauth-reauth', messages: [{ value: 'before' }] });
      // kafkajs re-authenticates when it next sends past its threshold.
      await expect.poll(async () => {
        await producer.send({ topic: 'oauth-reauth', messages: [{ value: 'during' }] });
        return reauthentications();
      }, { timeout: 15_000, interval: 500 }).toBeGreaterThan(before);
      const [result] = await producer.send({ topic: 'oauth-reauth', messages: [{ value: 'after' }] });
      expect(result!.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
  }, 30_000);

  it.each([
    ['an expired token', token({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 60 }), /the token expired/],
    ['a signed token', token({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 }, 'HS256'), /only unsecured tokens/],
  ])('refuses %s', async (_name, value, reason) => {
    const producer = kafka(value).producer();
    await expect(producer.connect()).rejects.toThrow(reason);
    await producer.disconnect();
  });

  it.skipIf(!requireKcat())('lets kcat in with librdkafka\'s unsecured token, produce and consume', async () => {
    const sasl = ['-b', `127.0.0.1:${saslPort}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=OAUTHBEARER',
      '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', 'sasl.oauthbearer.config=principal=bob lifeSeconds=600'];
    const produced = await runKcat([...sasl, '-P', '-t', 'oauth-kcat'], 'p\nq\n');
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await runKcat([...sasl, '-C', '-t', 'oauth-kcat', '-o', 'beginning', '-e', '-f', '%o %s\\n']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.toString()).toBe('0 p\n1 q\n');
  });
});
