import { parsePrincipal, principalToString } from '../../core/security/kafka-principal.js';
import type { AuthorizerSettings } from '../../core/security/authorizer.js';

/** Kafka's KRaft authorizer, the one `authorizer.class.name` may name. */
export const STANDARD_AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';

export function authorizerClassName(value: string): string | undefined {
  if (value === '' || value === STANDARD_AUTHORIZER) return undefined;
  if (value === 'kafka.security.authorizer.AclAuthorizer') return `is ZooKeeper's authorizer (removed in Kafka 4); use ${STANDARD_AUTHORIZER}`;
  return `must be empty or ${STANDARD_AUTHORIZER}`;
}

function superUserList(value: string): string[] {
  return value.split(';').map((s) => s.trim()).filter((s) => s !== '');
}

export function superUsers(value: string): string | undefined {
  const bad = superUserList(value).find((text) => {
    try {
      parsePrincipal(text);
      return false;
    } catch {
      return true;
    }
  });
  return bad === undefined ? undefined : `${JSON.stringify(bad)} is not a principal (<type>:<name>, e.g. User:admin)`;
}

/** The authorizer's settings, or null when `authorizer.class.name` names none (every request allowed). */
export function authorizerSettings(values: { 'authorizer.class.name': string; 'super.users': string; 'allow.everyone.if.no.acl.found': boolean }): AuthorizerSettings | null {
  if (values['authorizer.class.name'] === '') return null;
  return {
    superUsers: new Set(superUserList(values['super.users']).map((text) => principalToString(parsePrincipal(text)))),
    allowEveryoneIfNoAclFound: values['allow.everyone.if.no.acl.found'],
  };
}
