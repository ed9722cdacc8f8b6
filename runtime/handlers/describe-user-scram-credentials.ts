import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type {
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse,
} from '../../core/protocol/generated/messages/describe-user-scram-credentials.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { ApiHandler } from './registry.js';

/**
 * DescribeUserScramCredentials v0 from the metadata image: each user's mechanisms and iterations
 * (never a key). No users named: every user with a credential. As Kafka: a user without one gets
 * RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE.
 */
export function createDescribeUserScramCredentialsHandler(image: () => MetadataImage): ApiHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse> {
  return {
    apiKey: ApiKey.DescribeUserScramCredentials,
    name: 'DescribeUserScramCredentials',
    minVersion: 0,
    maxVersion: 0,
    handle: (_context, request) => {
      const credentials = image().scramCredentials;
      const asked = request.users === null || request.users.length === 0 ? [...credentials.keys()].sort() : request.users.map((u) => u.name);
      const results = [...new Set(asked)].map((user) => {
        if (asked.indexOf(user) !== asked.lastIndexOf(user)) {
          return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] };
        }
        const byMechanism = credentials.get(user);
        if (byMechanism === undefined) return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] };
        const credentialInfos = [...byMechanism.values()].sort((a, b) => a.mechanism - b.mechanism).map((c) => ({ mechanism: c.mechanism, iterations: c.iterations }));
        return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos };
      });
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
    },
    errorResponse: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, errorMessage: null, results: [] }),
  };
}
