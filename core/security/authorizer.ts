import { AclOperation, AclPermissionType, PatternType, supportedOperations, WILDCARD, WILDCARD_PRINCIPAL, type AclBinding } from './acl.js';
import { principalToString, type KafkaPrincipal } from './kafka-principal.js';

export interface AuthorizerSettings {
  /** `super.users`: principals (`User:admin`) allowed everything, whatever the ACLs say. */
  readonly superUsers: ReadonlySet<string>;
  /** `allow.everyone.if.no.acl.found`: the answer for a resource no ACL names at all. */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** Who asks, from where. `host` is the client's address as the ACLs spell it. */
export interface Requester {
  readonly principal: KafkaPrincipal;
  readonly host: string;
}

/** Read, Write, Delete and Alter imply Describe; AlterConfigs implies DescribeConfigs (for ALLOW ACLs only). */
const impliedBy: ReadonlyMap<number, readonly number[]> = new Map([
  [AclOperation.describe, [AclOperation.describe, AclOperation.read, AclOperation.write, AclOperation.delete, AclOperation.alter]],
  [AclOperation.describeConfigs, [AclOperation.describeConfigs, AclOperation.alterConfigs]],
]);

/**
 * Kafka's StandardAuthorizer over one set of ACLs: super users may do anything; otherwise the ACLs
 * whose pattern covers the resource (literal name, literal `*`, prefixes of the name) decide, a
 * matching DENY winning over any ALLOW. A resource that no ACL covers, whoever they name, gets
 * `allow.everyone.if.no.acl.found`; one that some ACL covers but none matches is denied.
 */
export class StandardAuthorizer {
  private readonly byResourceType = new Map<number, AclBinding[]>();

  constructor(
    acls: Iterable<AclBinding>,
    private readonly settings: AuthorizerSettings,
  ) {
    for (const acl of acls) {
      const list = this.byResourceType.get(acl.resourceType) ?? [];
      list.push(acl);
      this.byResourceType.set(acl.resourceType, list);
    }
  }

  isSuperUser(principal: KafkaPrincipal): boolean {
    return this.settings.superUsers.has(principalToString(principal));
  }

  authorize(who: Requester, operation: number, resourceType: number, resourceName: string): boolean {
    if (this.isSuperUser(who.principal)) return true;
    const principal = principalToString(who.principal);
    let coveredByAny = false;
    let allowed = false;
    for (const acl of this.byResourceType.get(resourceType) ?? []) {
      if (!patternCovers(acl, resourceName)) continue;
      coveredByAny = true;
      const result = aclResult(acl, principal, who.host, operation);
      if (result === AclPermissionType.deny) return false;
      if (result === AclPermissionType.allow) allowed = true;
    }
    return allowed || (!coveredByAny && this.settings.allowEveryoneIfNoAclFound);
  }

  /**
   * Kafka's authorizeByResourceType: may the principal do `operation` on some resource of the type
   * (InitProducerId without a transactional id asks whether it may write to any topic)? True when an
   * ALLOW for it is not covered by a DENY (a literal of the same name, or a prefix of it).
   */
  authorizeByResourceType(who: Requester, operation: number, resourceType: number): boolean {
    if (this.authorize(who, operation, resourceType, 'hardcode')) return true;
    const principal = principalToString(who.principal);
    const deniedLiterals = new Set<string>();
    const deniedPrefixes: string[] = [];
    const allows: AclBinding[] = [];
    for (const acl of this.byResourceType.get(resourceType) ?? []) {
      if (acl.host !== WILDCARD && acl.host !== who.host) continue;
      if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) continue;
      if (acl.operation !== operation && acl.operation !== AclOperation.all) continue;
      if (acl.permissionType === AclPermissionType.deny) {
        if (acl.patternType === PatternType.literal && acl.resourceName === WILDCARD) return false;
        if (acl.patternType === PatternType.literal) deniedLiterals.add(acl.resourceName);
        else deniedPrefixes.push(acl.resourceName);
      } else if (acl.permissionType === AclPermissionType.allow) {
        if (acl.patternType === PatternType.literal && acl.resourceName === WILDCARD) return true;
        allows.push(acl);
      }
    }
    return allows.some((acl) => {
      if (acl.patternType === PatternType.literal && deniedLiterals.has(acl.resourceName)) return false;
      return !deniedPrefixes.some((prefix) => acl.resourceName.startsWith(prefix));
    });
  }

  /** An authorized-operations field: bit `1 << operation` for each supported operation allowed. */
  authorizedOperations(who: Requester, resourceType: number, resourceName: string): number {
    let bits = 0;
    for (const operation of supportedOperations.get(resourceType) ?? []) {
      if (this.authorize(who, operation, resourceType, resourceName)) bits |= 1 << operation;
    }
    return bits;
  }
}

function patternCovers(acl: AclBinding, resourceName: string): boolean {
  if (acl.patternType === PatternType.prefixed) return resourceName.startsWith(acl.resourceName);
  return acl.resourceName === resourceName || acl.resourceName === WILDCARD;
}

/** ALLOW or DENY when the ACL applies to this principal, host and operation; UNKNOWN when it does not. */
function aclResult(acl: AclBinding, principal: string, host: string, operation: number): number {
  if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) return AclPermissionType.unknown;
  if (acl.host !== WILDCARD && acl.host !== host) return AclPermissionType.unknown;
  if (acl.operation !== AclOperation.all) {
    const applies = acl.permissionType === AclPermissionType.allow ? (impliedBy.get(operation) ?? [operation]).includes(acl.operation) : acl.operation === operation;
    if (!applies) return AclPermissionType.unknown;
  }
  return acl.permissionType;
}
