import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../core/protocol/generated/messages/alter-client-quotas.js';
import type { ApiHandler } from './registry.js';

/** AlterClientQuotas v0-1: validated and written as ClientQuotaRecords by the active controller (forwarded by brokers). */
export function createAlterClientQuotasHandler(target: {
  alterClientQuotas?(request: AlterClientQuotasRequest): Promise<AlterClientQuotasResponse>;
}): ApiHandler<AlterClientQuotasRequest, AlterClientQuotasResponse> {
  return {
    apiKey: ApiKey.AlterClientQuotas,
    name: 'AlterClientQuotas',
    minVersion: 0,
    maxVersion: 1,
    handle: (_context, request) => target.alterClientQuotas!(request),
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      entries: request.entries.map((e) => ({ errorCode, errorMessage: null, entity: e.entity })),
    }),
  };
}
