import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultApiVersionsRequest } from '../../core/protocol/generated/messages/api-versions.js';
import { defaultMetadataRequest } from '../../core/protocol/generated/messages/metadata.js';
import { decodeResponse, encodeRequest } from '../../core/protocol/request-frames.js';
import { ANONYMOUS, principalToString } from '../../core/security/kafka-principal.js';
import { PlainSaslServer, plainUsersFromJaasOptions } from '../../core/security/sasl/plain-server.js';
import type { ConnectionInfo, ResponseFrame } from './request-dispatcher.js';
import { SaslAuthenticator, type AuthenticatorAnswer } from './sasl-authenticator.js';

const users = plainUsersFromJaasOptions(new Map([['user_alice', 'alice-secret'], ['user_bob', 'bob-secret']]));

function setup(maxReauthMs = 0) {
  let now = 1_000;
  const outcomes: string[] = [];
  const authenticator = new SaslAuthenticator({
    mechanisms: new Map([['PLAIN', () => new PlainSaslServer(users)]]),
    maxReauthMs,
    events: {
      succeeded: (_info, mechanism, reauthentication) => outcomes.push(`${reauthentication ? 'reauthenticated' : 'authenticated'} ${mechanism}`),
      failed: (_info, mechanism, reason) => outcomes.push(`failed ${mechanism}: ${reason}`),
    },
    now: () => now,
  });
  const info: ConnectionInfo = { connectionId: 'c1', listenerName: 'SASL_PLAINTEXT', clientAddress: '127.0.0.1:1', principal: ANONYMOUS };
  let correlationId = 0;
  const request = (apiKey: number, apiVersion: number, body: unknown): AuthenticatorAnswer | null =>
    authenticator.handle(Buffer.concat(encodeRequest({ requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId: ++correlationId, clientId: 'test' }, body).toChunks()), info);
  return { authenticator, info, outcomes, request, advance: (ms: number) => (now += ms) };
}

/** The response body inside a frame's chunks (size prefix first). */
function body(frame: ResponseFrame, apiKey: number, apiVersion: number): unknown {
  return decodeResponse(Buffer.concat(frame!).subarray(4), apiKey, apiVersion).body;
}

const plain = (user: string, password: string) => ({ authBytes: Buffer.from(`\u0000${user}\u0000${password}`) });

describe('SaslAuthenticator', () => {
  it('lets ApiVersions through, then sets User:<name> once SaslHandshake v1 and SaslAuthenticate succeed', () => {
    const { authenticator, info, outcomes, request } = setup();
    expect(request(ApiKey.ApiVersions, 3, defaultApiVersionsRequest())).toBeNull();
    const handshake = request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })!;
    expect(body(handshake.response, ApiKey.SaslHandshake, 1)).toEqual({ errorCode: ErrorCode.NONE, mechanisms: ['PLAIN'] });
    expect(authenticator.authenticated).toBe(false);
    const authenticate = request(ApiKey.SaslAuthenticate, 2, plain('alice', 'alice-secret'))!;
    expect(authenticate.close).toBeUndefined();
    expect(body(authenticate.response, ApiKey.SaslAuthenticate, 2)).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 0n });
    expect(principalToString(info.principal)).toBe('User:alice');
    expect(authenticator.authenticated).toBe(true);
    expect(request(ApiKey.Metadata, 12, defaultMetadataRequest())).toBeNull();
    expect(outcomes).toEqual(['authenticated PLAIN']);
  });

  it('reads SaslHandshake v0\'s bare tokens and answers with a bare frame', () => {
    const { authenticator, info, request } = setup();
    request(ApiKey.SaslHandshake, 0, { mechanism: 'PLAIN' });
    const answer = authenticator.handle(Buffer.from('\u0000bob\u0000bob-secret'), info)!;
    expect(Buffer.concat(answer.response!)).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(info.principal.name).toBe('bob');
  });

  it('closes without an answer on a bad bare token (v0 cannot carry an error)', () => {
    const { authenticator, info, outcomes, request } = setup();
    request(ApiKey.SaslHandshake, 0, { mechanism: 'PLAIN' });
    expect(authenticator.handle(Buffer.from('\u0000bob\u0000nope'), info)).toEqual({ response: null, close: 'SASL authentication failed: Authentication failed: Invalid username or password' });
    expect(info.principal).toBe(ANONYMOUS);
    expect(outcomes).toEqual(['failed PLAIN: Authentication failed: Invalid username or password']);
  });

  it.each([
    ['a request before the handshake', (r: ReturnType<typeof setup>['request']) => r(ApiKey.Metadata, 12, defaultMetadataRequest()), /before SASL authentication/],
    ['a second handshake instead of SaslAuthenticate', (r: ReturnType<typeof setup>['request']) => {
      r(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
      return r(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    }, /SaslAuthenticate expected/],
    ['ApiVersions in the middle of the exchange', (r: ReturnType<typeof setup>['request']) => {
      r(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
      return r(ApiKey.ApiVersions, 3, defaultApiVersionsRequest());
    }, /SaslAuthenticate expected/],
  ])('closes the connection on %s, and keeps it closed', (_name, steps, reason) => {
    const { info, request } = setup();
    const answer = steps(request)!;
    expect(answer.response).toBeNull();
    expect(answer.close).toMatch(reason);
    expect(request(ApiKey.ApiVersions, 3, defaultApiVersionsRequest())).toEqual({ response: null, close: 'authentication already failed' });
    expect(info.principal).toBe(ANONYMOUS);
  });

  it('re-authenticates within connections.max.reauth.ms, refuses a change of principal, and closes an expired session', () => {
    const { info, outcomes, request, advance } = setup(60_000);
    request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    const first = request(ApiKey.SaslAuthenticate, 1, plain('alice', 'alice-secret'))!;
    expect(body(first.response, ApiKey.SaslAuthenticate, 1)).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 60_000n });
    advance(50_000);
    request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    // Requests in between keep flowing during a re-authentication.
    expect(request(ApiKey.Metadata, 12, defaultMetadataRequest())).toBeNull();
    expect(body(request(ApiKey.SaslAuthenticate, 1, plain('alice', 'alice-secret'))!.response, ApiKey.SaslAuthenticate, 1)).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 60_000n });
    advance(59_000);
    expect(request(ApiKey.Metadata, 12, defaultMetadataRequest())).toBeNull();
    request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    const changed = request(ApiKey.SaslAuthenticate, 1, plain('bob', 'bob-secret'))!;
    expect(body(changed.response, ApiKey.SaslAuthenticate, 1)).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Cannot change principals during re-authentication' });
    expect(changed.close).toBeDefined();
    expect(info.principal.name).toBe('alice');
    expect(outcomes).toEqual(['authenticated PLAIN', 'reauthenticated PLAIN', 'failed PLAIN: Cannot change principals during re-authentication']);

    const expired = setup(60_000);
    expired.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    expired.request(ApiKey.SaslAuthenticate, 1, plain('alice', 'alice-secret'));
    expired.advance(60_001);
    expect(expired.request(ApiKey.Metadata, 12, defaultMetadataRequest())?.close).toMatch(/session expired/);
  });
});
