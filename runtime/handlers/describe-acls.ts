import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { DescribeAclsRequest, DescribeAclsResponse, DescribeAclsResponseDescribeAclsResource } from '../../core/protocol/generated/messages/describe-acls.js';
import { aclFilterProblem, aclMatchesFilter, PatternType } from '../../core/security/acl.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { ApiHandler } from './registry.js';

/** Whether this node runs an authorizer (`authorizer.class.name`); without one the ACL APIs answer SECURITY_DISABLED, as Kafka's do. */
export interface AclApiDeps {
  readonly authorizerEnabled: boolean;
}

/** DescribeAcls v0-3, answered from this node's metadata image (v0 knows literal patterns only). */
export function createDescribeAclsHandler(metadata: Pick<ClusterMetadata, 'image'>, deps: AclApiDeps): ApiHandler<DescribeAclsRequest, DescribeAclsResponse> {
  const answer = (errorCode: number, errorMessage: string | null, resources: DescribeAclsResponseDescribeAclsResource[] = []): DescribeAclsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, resources });
  return {
    apiKey: ApiKey.DescribeAcls,
    name: 'DescribeAcls',
    minVersion: 0,
    maxVersion: 3,
    handle: (context, request) => {
      if (!deps.authorizerEnabled) return answer(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
      const filter = {
        resourceType: request.resourceTypeFilter,
        resourceName: request.resourceNameFilter,
        patternType: request.patternTypeFilter,
        principal: request.principalFilter,
        host: request.hostFilter,
        operation: request.operation,
        permissionType: request.permissionType,
      };
      const problem = aclFilterProblem(filter);
      if (problem !== null) return answer(ErrorCode.INVALID_REQUEST, problem);
      const resources = new Map<string, DescribeAclsResponseDescribeAclsResource>();
      for (const acl of metadata.image().acls.values()) {
        if (!aclMatchesFilter(acl, filter) || (context.apiVersion === 0 && acl.patternType !== PatternType.literal)) continue;
        const key = `${acl.resourceType}/${acl.patternType}/${acl.resourceName}`;
        const resource = resources.get(key) ?? { resourceType: acl.resourceType, resourceName: acl.resourceName, patternType: acl.patternType, acls: [] };
        resource.acls.push({ principal: acl.principal, host: acl.host, operation: acl.operation, permissionType: acl.permissionType });
        resources.set(key, resource);
      }
      return answer(ErrorCode.NONE, null, [...resources.values()]);
    },
    errorResponse: (_request, errorCode) => answer(errorCode, null),
  };
}
