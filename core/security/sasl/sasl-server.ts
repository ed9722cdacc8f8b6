/**
 * The server side of one SASL exchange (RFC 4422), as a state machine: each
 * client token in gives the next challenge, until the exchange completes with
 * the authenticated name or fails. Mechanisms take credentials, time and
 * randomness from their constructor, so they run anywhere (a network worker,
 * a test) and replay the same.
 */
export interface SaslServer {
  readonly mechanism: string;
  /** Throws SaslAuthenticationError when the client's token fails the exchange. */
  evaluate(token: Buffer): SaslStep;
}

export type SaslStep =
  | { readonly complete: false; readonly challenge: Buffer }
  | {
      readonly complete: true;
      /** The last server message (SCRAM's server-final), empty for PLAIN. */
      readonly challenge: Buffer;
      /** Who authenticated: the principal's name. */
      readonly authorizationId: string;
      /** When the credential itself expires (an OAUTHBEARER token), as epoch ms. */
      readonly credentialExpiresAtMs?: number;
    };

/**
 * The exchange failed. `message` goes to the client in SaslAuthenticate's
 * error message and to the log: it never holds a secret.
 */
export class SaslAuthenticationError extends Error {
  override readonly name = 'SaslAuthenticationError';
}

/** Creates the server of one exchange; a connection asks for a new one per (re-)authentication. */
export type SaslServerFactory = () => SaslServer;
