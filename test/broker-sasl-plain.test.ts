import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../core/protocol/frame.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { SaslAuthenticateResponse } from '../core/protocol/generated/messages/sasl-authenticate.js';
import type { SaslHandshakeResponse } from '../core/protocol/generated/messages/sasl-handshake.js';
import { defaultMetadataRequest } from '../core/protocol/generated/messages/metadata.js';
import { decodeResponse } from '../core/protocol/request-frames.js';
import { readValues } from './support/kafkajs-read.js';
import { metricValue, type FreshetNode } from './support/freshet-node.js';
import { startSaslNode } from './support/sasl-node.js';
import { requireKcat, runKcat } from './support/kcat.js';
import { rawConnect, rawRequest, requestFrame } from './support/raw-requests.js';

/**
 * SASL/PLAIN on a SASL_PLAINTEXT listener, configured with the JAAS line a Kafka operator
 * already has, against a node started as a user starts it: kafkajs and kcat authenticate,
 * produce and consume; a wrong password is refused with SASL_AUTHENTICATION_FAILED and reaches
 * no other API; a client skipping the handshake is disconnected.
 */
const JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ' +
  'user_admin="admin-secret" user_alice="alice-secret";';

let node: FreshetNode;
let saslPort: number;

beforeAll(async () => {
  ({ node, saslPort } = await startSaslNode({
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
  }));
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

const kafka = (sasl: SASLOptions) =>
  new Kafka({ clientId: 'sasl-plain-test', brokers: [`127.0.0.1:${saslPort}`], sasl, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });

/** Every response frame the broker sends on `socket` until it closes it (or `timeoutMs` passes). */
function framesUntilClose(socket: import('node:net').Socket, timeoutMs = 10_000): Promise<{ frames: Buffer[]; closed: boolean }> {
  const decoder = new FrameDecoder(1 << 20);
  const frames: Buffer[] = [];
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ frames, closed: false }), timeoutMs);
    socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk).map((frame) => Buffer.from(frame))));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ frames, closed: true });
    });
  });
}

const plainToken = (user: string, password: string): Buffer => Buffer.from(`\u0000${user}\u0000${password}`);

describe('SASL/PLAIN on a SASL_PLAINTEXT listener', () => {
  it('lets kafkajs authenticate with a JAAS user, produce and consume', async () => {
    const client = kafka({ mechanism: 'plain', username: 'alice', password: 'alice-secret' });
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: 'sasl-kafkajs', messages: ['one', 'two', 'three'].map((value) => ({ value })) });
    await producer.disconnect();
    const consumer = client.consumer({ groupId: 'sasl-kafkajs-group' });
    try {
      expect(await readValues(consumer, 'sasl-kafkajs', 3)).toEqual(['one', 'two', 'three']);
    } finally {
      await consumer.disconnect();
    }
    const metrics = await node.metrics();
    expect(metricValue(metrics, 'freshet_network_authentications_total', { listener: 'SASL_PLAINTEXT', mechanism: 'PLAIN', result: 'success' })).toBeGreaterThanOrEqual(2);
  });

  it('refuses kafkajs with a wrong password with SASL_AUTHENTICATION_FAILED', async () => {
    const producer = kafka({ mechanism: 'plain', username: 'alice', password: 'wrong' }).producer();
    await expect(producer.connect()).rejects.toThrow(/SASL PLAIN authentication failed: Authentication failed: Invalid username or password/);
    await producer.disconnect();
    // The node's log leaves through an asynchronous destination.
    await expect.poll(() => node.output(), { timeout: 10_000 }).toMatch(/Failed authentication with 127\.0\.0\.1:\d+ .*mechanism PLAIN\): Authentication failed: Invalid username or password/);
    expect(node.output()).not.toContain('wrong');
  });

  it.skipIf(!requireKcat())('lets kcat authenticate, produce and consume, and refuses it a wrong password', async () => {
    const sasl = (password: string) => ['-b', `127.0.0.1:${saslPort}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN',
      '-X', 'sasl.username=admin', '-X', `sasl.password=${password}`];
    const produced = await runKcat([...sasl('admin-secret'), '-P', '-t', 'sasl-kcat'], 'a\nb\nc\n');
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await runKcat([...sasl('admin-secret'), '-C', '-t', 'sasl-kcat', '-o', 'beginning', '-e', '-f', '%o %s\\n']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.toString()).toBe('0 a\n1 b\n2 c\n');
    const refused = await runKcat([...sasl('not-it'), '-L', '-m', '5'], undefined, 20_000);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Authentication failed: Invalid username or password/);
  });

  it('answers no other request once the password was wrong, even one sent right behind it', async () => {
    const before = metricValue(await node.metrics(), 'freshet_network_requests_total', { api: 'Metadata' });
    const socket = await rawConnect(saslPort);
    const received = framesUntilClose(socket);
    socket.write(
      Buffer.concat([
        requestFrame(ApiKey.SaslHandshake, 1, 1, { mechanism: 'PLAIN' }),
        requestFrame(ApiKey.SaslAuthenticate, 2, 2, { authBytes: plainToken('alice', 'bad') }),
        requestFrame(ApiKey.Metadata, 12, 3, defaultMetadataRequest()),
      ]),
    );
    const { frames, closed } = await received;
    expect(closed).toBe(true);
    expect(frames).toHaveLength(2);
    const handshake = decodeResponse(frames[0]!, ApiKey.SaslHandshake, 1).body as SaslHandshakeResponse;
    expect(handshake).toEqual({ errorCode: ErrorCode.NONE, mechanisms: ['PLAIN'] });
    const authenticate = decodeResponse(frames[1]!, ApiKey.SaslAuthenticate, 2).body as SaslAuthenticateResponse;
    expect(authenticate.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(authenticate.errorMessage).toBe('Authentication failed: Invalid username or password');
    expect(metricValue(await node.metrics(), 'freshet_network_requests_total', { api: 'Metadata' })).toBe(before);
  });

  it('disconnects a client that skips the handshake, without answering', async () => {
    const socket = await rawConnect(saslPort);
    const received = framesUntilClose(socket);
    socket.write(requestFrame(ApiKey.Metadata, 12, 1, defaultMetadataRequest()));
    expect(await received).toEqual({ frames: [], closed: true });
  });

  it('answers UNSUPPORTED_SASL_MECHANISM with the enabled mechanisms, then closes', async () => {
    const socket = await rawConnect(saslPort);
    const received = framesUntilClose(socket);
    socket.write(requestFrame(ApiKey.SaslHandshake, 1, 1, { mechanism: 'GSSAPI' }));
    const { frames, closed } = await received;
    expect(closed).toBe(true);
    expect(decodeResponse(frames[0]!, ApiKey.SaslHandshake, 1).body).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN'] });
  });

  it('answers a SASL request on the PLAINTEXT listener with ILLEGAL_SASL_STATE', async () => {
    const response = await rawRequest<SaslHandshakeResponse>(node.port, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    expect(response.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
  });
});
