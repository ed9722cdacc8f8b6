import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../core/protocol/generated/messages/alter-user-scram-credentials.js';
import type { ApiHandler } from './registry.js';

/** AlterUserScramCredentials v0, validated and applied by the active controller (`runtime/controller/scram-control.ts`). */
export function createAlterUserScramCredentialsHandler(target: {
  alterUserScramCredentials(request: AlterUserScramCredentialsRequest): Promise<AlterUserScramCredentialsResponse>;
}): ApiHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse> {
  const users = (request: AlterUserScramCredentialsRequest): string[] => [...new Set([...request.deletions, ...request.upsertions].map((a) => a.name))];
  return {
    apiKey: ApiKey.AlterUserScramCredentials,
    name: 'AlterUserScramCredentials',
    minVersion: 0,
    maxVersion: 0,
    handle: (_context, request) => target.alterUserScramCredentials(request),
    errorResponse: (request, errorCode) => ({ throttleTimeMs: 0, results: users(request).map((user) => ({ user, errorCode, errorMessage: null })) }),
  };
}
