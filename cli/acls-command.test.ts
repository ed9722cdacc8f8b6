import { describe, expect, it } from 'vitest';
import { AclOperation as Op, AclPermissionType, PatternType, ResourceType } from '../core/security/acl.js';
import { aclFilters, aclsToAdd, formatEntry, formatResource } from './acls-command.js';

const base = { bootstrapServer: '127.0.0.1:9092' };

describe('freshet acls options, as kafka-acls reads them', () => {
  it('--add: each principal × host × operation on each resource, hosts * by default', () => {
    const acls = aclsToAdd({ ...base, add: true, allowPrincipal: ['User:alice'], denyPrincipal: ['User:bob'], denyHost: ['10.0.0.9'], operation: ['Read', 'describe-configs'], topic: ['pay-'], resourcePatternType: 'prefixed' });
    expect(acls.map((a) => [a.principal, a.host, a.operation, a.permissionType, a.resourceName, a.patternType])).toEqual([
      ['User:alice', '*', Op.read, AclPermissionType.allow, 'pay-', PatternType.prefixed],
      ['User:alice', '*', Op.describeConfigs, AclPermissionType.allow, 'pay-', PatternType.prefixed],
      ['User:bob', '10.0.0.9', Op.read, AclPermissionType.deny, 'pay-', PatternType.prefixed],
      ['User:bob', '10.0.0.9', Op.describeConfigs, AclPermissionType.deny, 'pay-', PatternType.prefixed],
    ]);
  });

  it('--producer and --consumer expand as kafka-acls does', () => {
    const producer = aclsToAdd({ ...base, add: true, allowPrincipal: ['User:alice'], producer: true, idempotent: true, topic: ['orders'], transactionalId: ['tx'] });
    expect(producer.map((a) => [a.resourceType, a.operation])).toEqual([
      [ResourceType.topic, Op.write], [ResourceType.topic, Op.describe], [ResourceType.topic, Op.create],
      [ResourceType.transactionalId, Op.write], [ResourceType.transactionalId, Op.describe],
      [ResourceType.cluster, Op.idempotentWrite],
    ]);
    const consumer = aclsToAdd({ ...base, add: true, allowPrincipal: ['User:bob'], consumer: true, topic: ['orders'], group: ['readers'] });
    expect(consumer.map((a) => [a.resourceType, a.operation])).toEqual([[ResourceType.topic, Op.read], [ResourceType.topic, Op.describe], [ResourceType.group, Op.read]]);
    expect(aclFilters({ ...base, remove: true, allowPrincipal: ['User:bob'], consumer: true, topic: ['orders'], group: ['readers'] }).map((f) => [f.resourceType, f.operation, f.principal, f.permissionType])).toEqual([
      [ResourceType.topic, Op.read, 'User:bob', AclPermissionType.allow], [ResourceType.topic, Op.describe, 'User:bob', AclPermissionType.allow], [ResourceType.group, Op.read, 'User:bob', AclPermissionType.allow],
    ]);
  });

  it('refuses what kafka-acls refuses', () => {
    expect(() => aclsToAdd({ ...base, add: true, allowPrincipal: ['User:alice'], operation: ['IdempotentWrite'], topic: ['t'] })).toThrow(/ResourceType TOPIC only supports operations READ,WRITE,CREATE,DESCRIBE,DELETE,ALTER,DESCRIBE_CONFIGS,ALTER_CONFIGS/);
    expect(() => aclsToAdd({ ...base, add: true, allowPrincipal: ['alice'], topic: ['t'] })).toThrow(/not a principal/);
    expect(() => aclsToAdd({ ...base, add: true, allowPrincipal: ['User:alice'] })).toThrow(/needs a resource/);
    expect(() => aclsToAdd({ ...base, add: true, allowPrincipal: ['User:alice'], topic: ['t'], resourcePatternType: 'match' })).toThrow(/LITERAL or PREFIXED/);
  });

  it('--list without a resource asks for every ACL', () => {
    expect(aclFilters({ ...base, list: true })).toEqual([{ resourceType: ResourceType.any, resourceName: null, patternType: PatternType.any, principal: null, host: null, operation: Op.any, permissionType: AclPermissionType.any }]);
  });

  it("prints resources and entries in Kafka's words", () => {
    expect(formatResource({ resourceType: ResourceType.transactionalId, resourceName: 'tx', patternType: PatternType.literal })).toBe('ResourcePattern(resourceType=TRANSACTIONAL_ID, name=tx, patternType=LITERAL)');
    expect(formatEntry({ principal: 'User:a', host: '*', operation: Op.clusterAction, permissionType: AclPermissionType.deny })).toBe('(principal=User:a, host=*, operation=CLUSTER_ACTION, permissionType=DENY)');
  });
});
