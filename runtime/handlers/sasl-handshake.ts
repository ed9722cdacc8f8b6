import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../../core/protocol/generated/messages/sasl-handshake.js';
import type { ApiHandler } from './registry.js';

/**
 * SaslHandshake where no exchange can start: on a PLAINTEXT or SSL listener,
 * or on an authenticated connection that is not re-authenticating. As Kafka,
 * ILLEGAL_SASL_STATE. On SASL listeners the connection's SaslAuthenticator
 * takes the handshake before it reaches the dispatcher.
 */
export const saslHandshakeHandler: ApiHandler<SaslHandshakeRequest, SaslHandshakeResponse> = {
  apiKey: ApiKey.SaslHandshake,
  name: 'SaslHandshake',
  minVersion: 0,
  maxVersion: 1,
  handle: () => ({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }),
  errorResponse: (_request, errorCode) => ({ errorCode, mechanisms: [] }),
};
