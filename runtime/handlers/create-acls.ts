import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { CreateAclsRequest, CreateAclsResponse } from '../../core/protocol/generated/messages/create-acls.js';
import type { AclApiDeps } from './describe-acls.js';
import type { ApiHandler } from './registry.js';

/** CreateAcls v0-3: written by the active controller as AccessControlEntryRecords. */
export function createCreateAclsHandler(target: { createAcls?(request: CreateAclsRequest): Promise<CreateAclsResponse> }, deps: AclApiDeps): ApiHandler<CreateAclsRequest, CreateAclsResponse> {
  const errorResponse = (request: CreateAclsRequest, errorCode: number, errorMessage: string | null = null): CreateAclsResponse => ({
    throttleTimeMs: 0,
    results: request.creations.map(() => ({ errorCode, errorMessage })),
  });
  return {
    apiKey: ApiKey.CreateAcls,
    name: 'CreateAcls',
    minVersion: 0,
    maxVersion: 3,
    handle: (_context, request) => {
      if (!deps.authorizerEnabled || target.createAcls === undefined) return errorResponse(request, ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
      return target.createAcls(request);
    },
    errorResponse,
  };
}
