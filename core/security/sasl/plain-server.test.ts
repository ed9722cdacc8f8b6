import { describe, expect, it } from 'vitest';
import { PlainSaslServer, plainUsersFromJaasOptions } from './plain-server.js';

const users = plainUsersFromJaasOptions(new Map([['username', 'admin'], ['password', 'admin-secret'], ['user_alice', 'alice-secret']]));
const token = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('PlainSaslServer', () => {
  it('authenticates a user_<name> entry, with or without an authorization id equal to the user', () => {
    expect(new PlainSaslServer(users).evaluate(token('\u0000alice\u0000alice-secret'))).toEqual({ complete: true, challenge: Buffer.alloc(0), authorizationId: 'alice' });
    expect(new PlainSaslServer(users).evaluate(token('alice\u0000alice\u0000alice-secret'))).toMatchObject({ authorizationId: 'alice' });
  });

  it.each([
    ['\u0000alice\u0000wrong', 'Authentication failed: Invalid username or password'],
    // The login module's own username/password are the broker's client credentials, not a user entry.
    ['\u0000admin\u0000admin-secret', 'Authentication failed: Invalid username or password'],
    ['\u0000nobody\u0000alice-secret', 'Authentication failed: Invalid username or password'],
    ['\u0000\u0000alice-secret', 'Authentication failed: username not specified'],
    ['\u0000alice\u0000', 'Authentication failed: password not specified'],
    ['alice\u0000alice-secret', 'Invalid SASL/PLAIN response: expected 3 tokens, got 2'],
    ['bob\u0000alice\u0000alice-secret', 'Authentication failed: Client requested an authorization id that is different from username'],
  ])('refuses %j with Kafka\'s message', (text, message) => {
    expect(() => new PlainSaslServer(users).evaluate(token(text))).toThrow(message);
  });

  it('takes one message only', () => {
    const server = new PlainSaslServer(users);
    server.evaluate(token('\u0000alice\u0000alice-secret'));
    expect(() => server.evaluate(token('\u0000alice\u0000alice-secret'))).toThrow(/already complete/);
  });
});
