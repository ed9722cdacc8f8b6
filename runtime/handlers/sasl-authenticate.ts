import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../core/protocol/generated/messages/sasl-authenticate.js';
import type { ApiHandler } from './registry.js';

/**
 * SaslAuthenticate outside an exchange (a PLAINTEXT or SSL listener, or after
 * authentication): ILLEGAL_SASL_STATE as Kafka answers. On SASL listeners the
 * connection's SaslAuthenticator takes the exchange's requests.
 */
export const saslAuthenticateHandler: ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  apiKey: ApiKey.SaslAuthenticate,
  name: 'SaslAuthenticate',
  minVersion: 0,
  maxVersion: 2,
  handle: () => ({
    errorCode: ErrorCode.ILLEGAL_SASL_STATE,
    errorMessage: 'SaslAuthenticate request received after successful authentication',
    authBytes: Buffer.alloc(0),
    sessionLifetimeMs: 0n,
  }),
  errorResponse: (_request, errorCode) => ({ errorCode, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n }),
};
