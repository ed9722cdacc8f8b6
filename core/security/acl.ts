/**
 * Kafka's ACL vocabulary with its wire codes (ResourceType, PatternType, AclOperation,
 * AclPermissionType), an ACL binding as AccessControlEntryRecord stores it, and the filters of
 * DescribeAcls/DeleteAcls (ANY and MATCH).
 */
export const ResourceType = { unknown: 0, any: 1, topic: 2, group: 3, cluster: 4, transactionalId: 5, delegationToken: 6, user: 7 } as const;
export const PatternType = { unknown: 0, any: 1, match: 2, literal: 3, prefixed: 4 } as const;
export const AclOperation = {
  unknown: 0, any: 1, all: 2, read: 3, write: 4, create: 5, delete: 6, alter: 7, describe: 8,
  clusterAction: 9, describeConfigs: 10, alterConfigs: 11, idempotentWrite: 12, createTokens: 13, describeTokens: 14,
} as const;
export const AclPermissionType = { unknown: 0, any: 1, deny: 2, allow: 3 } as const;

/** The name every CLUSTER resource has. */
export const CLUSTER_NAME = 'kafka-cluster';
/** A literal resource name, principal or host matching every one. */
export const WILDCARD = '*';
export const WILDCARD_PRINCIPAL = 'User:*';

/** One ACL: who (`User:alice`) may or may not do what from where, on which resources. */
export interface AclBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

export function sameAclBinding(a: AclBinding, b: AclBinding): boolean {
  return a.resourceType === b.resourceType && a.resourceName === b.resourceName && a.patternType === b.patternType && a.principal === b.principal && a.host === b.host && a.operation === b.operation && a.permissionType === b.permissionType;
}

/** DescribeAcls/DeleteAcls' filter: null names match any, ANY codes match every value, MATCH patterns what applies to the name. */
export interface AclBindingFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

const { read, write, create, delete: remove, alter, describe, clusterAction, describeConfigs, alterConfigs, idempotentWrite, createTokens, describeTokens } = AclOperation;

/** Kafka's AclEntry.supportedOperations: what an ACL (and an authorized-operations field) can name per resource type. */
export const supportedOperations: ReadonlyMap<number, readonly number[]> = new Map([
  [ResourceType.topic, [read, write, create, describe, remove, alter, describeConfigs, alterConfigs]],
  [ResourceType.group, [read, describe, remove, describeConfigs, alterConfigs]],
  [ResourceType.cluster, [create, clusterAction, describeConfigs, alterConfigs, idempotentWrite, alter, describe]],
  [ResourceType.transactionalId, [describe, write]],
  [ResourceType.delegationToken, [describe]],
  [ResourceType.user, [createTokens, describeTokens]],
]);

/**
 * Why an ACL cannot be created (Kafka's controller answers INVALID_REQUEST), or null when it can.
 * As in Kafka, an operation the resource type does not support is accepted here (kafka-acls refuses it).
 */
export function aclBindingProblem(acl: AclBinding): string | null {
  if (!supportedOperations.has(acl.resourceType)) return `Invalid resource type ${acl.resourceType}`;
  if (acl.patternType !== PatternType.literal && acl.patternType !== PatternType.prefixed) return `Invalid pattern type ${acl.patternType}`;
  if (acl.resourceName === '') return 'Resource name should not be empty';
  if (acl.resourceType === ResourceType.cluster && acl.resourceName !== CLUSTER_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  if (acl.permissionType !== AclPermissionType.allow && acl.permissionType !== AclPermissionType.deny) return `Invalid permission type ${acl.permissionType}`;
  if (acl.operation < AclOperation.all || acl.operation > AclOperation.describeTokens) return `Invalid operation ${acl.operation}`;
  const colon = acl.principal.indexOf(':');
  if (colon <= 0 || colon === acl.principal.length - 1) return `Could not parse principal from '${acl.principal}' (no colon is present separating the principal type from the principal name)`;
  if (acl.host === '') return 'Host should not be empty';
  return null;
}

/** Whether an ACL is one a filter names (DescribeAcls lists it, DeleteAcls removes it). */
export function aclMatchesFilter(acl: AclBinding, filter: AclBindingFilter): boolean {
  if (filter.resourceType !== ResourceType.any && filter.resourceType !== acl.resourceType) return false;
  if (filter.operation !== AclOperation.any && filter.operation !== acl.operation) return false;
  if (filter.permissionType !== AclPermissionType.any && filter.permissionType !== acl.permissionType) return false;
  if (filter.principal !== null && filter.principal !== acl.principal) return false;
  if (filter.host !== null && filter.host !== acl.host) return false;
  if (filter.patternType === PatternType.match) {
    if (filter.resourceName === null) return true;
    if (acl.patternType === PatternType.literal) return acl.resourceName === filter.resourceName || acl.resourceName === WILDCARD;
    return acl.patternType === PatternType.prefixed && filter.resourceName.startsWith(acl.resourceName);
  }
  if (filter.patternType !== PatternType.any && filter.patternType !== acl.patternType) return false;
  return filter.resourceName === null || filter.resourceName === acl.resourceName;
}

/** A filter is refused when it could match nothing sensible (Kafka: INVALID_REQUEST). */
export function aclFilterProblem(filter: AclBindingFilter): string | null {
  if (filter.resourceType === ResourceType.unknown) return 'Resource type UNKNOWN matches nothing';
  if (filter.patternType === PatternType.unknown) return 'Pattern type UNKNOWN matches nothing';
  if (filter.operation === AclOperation.unknown) return 'Operation UNKNOWN matches nothing';
  if (filter.permissionType === AclPermissionType.unknown) return 'Permission type UNKNOWN matches nothing';
  return null;
}
