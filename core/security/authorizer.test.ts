import { describe, expect, it } from 'vitest';
import { AclOperation as Op, AclPermissionType, aclBindingProblem, aclMatchesFilter, PatternType, ResourceType, type AclBinding } from './acl.js';
import { StandardAuthorizer, type AuthorizerSettings } from './authorizer.js';
import { userPrincipal } from './kafka-principal.js';

const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: ResourceType.topic,
  resourceName: 'orders',
  patternType: PatternType.literal,
  principal: 'User:alice',
  host: '*',
  operation: Op.read,
  permissionType: AclPermissionType.allow,
  ...over,
});
const deny = { permissionType: AclPermissionType.deny };
const settings: AuthorizerSettings = { superUsers: new Set(['User:admin']), allowEveryoneIfNoAclFound: false };
const alice = { principal: userPrincipal('alice'), host: '10.0.0.1' };

/** Kafka's documented semantics, one row each: the ACLs, who asks, for what, and the answer. */
const cases: { name: string; acls: AclBinding[]; who?: { principal: ReturnType<typeof userPrincipal>; host: string }; op: number; type?: number; resource?: string; allowEveryone?: boolean; allowed: boolean }[] = [
  { name: 'an ALLOW for the operation allows it', acls: [acl({})], op: Op.read, allowed: true },
  { name: 'an ALLOW for another operation does not', acls: [acl({})], op: Op.write, allowed: false },
  { name: 'no ACL at all denies when allow.everyone.if.no.acl.found is false', acls: [], op: Op.read, allowed: false },
  { name: 'no ACL on the resource allows when allow.everyone.if.no.acl.found is true', acls: [acl({ resourceName: 'other' })], op: Op.read, allowEveryone: true, allowed: true },
  { name: 'an ACL for someone else on the resource denies even with allow.everyone', acls: [acl({ principal: 'User:bob' })], op: Op.read, allowEveryone: true, allowed: false },
  { name: 'DENY wins over ALLOW', acls: [acl({}), acl({ ...deny })], op: Op.read, allowed: false },
  { name: 'a DENY on a prefix wins over a literal ALLOW', acls: [acl({}), acl({ ...deny, resourceName: 'ord', patternType: PatternType.prefixed })], op: Op.read, allowed: false },
  { name: 'a prefixed ALLOW covers names that start with it', acls: [acl({ resourceName: 'ord', patternType: PatternType.prefixed })], op: Op.read, allowed: true },
  { name: 'a prefixed ALLOW does not cover other names', acls: [acl({ resourceName: 'pay', patternType: PatternType.prefixed })], op: Op.read, allowed: false },
  { name: 'a literal ACL is not a prefix', acls: [acl({ resourceName: 'ord' })], op: Op.read, allowed: false },
  { name: 'the literal wildcard resource covers every name', acls: [acl({ resourceName: '*' })], op: Op.read, allowed: true },
  { name: 'the wildcard principal User:* covers everyone', acls: [acl({ principal: 'User:*' })], op: Op.read, allowed: true },
  { name: 'a host-bound ALLOW applies from that host', acls: [acl({ host: '10.0.0.1' })], op: Op.read, allowed: true },
  { name: 'a host-bound ALLOW does not apply from another host', acls: [acl({ host: '10.0.0.2' })], op: Op.read, allowed: false },
  { name: 'ALL allows every operation', acls: [acl({ operation: Op.all })], op: Op.alterConfigs, allowed: true },
  { name: 'a DENY of ALL denies every operation', acls: [acl({ operation: Op.write }), acl({ ...deny, operation: Op.all })], op: Op.write, allowed: false },
  { name: 'READ implies DESCRIBE', acls: [acl({ operation: Op.read })], op: Op.describe, allowed: true },
  { name: 'WRITE implies DESCRIBE', acls: [acl({ operation: Op.write })], op: Op.describe, allowed: true },
  { name: 'DELETE implies DESCRIBE', acls: [acl({ operation: Op.delete })], op: Op.describe, allowed: true },
  { name: 'ALTER implies DESCRIBE', acls: [acl({ operation: Op.alter })], op: Op.describe, allowed: true },
  { name: 'CREATE does not imply DESCRIBE', acls: [acl({ operation: Op.create })], op: Op.describe, allowed: false },
  { name: 'ALTER_CONFIGS implies DESCRIBE_CONFIGS', acls: [acl({ operation: Op.alterConfigs })], op: Op.describeConfigs, allowed: true },
  { name: 'DESCRIBE does not imply READ', acls: [acl({ operation: Op.describe })], op: Op.read, allowed: false },
  { name: 'a DENY of READ does not deny DESCRIBE', acls: [acl({ operation: Op.describe }), acl({ ...deny })], op: Op.describe, allowed: true },
  { name: 'ACLs of one resource type do not apply to another', acls: [acl({ resourceName: '*' })], op: Op.read, type: ResourceType.group, resource: 'orders', allowed: false },
  { name: 'super users may do anything, a DENY notwithstanding', acls: [acl({ ...deny, principal: 'User:admin', operation: Op.all })], who: { principal: userPrincipal('admin'), host: '1.1.1.1' }, op: Op.delete, allowed: true },
];

describe('StandardAuthorizer', () => {
  for (const c of cases) {
    it(c.name, () => {
      const authorizer = new StandardAuthorizer(c.acls, { ...settings, allowEveryoneIfNoAclFound: c.allowEveryone ?? false });
      expect(authorizer.authorize(c.who ?? alice, c.op, c.type ?? ResourceType.topic, c.resource ?? 'orders')).toBe(c.allowed);
    });
  }

  it('fills an authorized-operations field with the bits of the allowed operations', () => {
    const authorizer = new StandardAuthorizer([acl({ operation: Op.write }), acl({ operation: Op.alterConfigs })], settings);
    expect(authorizer.authorizedOperations(alice, ResourceType.topic, 'orders')).toBe((1 << Op.write) | (1 << Op.describe) | (1 << Op.describeConfigs) | (1 << Op.alterConfigs));
  });

  it('answers by resource type: a WRITE on some topic, unless a DENY covers it', () => {
    const prefixed = acl({ operation: Op.write, resourceName: 'logs-', patternType: PatternType.prefixed });
    expect(new StandardAuthorizer([prefixed], settings).authorizeByResourceType(alice, Op.write, ResourceType.topic)).toBe(true);
    expect(new StandardAuthorizer([prefixed, acl({ ...deny, operation: Op.write, resourceName: 'lo', patternType: PatternType.prefixed })], settings).authorizeByResourceType(alice, Op.write, ResourceType.topic)).toBe(false);
    expect(new StandardAuthorizer([acl({ operation: Op.read })], settings).authorizeByResourceType(alice, Op.write, ResourceType.topic)).toBe(false);
  });
});

describe('ACL bindings and filters', () => {
  it('refuses ACLs Kafka refuses', () => {
    expect(aclBindingProblem(acl({}))).toBeNull();
    expect(aclBindingProblem(acl({ patternType: PatternType.match }))).toMatch(/pattern type/);
    expect(aclBindingProblem(acl({ resourceType: ResourceType.cluster, resourceName: 'x', operation: Op.alter }))).toMatch(/kafka-cluster/);
    expect(aclBindingProblem(acl({ operation: Op.any }))).toMatch(/operation/);
    expect(aclBindingProblem(acl({ principal: 'alice' }))).toMatch(/principal/);
  });

  it('matches a MATCH filter against the literal, wildcard and prefixed ACLs that apply to the name', () => {
    const filter = { resourceType: ResourceType.topic, resourceName: 'orders-eu', patternType: PatternType.match, principal: null, host: null, operation: Op.any, permissionType: AclPermissionType.any };
    expect(aclMatchesFilter(acl({ resourceName: 'orders-eu' }), filter)).toBe(true);
    expect(aclMatchesFilter(acl({ resourceName: '*' }), filter)).toBe(true);
    expect(aclMatchesFilter(acl({ resourceName: 'orders-', patternType: PatternType.prefixed }), filter)).toBe(true);
    expect(aclMatchesFilter(acl({ resourceName: 'orders' }), filter)).toBe(false);
    expect(aclMatchesFilter(acl({ resourceName: 'orders-eu' }), { ...filter, patternType: PatternType.prefixed })).toBe(false);
    expect(aclMatchesFilter(acl({ resourceName: 'orders-eu' }), { ...filter, patternType: PatternType.any, principal: 'User:bob' })).toBe(false);
  });
});
