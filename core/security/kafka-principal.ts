/**
 * Who sent a request, as Kafka names it (`User:alice`): set by the listener's
 * authentication (SASL, a TLS client certificate) and read by the authorizer
 * and the quotas. A connection nobody authenticated is `User:ANONYMOUS`.
 */
export interface KafkaPrincipal {
  readonly principalType: string;
  readonly name: string;
}

export const USER_TYPE = 'User';

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ principalType: USER_TYPE, name: 'ANONYMOUS' });

export function userPrincipal(name: string): KafkaPrincipal {
  return { principalType: USER_TYPE, name };
}

export function principalToString(principal: KafkaPrincipal): string {
  return `${principal.principalType}:${principal.name}`;
}

/** `User:alice` → { User, alice }; the name may itself hold colons (`User:CN=a,O=b:c`). */
export function parsePrincipal(text: string): KafkaPrincipal {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) throw new Error(`'${text}' is not a principal: expected <type>:<name>, e.g. User:alice`);
  return { principalType: text.slice(0, colon), name: text.slice(colon + 1) };
}
