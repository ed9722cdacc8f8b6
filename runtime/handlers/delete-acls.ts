import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { DeleteAclsRequest, DeleteAclsResponse } from '../../core/protocol/generated/messages/delete-acls.js';
import type { AclApiDeps } from './describe-acls.js';
import type { ApiHandler } from './registry.js';

/** DeleteAcls v0-3: removed by the active controller with RemoveAccessControlEntryRecords. */
export function createDeleteAclsHandler(target: { deleteAcls?(request: DeleteAclsRequest): Promise<DeleteAclsResponse> }, deps: AclApiDeps): ApiHandler<DeleteAclsRequest, DeleteAclsResponse> {
  const errorResponse = (request: DeleteAclsRequest, errorCode: number, errorMessage: string | null = null): DeleteAclsResponse => ({
    throttleTimeMs: 0,
    filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
  });
  return {
    apiKey: ApiKey.DeleteAcls,
    name: 'DeleteAcls',
    minVersion: 0,
    maxVersion: 3,
    handle: (_context, request) => {
      if (!deps.authorizerEnabled || target.deleteAcls === undefined) return errorResponse(request, ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
      return target.deleteAcls(request);
    },
    errorResponse,
  };
}
