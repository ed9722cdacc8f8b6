import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import type { CreateAclsRequest, CreateAclsResponse } from '../../protocol/generated/messages/create-acls.js';
import type { DeleteAclsRequest, DeleteAclsResponse, DeleteAclsResponseDeleteAclsMatchingAcl } from '../../protocol/generated/messages/delete-acls.js';
import { aclBindingProblem, aclFilterProblem, aclMatchesFilter, sameAclBinding, type AclBinding, type AclBindingFilter } from '../../security/acl.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';
import type { ControllerContext, ControllerResult, ControllerState } from './controller-state.js';

/**
 * CreateAcls on the controller, as Kafka's AclControlManager: each creation checked on its own
 * (INVALID_REQUEST with the reason), one AccessControlEntryRecord with a fresh id per ACL not
 * already there; creating an ACL that exists succeeds without a record.
 */
export function createAcls(state: ControllerState, request: CreateAclsRequest, ctx: ControllerContext): ControllerResult<CreateAclsResponse> {
  const records: MetadataRecord[] = [];
  const known: AclBinding[] = [...state.image.acls.values()];
  const results = request.creations.map((creation) => {
    const acl: AclBinding = { ...creation, patternType: creation.resourcePatternType };
    const problem = aclBindingProblem(acl);
    if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
    if (!known.some((existing) => sameAclBinding(existing, acl))) {
      known.push(acl);
      // An ACL's id is a fresh Kafka Uuid, as a topic's is.
      records.push({ type: MetadataRecordType.AccessControlEntryRecord, value: { id: ctx.newTopicId(), ...acl } });
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  });
  return { records, response: { throttleTimeMs: 0, results } };
}

export function toAclBindingFilter(filter: DeleteAclsRequest['filters'][number]): AclBindingFilter {
  return {
    resourceType: filter.resourceTypeFilter,
    resourceName: filter.resourceNameFilter,
    patternType: filter.patternTypeFilter,
    principal: filter.principalFilter,
    host: filter.hostFilter,
    operation: filter.operation,
    permissionType: filter.permissionType,
  };
}

/** DeleteAcls on the controller: per filter the ACLs it matches (each removed once, by the first filter matching it). */
export function deleteAcls(state: ControllerState, request: DeleteAclsRequest): ControllerResult<DeleteAclsResponse> {
  const records: MetadataRecord[] = [];
  const removed = new Set<string>();
  const filterResults = request.filters.map((wire) => {
    const filter = toAclBindingFilter(wire);
    const problem = aclFilterProblem(filter);
    if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matchingAcls: [] };
    const matchingAcls: DeleteAclsResponseDeleteAclsMatchingAcl[] = [];
    for (const [id, acl] of state.image.acls) {
      if (removed.has(id) || !aclMatchesFilter(acl, filter)) continue;
      removed.add(id);
      records.push({ type: MetadataRecordType.RemoveAccessControlEntryRecord, value: { id } });
      matchingAcls.push({ errorCode: ErrorCode.NONE, errorMessage: null, ...acl });
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls };
  });
  return { records, response: { throttleTimeMs: 0, filterResults } };
}
