import { Command } from 'commander';
import { KafkaClientError } from '../client/client-error.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { CreateAclsResponse } from '../core/protocol/generated/messages/create-acls.js';
import type { DeleteAclsResponse } from '../core/protocol/generated/messages/delete-acls.js';
import type { DescribeAclsResponse } from '../core/protocol/generated/messages/describe-acls.js';
import { AclOperation, AclPermissionType, CLUSTER_NAME, PatternType, ResourceType, supportedOperations, WILDCARD, type AclBinding, type AclBindingFilter } from '../core/security/acl.js';
import { parsePrincipal } from '../core/security/kafka-principal.js';
import { bootstrapServerOption, clientAction, collect, ToolUsageError } from './kafka-tool.js';

export interface AclsOptions {
  bootstrapServer: string;
  add?: boolean;
  remove?: boolean;
  list?: boolean;
  topic?: string[];
  group?: string[];
  cluster?: boolean;
  transactionalId?: string[];
  delegationToken?: string[];
  resourcePatternType?: string;
  allowPrincipal?: string[];
  denyPrincipal?: string[];
  principal?: string[];
  allowHost?: string[];
  denyHost?: string[];
  operation?: string[];
  producer?: boolean;
  consumer?: boolean;
  idempotent?: boolean;
  force?: boolean;
}

/** CreateAcls, DeleteAcls and DescribeAcls v3: what Kafka 2.8+ brokers and Freshet serve (flexible, with prefixed patterns). */
const ACL_API_VERSION = 3;

interface Resource {
  readonly resourceType: number;
  readonly resourceName: string;
}

/** Kafka's enum names (`DESCRIBE_CONFIGS`), and the spellings kafka-acls takes (`DescribeConfigs`, `describe-configs`). */
const enumName = (values: Record<string, number>, code: number): string =>
  Object.entries(values)
    .find(([, value]) => value === code)![0]
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase();
const squash = (text: string): string => text.replace(/[-_]/g, '').toLowerCase();

function parseEnum(values: Record<string, number>, text: string, what: string): number {
  const found = Object.entries(values).find(([name]) => squash(name) === squash(text));
  if (found === undefined) throw new ToolUsageError(`Invalid ${what} "${text}"`);
  return found[1];
}

function resources(options: AclsOptions): Resource[] {
  return [
    ...(options.topic ?? []).map((resourceName) => ({ resourceType: ResourceType.topic, resourceName })),
    ...(options.group ?? []).map((resourceName) => ({ resourceType: ResourceType.group, resourceName })),
    ...(options.transactionalId ?? []).map((resourceName) => ({ resourceType: ResourceType.transactionalId, resourceName })),
    ...(options.delegationToken ?? []).map((resourceName) => ({ resourceType: ResourceType.delegationToken, resourceName })),
    ...(options.cluster ? [{ resourceType: ResourceType.cluster, resourceName: CLUSTER_NAME }] : []),
  ];
}

function principals(texts: readonly string[] | undefined): string[] {
  return (texts ?? []).map((text) => {
    try {
      const principal = parsePrincipal(text);
      return `${principal.principalType}:${principal.name}`;
    } catch (error) {
      throw new ToolUsageError((error as Error).message);
    }
  });
}

/** `--producer`/`--consumer` as kafka-acls expands them; otherwise `--operation` (All when absent) on every resource. */
function operationsByResource(options: AclsOptions, named: Resource[]): Map<Resource, number[]> {
  const byResource = new Map<Resource, number[]>();
  if (options.producer || options.consumer) {
    if (options.operation !== undefined) throw new ToolUsageError('--operation cannot be combined with --producer or --consumer');
    const topics = named.filter((r) => r.resourceType === ResourceType.topic);
    if (topics.length === 0) throw new ToolUsageError('--producer and --consumer need --topic');
    for (const resource of named) {
      const ops: number[] = [];
      if (resource.resourceType === ResourceType.topic) {
        if (options.producer) ops.push(AclOperation.write, AclOperation.describe, AclOperation.create);
        if (options.consumer) ops.push(AclOperation.read, AclOperation.describe);
      } else if (resource.resourceType === ResourceType.group && options.consumer) ops.push(AclOperation.read);
      else if (resource.resourceType === ResourceType.transactionalId && options.producer) ops.push(AclOperation.write, AclOperation.describe);
      else throw new ToolUsageError('With --producer/--consumer only --topic, --group (consumer) and --transactional-id (producer) apply');
      byResource.set(resource, [...new Set(ops)]);
    }
    if (options.producer && options.idempotent) byResource.set({ resourceType: ResourceType.cluster, resourceName: CLUSTER_NAME }, [AclOperation.idempotentWrite]);
    if (options.consumer && !named.some((r) => r.resourceType === ResourceType.group)) throw new ToolUsageError('--consumer needs --group');
    return byResource;
  }
  const ops = (options.operation ?? ['All']).map((text) => parseEnum(AclOperation, text, 'operation'));
  for (const resource of named) {
    const supported = supportedOperations.get(resource.resourceType)!;
    const unsupported = ops.filter((op) => op !== AclOperation.all && !supported.includes(op));
    if (unsupported.length > 0) {
      throw new ToolUsageError(`ResourceType ${enumName(ResourceType, resource.resourceType)} only supports operations ${supported.map((op) => enumName(AclOperation, op)).join(',')}`);
    }
    byResource.set(resource, ops);
  }
  return byResource;
}

/** The ACLs `--add` creates: each principal × host × operation, on each resource. */
export function aclsToAdd(options: AclsOptions): AclBinding[] {
  const patternType = parseEnum(PatternType, options.resourcePatternType ?? 'literal', '--resource-pattern-type');
  if (patternType !== PatternType.literal && patternType !== PatternType.prefixed) throw new ToolUsageError('--add takes --resource-pattern-type LITERAL or PREFIXED');
  const named = resources(options);
  if (named.length === 0) throw new ToolUsageError('--add needs a resource: --topic, --group, --cluster, --transactional-id or --delegation-token');
  const allow = principals(options.allowPrincipal);
  const deny = principals(options.denyPrincipal);
  if (allow.length === 0 && deny.length === 0) throw new ToolUsageError('--add needs --allow-principal or --deny-principal');
  const acls: AclBinding[] = [];
  for (const [resource, ops] of operationsByResource(options, named)) {
    const resourcePattern = resource.resourceType === ResourceType.cluster ? PatternType.literal : patternType;
    const entries = [
      ...allow.flatMap((principal) => (options.allowHost ?? [WILDCARD]).map((host) => ({ principal, host, permissionType: AclPermissionType.allow }))),
      ...deny.flatMap((principal) => (options.denyHost ?? [WILDCARD]).map((host) => ({ principal, host, permissionType: AclPermissionType.deny }))),
    ];
    for (const entry of entries) for (const operation of ops) acls.push({ ...resource, patternType: resourcePattern, ...entry, operation });
  }
  return acls;
}

/** The filters `--remove` and `--list` ask with: the named resources (every resource when none), narrowed by principal, host and operation when given. */
export function aclFilters(options: AclsOptions): AclBindingFilter[] {
  const patternType = parseEnum(PatternType, options.resourcePatternType ?? (options.list ? 'any' : 'literal'), '--resource-pattern-type');
  const named = resources(options);
  const onResources: Omit<AclBindingFilter, 'principal' | 'host' | 'operation' | 'permissionType'>[] =
    named.length === 0 ? [{ resourceType: ResourceType.any, resourceName: null, patternType: PatternType.any }] : named.map((r) => ({ ...r, patternType }));
  const listed = principals(options.principal);
  const allow = principals(options.allowPrincipal);
  const deny = principals(options.denyPrincipal);
  const entries: Pick<AclBindingFilter, 'principal' | 'host' | 'permissionType'>[] =
    allow.length + deny.length === 0
      ? (listed.length === 0 ? [null] : listed).map((principal) => ({ principal, host: null, permissionType: AclPermissionType.any }))
      : [
          ...allow.flatMap((principal) => (options.allowHost ?? [null]).map((host) => ({ principal, host, permissionType: AclPermissionType.allow }))),
          ...deny.flatMap((principal) => (options.denyHost ?? [null]).map((host) => ({ principal, host, permissionType: AclPermissionType.deny }))),
        ];
  const operations = (resource: (typeof onResources)[number]): number[] => {
    if (options.producer || options.consumer) return [...operationsByResource(options, named)].find(([r]) => r.resourceType === resource.resourceType && r.resourceName === resource.resourceName)?.[1] ?? [];
    return options.operation === undefined ? [AclOperation.any] : options.operation.map((text) => parseEnum(AclOperation, text, 'operation'));
  };
  return onResources.flatMap((resource) => entries.flatMap((entry) => operations(resource).map((operation) => ({ ...resource, ...entry, operation }))));
}

/** Kafka's text for a resource and an ACL entry, as kafka-acls prints them. */
export function formatResource(resource: { resourceType: number; resourceName: string; patternType: number }): string {
  return `ResourcePattern(resourceType=${enumName(ResourceType, resource.resourceType)}, name=${resource.resourceName}, patternType=${enumName(PatternType, resource.patternType)})`;
}

export function formatEntry(acl: { principal: string; host: string; operation: number; permissionType: number }): string {
  return `(principal=${acl.principal}, host=${acl.host}, operation=${enumName(AclOperation, acl.operation)}, permissionType=${enumName(AclPermissionType, acl.permissionType)})`;
}

function printByResource(heading: string, acls: readonly AclBinding[]): void {
  const groups = new Map<string, AclBinding[]>();
  for (const acl of acls) {
    const key = formatResource(acl);
    groups.set(key, [...(groups.get(key) ?? []), acl]);
  }
  for (const [resource, entries] of groups) process.stdout.write(`${heading} \`${resource}\`: \n ${entries.map((e) => `\t${formatEntry(e)}`).join(' \n ')} \n\n`);
}

const fail = (errorCode: number, message: string | null): never => {
  throw new KafkaClientError(errorCode, message ?? 'ACL request failed');
};

async function describeAcls(client: KafkaClient, filter: AclBindingFilter): Promise<AclBinding[]> {
  const connection = await client.anyConnection();
  const response = await connection.request<DescribeAclsResponse>(ApiKey.DescribeAcls, {
    resourceTypeFilter: filter.resourceType,
    resourceNameFilter: filter.resourceName,
    patternTypeFilter: filter.patternType,
    principalFilter: filter.principal,
    hostFilter: filter.host,
    operation: filter.operation,
    permissionType: filter.permissionType,
  }, ACL_API_VERSION);
  if (response.errorCode !== ErrorCode.NONE) fail(response.errorCode, response.errorMessage);
  return response.resources.flatMap((resource) => resource.acls.map((acl) => ({ resourceType: resource.resourceType, resourceName: resource.resourceName, patternType: resource.patternType, ...acl })));
}

async function runAcls(client: KafkaClient, options: AclsOptions): Promise<void> {
  if ([options.add, options.remove, options.list].filter(Boolean).length !== 1) throw new ToolUsageError('Command must include exactly one action: --list, --add, --remove');
  const connection = await client.anyConnection();
  if (options.add) {
    const acls = aclsToAdd(options);
    printByResource('Adding ACLs for resource', acls);
    const response = await connection.request<CreateAclsResponse>(ApiKey.CreateAcls, { creations: acls.map(({ patternType, ...acl }) => ({ ...acl, resourcePatternType: patternType })) }, ACL_API_VERSION);
    const failed = response.results.find((r) => r.errorCode !== ErrorCode.NONE);
    if (failed !== undefined) fail(failed.errorCode, failed.errorMessage);
  } else if (options.remove) {
    const filters = aclFilters(options);
    const response = await connection.request<DeleteAclsResponse>(ApiKey.DeleteAcls, {
      filters: filters.map((f) => ({ resourceTypeFilter: f.resourceType, resourceNameFilter: f.resourceName, patternTypeFilter: f.patternType, principalFilter: f.principal, hostFilter: f.host, operation: f.operation, permissionType: f.permissionType })),
    }, ACL_API_VERSION);
    const failed = response.filterResults.find((r) => r.errorCode !== ErrorCode.NONE);
    if (failed !== undefined) fail(failed.errorCode, failed.errorMessage);
    printByResource('Removed ACLs for resource', response.filterResults.flatMap((r) => r.matchingAcls));
    return;
  }
  // --list, and after --add the resource's ACLs now, as kafka-acls prints them.
  const shown = options.add ? resources(options).map((r) => ({ ...r, patternType: PatternType.any })) : null;
  const filters = shown === null ? aclFilters(options) : shown.map((r) => ({ ...r, principal: null, host: null, operation: AclOperation.any, permissionType: AclPermissionType.any }));
  const acls = (await Promise.all(filters.map((filter) => describeAcls(client, filter)))).flat();
  printByResource('Current ACLs for resource', acls);
}

/** `freshet acls`, as Kafka's kafka-acls tool. */
export function aclsCommand(): Command {
  return new Command('acls')
    .description('Add, remove or list ACLs (like kafka-acls)')
    .addOption(bootstrapServerOption())
    .option('--add', 'add ACLs')
    .option('--remove', 'remove ACLs (every ACL of the resources when no principal is given; never asks)')
    .option('--list', 'list ACLs (of the resources given, else all)')
    .option('--topic <topic>', 'a topic (repeatable; * for all)', collect)
    .option('--group <group>', 'a consumer group (repeatable; * for all)', collect)
    .option('--cluster', 'the cluster')
    .option('--transactional-id <id>', 'a transactional id (repeatable; * for all)', collect)
    .option('--delegation-token <id>', 'a delegation token (repeatable)', collect)
    .option('--resource-pattern-type <type>', 'LITERAL or PREFIXED (--add, default LITERAL); ANY or MATCH as well for --list (default ANY) and --remove (default LITERAL)')
    .option('--allow-principal <principal>', 'principal allowed, e.g. User:alice (repeatable)', collect)
    .option('--deny-principal <principal>', 'principal denied (repeatable)', collect)
    .option('--principal <principal>', 'with --list: only the ACLs of this principal (repeatable)', collect)
    .option('--allow-host <host>', 'host the allow ACLs apply from (repeatable; default *)', collect)
    .option('--deny-host <host>', 'host the deny ACLs apply from (repeatable; default *)', collect)
    .option('--operation <operation>', 'Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, All (repeatable; default All)', collect)
    .option('--producer', 'convenience: Write, Describe and Create on the topics (Write and Describe on --transactional-id)')
    .option('--consumer', 'convenience: Read and Describe on the topics, Read on the group')
    .option('--idempotent', 'with --producer: IdempotentWrite on the cluster')
    .option('--force', 'accepted for kafka-acls compatibility (nothing is asked)')
    .action(clientAction<AclsOptions>(runAcls, 'freshet-acls'));
}
