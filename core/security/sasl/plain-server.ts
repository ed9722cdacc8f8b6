import { createHash, timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError, type SaslServer, type SaslStep } from './sasl-server.js';

/** Whether `password` is `username`'s; false for an unknown user. */
export type PlainCredentialCheck = (username: string, password: string) => boolean;

/**
 * SASL/PLAIN (RFC 4616): one message `[authzid] NUL authcid NUL passwd`,
 * checked at once. Kafka's messages, so clients show what Kafka's would.
 */
export class PlainSaslServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  private done = false;

  constructor(private readonly check: PlainCredentialCheck) {}

  evaluate(token: Buffer): SaslStep {
    if (this.done) throw new SaslAuthenticationError('Invalid SASL/PLAIN exchange: the authentication is already complete');
    this.done = true;
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
    const [authorizationId, username, password] = parts as [string, string, string];
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    if (!this.check(username, password)) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    if (authorizationId !== '' && authorizationId !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    return { complete: true, challenge: Buffer.alloc(0), authorizationId: username };
  }
}

/**
 * The users of Kafka's PlainLoginModule options (`user_alice="alice-secret"`),
 * compared in constant time so a response's timing tells nothing about the password.
 */
export function plainUsersFromJaasOptions(options: ReadonlyMap<string, string>): PlainCredentialCheck {
  const digests = new Map<string, Buffer>();
  for (const [key, value] of options) if (key.startsWith('user_')) digests.set(key.slice('user_'.length), sha256(value));
  return (username, password) => {
    const expected = digests.get(username);
    const given = sha256(password);
    return expected !== undefined && timingSafeEqual(expected, given);
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
