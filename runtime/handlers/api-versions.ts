import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import {
  defaultApiVersionsResponse,
  type ApiVersionsRequest,
  type ApiVersionsResponse,
} from '../../core/protocol/generated/messages/api-versions.js';
import type { ApiHandler, HandlerRegistry } from './registry.js';

/** Kafka's rule for ClientSoftwareName/Version (v3+): alphanumerics, '.' and '-', starting and ending alphanumeric. */
const softwareNamePattern = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;

/**
 * ApiVersions, answered from the registry it is registered in, so the ranges
 * it reports are exactly what the dispatcher accepts. A too-new version gets
 * UNSUPPORTED_VERSION with our ranges in the v0 schema (KIP-511); the
 * dispatcher writes it with a v0 header.
 */
export function createApiVersionsHandler(registry: HandlerRegistry): ApiHandler<ApiVersionsRequest, ApiVersionsResponse> {
  const response = (errorCode: number): ApiVersionsResponse => ({
    ...defaultApiVersionsResponse(),
    errorCode,
    apiKeys: errorCode === ErrorCode.INVALID_REQUEST ? [] : registry.apiVersions(),
  });
  return {
    apiKey: ApiKey.ApiVersions,
    name: 'ApiVersions',
    minVersion: 0,
    maxVersion: 4,
    handle: (context, request) => {
      const validNames =
        context.apiVersion < 3 ||
        (softwareNamePattern.test(request.clientSoftwareName) && softwareNamePattern.test(request.clientSoftwareVersion));
      return response(validNames ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST);
    },
    errorResponse: (_request, errorCode) => response(errorCode),
    unsupportedVersionResponse: () => response(ErrorCode.UNSUPPORTED_VERSION),
  };
}
