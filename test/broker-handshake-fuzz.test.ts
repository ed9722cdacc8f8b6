import { rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../core/actors/seeded-random.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { defaultApiVersionsRequest } from '../core/protocol/generated/messages/api-versions.js';
import { defaultMetadataRequest } from '../core/protocol/generated/messages/metadata.js';
import { metricValue, startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requestFrame } from './support/raw-requests.js';
import { makeTestCertificates, type TestCertificates } from './support/test-certificates.js';

/**
 * Hostile SASL and TLS handshakes against a node started as a user starts it: seeded random
 * sequences of truncated, oversized, out-of-order and garbage frames on a SASL_PLAINTEXT
 * listener, and mangled ClientHellos on an SSL listener. The broker must close those
 * connections, never crash, and still serve a real client afterwards. Reproduce a run with
 * FUZZ_SEED=<seed>.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1_000_000);
const SASL_CONNECTIONS = 120;
const TLS_CONNECTIONS = 40;

let node: FreshetNode;
let certs: TestCertificates;

beforeAll(async () => {
  certs = makeTestCertificates();
  node = await startFreshetNode({
    extraListeners: { SASL_PLAINTEXT: 'SASL_PLAINTEXT', SSL: 'SSL' },
    properties: {
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.brokerKeystorePath,
      'sasl.server.max.receive.size': 4096,
      'connection.authentication.timeout.ms': 1500,
    },
  });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
  if (certs !== undefined) rmSync(certs.dir, { recursive: true, force: true });
});

/** Writes `chunks` one by one, then waits for the broker to close (or gives up after `waitMs` and closes itself). */
async function throwAt(port: number, chunks: readonly Buffer[], waitMs = 2_500): Promise<'closed' | 'open'> {
  const socket: Socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  socket.on('data', () => {});
  const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()).once('close', () => resolve()));
  for (const chunk of chunks) if (!socket.destroyed) socket.write(chunk);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([closed, new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), waitMs)))]);
  clearTimeout(timer);
  socket.destroy();
  return outcome;
}

const sized = (body: Buffer): Buffer => {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
};

/** One hostile frame: a random pick among the kinds a broken or malicious client sends. */
function saslFrame(random: SeededRandom, correlationId: number): Buffer {
  const handshake = (mechanism: string, version: number) => requestFrame(ApiKey.SaslHandshake, version, correlationId, { mechanism });
  const authenticate = (authBytes: Buffer) => requestFrame(ApiKey.SaslAuthenticate, random.int(3), correlationId, { authBytes });
  const garbage = (length: number) => Buffer.from(Array.from({ length }, () => random.int(256)));
  switch (random.int(11)) {
    case 0: return requestFrame(ApiKey.ApiVersions, 3, correlationId, defaultApiVersionsRequest());
    case 1: return handshake(random.pick(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'GSSAPI', '', 'x'.repeat(300)]), random.int(2));
    case 2: return authenticate(Buffer.from(`\u0000alice\u0000${random.pick(['alice-secret', 'wrong', ''])}`));
    case 3: return authenticate(Buffer.from(random.pick(['n,,n=alice,r=abc', 'c=biws,r=x,p=AAAA', 'p=x,,n=a,r=b', 'n,,', ''])));
    case 4: return authenticate(garbage(random.int(200)));
    case 5: return requestFrame(ApiKey.Metadata, 12, correlationId, defaultMetadataRequest());
    case 6: return sized(garbage(random.int(64)));
    case 7: { // truncated: a valid frame cut short
      const frame = handshake('PLAIN', 1);
      return frame.subarray(0, random.int(frame.length));
    }
    case 8: { // a size prefix beyond sasl.server.max.receive.size, with some of the body
      const size = Buffer.alloc(4);
      size.writeInt32BE(random.pick([4097, 1 << 20, 0x7fffffff, -1]));
      return Buffer.concat([size, garbage(random.int(100))]);
    }
    case 9: return sized(Buffer.alloc(0));
    default: return garbage(random.int(32));
  }
}

/** A real ClientHello, recorded from node's TLS client, to mangle. */
async function recordClientHello(): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hello = new Promise<Buffer>((resolve) => server.once('connection', (socket) => socket.once('data', (chunk: Buffer) => { resolve(chunk); socket.destroy(); })));
  const client = tlsConnect({ port: (server.address() as { port: number }).port, host: '127.0.0.1', rejectUnauthorized: false });
  client.on('error', () => {});
  const bytes = await hello;
  client.destroy();
  server.close();
  return bytes;
}

async function stillServes(): Promise<void> {
  const kafka = new Kafka({ clientId: 'fuzz-check', brokers: [`127.0.0.1:${node.listenerPorts['SASL_PLAINTEXT']}`], sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' }, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const [result] = await producer.send({ topic: 'after-fuzz', messages: [{ value: 'still here' }] });
  expect(result!.errorCode).toBe(0);
  await producer.disconnect();
  expect(node.process().process.exitCode).toBeNull();
}

describe(`SASL and TLS handshake fuzz (FUZZ_SEED=${SEED})`, () => {
  it('closes every hostile SASL exchange and keeps serving', async () => {
    const random = new SeededRandom(SEED);
    const port = node.listenerPorts['SASL_PLAINTEXT']!;
    let closed = 0;
    for (let batch = 0; batch < SASL_CONNECTIONS; batch += 8) {
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const connection = random.fork();
          const frames = Array.from({ length: 1 + connection.int(5) }, (_, j) => saslFrame(connection, batch + i + j));
          return throwAt(port, frames);
        }),
      );
      closed += outcomes.filter((o) => o === 'closed').length;
    }
    // Every exchange is cut short: refused, failed, or left unfinished past the authentication timeout.
    expect(closed).toBe(SASL_CONNECTIONS);
    expect(metricValue(await node.metrics(), 'freshet_network_authentications_total', { listener: 'SASL_PLAINTEXT', result: 'failure' })).toBeGreaterThan(0);
    await stillServes();
  });

  it('closes a SASL connection that never authenticates once connection.authentication.timeout.ms passes', async () => {
    const started = Date.now();
    expect(await throwAt(node.listenerPorts['SASL_PLAINTEXT']!, [requestFrame(ApiKey.ApiVersions, 3, 1, defaultApiVersionsRequest())], 10_000)).toBe('closed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  });

  it('closes every mangled TLS handshake and keeps serving', async () => {
    const random = new SeededRandom(SEED + 1);
    const hello = await recordClientHello();
    const port = node.listenerPorts['SSL']!;
    for (let batch = 0; batch < TLS_CONNECTIONS; batch += 8) {
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () => {
          const r = random.fork();
          const mangled = Buffer.from(hello);
          switch (r.int(4)) {
            case 0: return throwAt(port, [mangled.subarray(0, r.int(mangled.length))]);
            case 1: {
              for (let flips = 0; flips < 1 + r.int(8); flips++) mangled[r.int(mangled.length)] = r.int(256);
              return throwAt(port, [mangled]);
            }
            case 2: return throwAt(port, [mangled.subarray(0, 5), Buffer.from(Array.from({ length: r.int(2000) }, () => r.int(256)))]);
            default: return throwAt(port, [requestFrame(ApiKey.ApiVersions, 3, 1, defaultApiVersionsRequest()), mangled]);
          }
        }),
      );
      expect(outcomes.every((o) => o === 'closed')).toBe(true);
    }
    expect(metricValue(await node.metrics(), 'freshet_network_tls_handshakes_total', { listener: 'SSL', result: 'failure' })).toBeGreaterThan(0);
    await stillServes();
  });
});
