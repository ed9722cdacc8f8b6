import { rmSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { ConfigResourceTypes, Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readValues } from './support/kafkajs-read.js';
import { metricValue, startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';
import { makeTestCertificates, type TestCertificates } from './support/test-certificates.js';

/**
 * SSL and SASL_SSL listeners with PEM stores made for the test: kafkajs and kcat produce and
 * consume over TLS; on the SSL listener (ssl.client.auth=required) the client certificate's
 * subject is the principal and a client without one is refused; SASL_SSL authenticates with PLAIN.
 */
let node: FreshetNode;
let certs: TestCertificates;

beforeAll(async () => {
  certs = makeTestCertificates(['alice']);
  node = await startFreshetNode({
    extraListeners: { SSL: 'SSL', SASL_SSL: 'SASL_SSL' },
    properties: {
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.brokerKeystorePath,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.caPath,
      'ssl.truststore.password': 'trust-secret',
      'ssl.client.auth': 'required',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="bob-secret";',
      'log.level.request': 'debug',
    },
  });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
  if (certs !== undefined) rmSync(certs.dir, { recursive: true, force: true });
});

const kafka = (listener: string, extra: Partial<KafkaConfig>) =>
  new Kafka({ clientId: 'tls-test', brokers: [`127.0.0.1:${node.listenerPorts[listener]}`], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 }, ...extra });

async function roundTrip(client: Kafka, topic: string): Promise<string[]> {
  const producer = client.producer();
  await producer.connect();
  await producer.send({ topic, messages: ['x', 'y', 'z'].map((value) => ({ value })) });
  await producer.disconnect();
  const consumer = client.consumer({ groupId: `${topic}-group` });
  try {
    return await readValues(consumer, topic, 3);
  } finally {
    await consumer.disconnect();
  }
}

describe('TLS listeners', () => {
  it('serves kafkajs over SSL with a client certificate, whose subject is the principal', async () => {
    const ssl = { ca: [certs.read(certs.caPath)], cert: certs.read(certs.clients['alice']!.certPath), key: certs.read(certs.clients['alice']!.keyPath) };
    expect(await roundTrip(kafka('SSL', { ssl }), 'tls-kafkajs')).toEqual(['x', 'y', 'z']);
    await expect.poll(() => node.output(), { timeout: 10_000 }).toMatch(/Completed request.*User:CN=alice,OU=Test,O=Freshet/);
    expect(metricValue(await node.metrics(), 'freshet_network_tls_handshakes_total', { listener: 'SSL', result: 'success' })).toBeGreaterThan(0);
  });

  it('refuses a client without a certificate on the SSL listener (ssl.client.auth=required)', async () => {
    const admin = kafka('SSL', { ssl: { ca: [certs.read(certs.caPath)] } }).admin();
    await expect(admin.connect()).rejects.toThrow();
    await admin.disconnect();
    expect(metricValue(await node.metrics(), 'freshet_network_tls_handshakes_total', { listener: 'SSL', result: 'failure' })).toBeGreaterThan(0);
  });

  it('serves kafkajs over SASL_SSL with PLAIN and no client certificate (ssl.client.auth applies to SSL only)', async () => {
    const client = kafka('SASL_SSL', { ssl: { ca: [certs.read(certs.caPath)] }, sasl: { mechanism: 'plain', username: 'bob', password: 'bob-secret' } });
    expect(await roundTrip(client, 'sasl-ssl-kafkajs')).toEqual(['x', 'y', 'z']);
    await expect.poll(() => node.output(), { timeout: 10_000 }).toMatch(/Completed request.*User:bob/);
  });

  it('never shows a password in DescribeConfigs', async () => {
    const admin = new Kafka({ clientId: 'tls-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['ssl.truststore.password', 'ssl.keystore.location'] }], includeSynonyms: true });
      const byName = new Map(resources[0]!.configEntries.map((entry) => [entry.configName, entry]));
      expect(byName.get('ssl.truststore.password')).toMatchObject({ configValue: null, isSensitive: true });
      expect(JSON.stringify(resources)).not.toContain('trust-secret');
      expect(byName.get('ssl.keystore.location')).toMatchObject({ configValue: certs.brokerKeystorePath, isSensitive: false });
    } finally {
      await admin.disconnect();
    }
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('completes a %s handshake', async (version) => {
    const socket = tlsConnect({
      host: '127.0.0.1', port: node.listenerPorts['SSL']!, ca: certs.read(certs.caPath), minVersion: version, maxVersion: version,
      cert: certs.read(certs.clients['alice']!.certPath), key: certs.read(certs.clients['alice']!.keyPath),
    });
    try {
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      expect(socket.getProtocol()).toBe(version);
    } finally {
      socket.destroy();
    }
  });

  it.skipIf(!requireKcat())('serves kcat over SSL and SASL_SSL', async () => {
    const ssl = ['-X', `ssl.ca.location=${certs.caPath}`];
    const sslListener = ['-b', `127.0.0.1:${node.listenerPorts['SSL']}`, '-X', 'security.protocol=SSL', ...ssl,
      '-X', `ssl.certificate.location=${certs.clients['alice']!.certPath}`, '-X', `ssl.key.location=${certs.clients['alice']!.keyPath}`];
    const saslSsl = ['-b', `127.0.0.1:${node.listenerPorts['SASL_SSL']}`, '-X', 'security.protocol=SASL_SSL', ...ssl,
      '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=bob', '-X', 'sasl.password=bob-secret'];
    const produced = await runKcat([...sslListener, '-P', '-t', 'tls-kcat'], 'a\nb\n');
    expect(produced.code, produced.stderr).toBe(0);
    const more = await runKcat([...saslSsl, '-P', '-t', 'tls-kcat'], 'c\n');
    expect(more.code, more.stderr).toBe(0);
    const consumed = await runKcat([...saslSsl, '-C', '-t', 'tls-kcat', '-o', 'beginning', '-e', '-f', '%o %s\\n']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.toString()).toBe('0 a\n1 b\n2 c\n');
  });
});
