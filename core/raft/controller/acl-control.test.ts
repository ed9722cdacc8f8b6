import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../security/acl.js';
import { createAcls, deleteAcls } from './acl-control.js';
import { Harness } from './controller-test-harness.js';

const creation = (resourceName: string, resourcePatternType: number = PatternType.literal, principal = 'User:alice') => ({
  resourceType: ResourceType.topic,
  resourceName,
  resourcePatternType,
  principal,
  host: '*',
  operation: AclOperation.read,
  permissionType: AclPermissionType.allow,
});
const anyFilter = { resourceTypeFilter: ResourceType.any, resourceNameFilter: null, patternTypeFilter: PatternType.any, principalFilter: null, hostFilter: null, operation: AclOperation.any, permissionType: AclPermissionType.any };

describe('ACLs on the controller', () => {
  it('writes one AccessControlEntryRecord per new ACL, none for one that exists, and refuses bad ones with INVALID_REQUEST', () => {
    const h = new Harness();
    const first = h.commit(createAcls(h.state, { creations: [creation('orders'), creation('orders')] }, h.ctx()));
    expect(first.results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(h.state.image.acls.size).toBe(1);
    const result = createAcls(h.state, { creations: [creation('orders'), creation('pay-', PatternType.prefixed), { ...creation('x'), resourceType: ResourceType.cluster }, creation('y', PatternType.match)] }, h.ctx());
    expect(result.records).toHaveLength(1);
    expect(result.response.results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    expect(result.response.results[2]!.errorMessage).toMatch(/kafka-cluster/);
  });

  it('deletes what each filter matches, each ACL once, and answers what it removed', () => {
    const h = new Harness();
    h.commit(createAcls(h.state, { creations: [creation('orders'), creation('orders', PatternType.literal, 'User:bob'), creation('ord', PatternType.prefixed)] }, h.ctx()));
    const response = h.commit(deleteAcls(h.state, { filters: [{ ...anyFilter, principalFilter: 'User:bob' }, { ...anyFilter, resourceNameFilter: 'orders', patternTypeFilter: PatternType.match }] }));
    expect(response.filterResults[0]!.matchingAcls.map((a) => a.principal)).toEqual(['User:bob']);
    expect(response.filterResults[1]!.matchingAcls.map((a) => [a.resourceName, a.patternType])).toEqual([['orders', PatternType.literal], ['ord', PatternType.prefixed]]);
    expect(h.state.image.acls.size).toBe(0);
    expect(deleteAcls(h.state, { filters: [{ ...anyFilter, operation: AclOperation.unknown }] }).response.filterResults[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});
