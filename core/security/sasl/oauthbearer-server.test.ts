import { describe, expect, it } from 'vitest';
import { OAuthBearerUnsecuredServer, unsecuredJwtOptions } from './oauthbearer-server.js';

const NOW = 1_800_000_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'none' }) => `${b64(header)}.${b64(claims)}.`;
const message = (token: string, gs2 = 'n,,') => Buffer.from(`${gs2}\u0001auth=Bearer ${token}\u0001\u0001`);
const server = (jaas: Record<string, string> = {}) => new OAuthBearerUnsecuredServer(unsecuredJwtOptions(new Map(Object.entries(jaas))), () => NOW);

describe('OAuthBearerUnsecuredServer', () => {
  it('takes the principal from sub and ends the credential at exp', () => {
    expect(server().evaluate(message(jwt({ sub: 'alice', exp: NOW / 1000 + 60 })))).toEqual({
      complete: true, challenge: Buffer.alloc(0), authorizationId: 'alice', credentialExpiresAtMs: NOW + 60_000,
    });
    expect(server({ unsecuredValidatorPrincipalClaimName: 'client_id', unsecuredValidatorRequiredScope: 'read' })
      .evaluate(message(jwt({ client_id: 'svc', exp: NOW / 1000 + 1, scope: 'read write' }), 'n,a=svc,'))).toMatchObject({ authorizationId: 'svc' });
  });

  it.each([
    [message(jwt({ sub: 'alice', exp: NOW / 1000 })), /the token expired/],
    [message(jwt({ sub: 'alice' })), /no exp claim/],
    [message(jwt({ exp: NOW / 1000 + 60 })), /no sub claim/],
    [message(jwt({ sub: 'alice', exp: NOW / 1000 + 60 }, { alg: 'HS256' })), /only unsecured tokens/],
    [message(`${jwt({ sub: 'alice', exp: NOW / 1000 + 60 })}c2ln`), /no signature/],
    [message('not-a-jwt'), /not a JWT/],
    [message(jwt({ sub: 'alice', exp: NOW / 1000 + 60 }), 'n,a=bob,'), /not the token's principal/],
    [Buffer.from('n,,auth=Bearer x'), /Invalid OAUTHBEARER client first message/],
  ])('refuses %s', (token, reason) => {
    expect(() => server().evaluate(token)).toThrow(reason);
  });

  it('refuses a token without the required scope', () => {
    expect(() => server({ unsecuredValidatorRequiredScope: 'admin' }).evaluate(message(jwt({ sub: 'a', exp: NOW / 1000 + 9, scope: 'read' })))).toThrow(/lacks the scope admin/);
  });
});
