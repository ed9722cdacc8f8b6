import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../../core/protocol/generated/messages/describe-client-quotas.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { clientQuotaFilter, ClientQuotaFilterError } from '../../core/security/client-quota-entity.js';
import type { ApiHandler } from './registry.js';

/**
 * DescribeClientQuotas v0-1, answered from this broker's metadata image as a KRaft broker does:
 * the stored entities the filter matches, with their quotas. A refused filter is INVALID_REQUEST
 * (UNSUPPORTED_VERSION for an unknown entity type) with no entries.
 */
export function createDescribeClientQuotasHandler(metadata: { image(): MetadataImage }): ApiHandler<DescribeClientQuotasRequest, DescribeClientQuotasResponse> {
  return {
    apiKey: ApiKey.DescribeClientQuotas,
    name: 'DescribeClientQuotas',
    minVersion: 0,
    maxVersion: 1,
    handle: (_context, request) => {
      let matches: ReturnType<typeof clientQuotaFilter>;
      try {
        matches = clientQuotaFilter(request.components, request.strict);
      } catch (error) {
        if (!(error instanceof ClientQuotaFilterError)) throw error;
        return { throttleTimeMs: 0, errorCode: error.unsupportedType ? ErrorCode.UNSUPPORTED_VERSION : ErrorCode.INVALID_REQUEST, errorMessage: error.message, entries: null };
      }
      const entries = [...metadata.image().clientQuotas.values()]
        .filter(({ entity }) => matches(entity))
        .map(({ entity, quotas }) => ({ entity: entity.map((e) => ({ ...e })), values: [...quotas].map(([key, value]) => ({ key, value })) }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
    },
    errorResponse: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, errorMessage: null, entries: null }),
  };
}
