import { SaslAuthenticationError, type SaslServer, type SaslStep } from './sasl-server.js';

/** Kafka's unsecured-JWT validator options (the OAuthBearerLoginModule's `unsecuredValidator*` JAAS options). */
export interface UnsecuredJwtOptions {
  /** unsecuredValidatorPrincipalClaimName, default `sub`. */
  readonly principalClaimName: string;
  /** unsecuredValidatorScopeClaimName, default `scope`. */
  readonly scopeClaimName: string;
  /** unsecuredValidatorRequiredScope: scopes the token must all hold. */
  readonly requiredScope: readonly string[];
  /** unsecuredValidatorAllowableClockSkewMs, default 0. */
  readonly allowableClockSkewMs: number;
}

export function unsecuredJwtOptions(jaas: ReadonlyMap<string, string>): UnsecuredJwtOptions {
  const skew = Number(jaas.get('unsecuredValidatorAllowableClockSkewMs') ?? 0);
  return {
    principalClaimName: jaas.get('unsecuredValidatorPrincipalClaimName') ?? 'sub',
    scopeClaimName: jaas.get('unsecuredValidatorScopeClaimName') ?? 'scope',
    requiredScope: (jaas.get('unsecuredValidatorRequiredScope') ?? '').split(/[\s,]+/).filter((s) => s !== ''),
    allowableClockSkewMs: Number.isFinite(skew) && skew >= 0 ? skew : 0,
  };
}

/**
 * SASL/OAUTHBEARER (RFC 7628) with Kafka's unsecured JWTs, for development: the client's
 * `n,,\x01auth=Bearer <jwt>\x01\x01` carries a token with `"alg":"none"`, whose principal claim
 * names the user and whose `exp` must lie ahead (it also ends the session, KIP-368). No signature
 * is checked: never a production authenticator, as in Kafka.
 */
export class OAuthBearerUnsecuredServer implements SaslServer {
  readonly mechanism = 'OAUTHBEARER';
  private done = false;

  constructor(
    private readonly options: UnsecuredJwtOptions,
    /** Epoch milliseconds. */
    private readonly now: () => number,
  ) {}

  evaluate(token: Buffer): SaslStep {
    if (this.done) throw new SaslAuthenticationError('Invalid OAUTHBEARER exchange: the authentication is already complete');
    this.done = true;
    const message = token.toString('utf8');
    const match = /^([ny]),(a=[^,]*)?,\u0001(.*)\u0001\u0001$/s.exec(message);
    if (match === null) throw new SaslAuthenticationError('Invalid OAUTHBEARER client first message');
    const pairs = new Map(match[3]!.split('\u0001').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
    const bearer = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(pairs.get('auth') ?? '');
    if (bearer === null) throw new SaslAuthenticationError('Invalid OAUTHBEARER client first message: no auth=Bearer token');
    const claims = this.claims(bearer[1]!);
    const principal = claims[this.options.principalClaimName];
    if (typeof principal !== 'string' || principal === '') throw invalidToken(`no ${this.options.principalClaimName} claim`);
    const authorizationId = match[2] === undefined ? '' : match[2].slice(2);
    if (authorizationId !== '' && authorizationId !== principal) throw invalidToken('the authorization id is not the token\'s principal');
    const exp = claims['exp'];
    if (typeof exp !== 'number') throw invalidToken('no exp claim');
    const expiresAtMs = exp * 1000;
    if (expiresAtMs + this.options.allowableClockSkewMs <= this.now()) throw invalidToken('the token expired');
    const scope = claims[this.options.scopeClaimName];
    const scopes = Array.isArray(scope) ? scope.map(String) : typeof scope === 'string' ? scope.split(' ') : [];
    const missing = this.options.requiredScope.find((required) => !scopes.includes(required));
    if (missing !== undefined) throw invalidToken(`the token lacks the scope ${missing}`);
    return { complete: true, challenge: Buffer.alloc(0), authorizationId: principal, credentialExpiresAtMs: expiresAtMs };
  }

  private claims(jwt: string): Record<string, unknown> {
    const [header, payload, signature, extra] = jwt.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined) throw invalidToken('not a JWT (header.payload.signature)');
    const json = (part: string): Record<string, unknown> => {
      try {
        const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
      } catch {
        // Reported below, without the token.
      }
      throw invalidToken('its header or payload is not a JSON object');
    };
    if (json(header!)['alg'] !== 'none') throw invalidToken('only unsecured tokens ("alg":"none") are accepted');
    if (signature !== '') throw invalidToken('an unsecured token has no signature');
    return json(payload);
  }
}

function invalidToken(why: string): SaslAuthenticationError {
  return new SaslAuthenticationError(`Authentication failed: invalid token: ${why}`);
}
