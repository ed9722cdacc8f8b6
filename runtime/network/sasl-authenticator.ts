import { frameChunks } from '../../core/protocol/frame.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../core/protocol/generated/messages/sasl-authenticate.js';
import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../../core/protocol/generated/messages/sasl-handshake.js';
import { ProtocolError } from '../../core/protocol/protocol-error.js';
import { decodeRequest, encodeResponse } from '../../core/protocol/request-frames.js';
import { Writer } from '../../core/protocol/writer.js';
import { SaslAuthenticationError, type SaslServer, type SaslServerFactory } from '../../core/security/sasl/sasl-server.js';
import { userPrincipal } from '../../core/security/kafka-principal.js';
import type { ConnectionInfo, ResponseFrame } from './request-dispatcher.js';

/** What the authenticator answers a frame it takes: the response, and whether the connection then closes. */
export interface AuthenticatorAnswer {
  readonly response: ResponseFrame;
  /** Set when the connection must close once `response` (if any) is sent: why, for the log. */
  readonly close?: string;
}

/** Authentication outcomes, for the metrics and the log (never with a secret). */
export interface AuthenticationEvents {
  succeeded(info: ConnectionInfo, mechanism: string, reauthentication: boolean): void;
  failed(info: ConnectionInfo, mechanism: string, reason: string): void;
}

export interface SaslAuthenticatorOptions {
  /** sasl.enabled.mechanisms on this listener, each with its server. */
  readonly mechanisms: ReadonlyMap<string, SaslServerFactory>;
  /** connections.max.reauth.ms: 0 means sessions never expire (KIP-368). */
  readonly maxReauthMs: number;
  readonly events: AuthenticationEvents;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

type State =
  /** Before SaslHandshake: only ApiVersions and SaslHandshake are accepted. */
  | { readonly kind: 'handshake' }
  /** After SaslHandshake v1: SaslAuthenticate requests carry the tokens. */
  | { readonly kind: 'authenticate'; readonly server: SaslServer; readonly reauthentication: boolean }
  /** After SaslHandshake v0: the tokens come as bare size-prefixed frames, without a request header. */
  | { readonly kind: 'raw-tokens'; readonly server: SaslServer }
  | { readonly kind: 'complete' }
  | { readonly kind: 'failed' };

/**
 * Kafka's SaslServerAuthenticator for one connection on a SASL listener: takes
 * the frames of the SASL exchange (SaslHandshake then SaslAuthenticate, or v0's
 * bare tokens), sets the connection's principal on success, and refuses every
 * other request until then. Re-authentication (KIP-368) runs the exchange again
 * on an authenticated connection; once a session has expired, any other request
 * closes the connection.
 *
 * It holds no socket and no timer: frames in, answers out, time from `now`, so
 * it runs wherever the connection does (a network-thread worker, a test).
 */
export class SaslAuthenticator {
  private state: State = { kind: 'handshake' };
  private mechanism: string | null = null;
  /** When the session ends (epoch ms), null when it never does. */
  private sessionExpiresAtMs: number | null = null;
  /** Whether the client used SaslAuthenticate v1+, which carries the session lifetime it must re-authenticate within. */
  private clientReauthenticates = false;

  constructor(private readonly options: SaslAuthenticatorOptions) {}

  /** Whether requests beyond the SASL exchange may run (then they may also be pipelined). */
  get authenticated(): boolean {
    return this.state.kind === 'complete' || (this.state.kind === 'authenticate' && this.state.reauthentication);
  }

  /**
   * The answer to `frame` when it belongs to the authentication, null when it
   * goes to the dispatcher (ApiVersions before the handshake, every request after).
   */
  handle(frame: Buffer, info: ConnectionInfo): AuthenticatorAnswer | null {
    const state = this.state;
    switch (state.kind) {
      case 'failed':
        return { response: null, close: 'authentication already failed' };
      case 'raw-tokens':
        return this.rawToken(state.server, frame, info);
      case 'handshake':
      case 'authenticate':
      case 'complete':
        break;
      default: {
        const unreachable: never = state;
        throw new Error(`unknown state ${String(unreachable)}`);
      }
    }
    if (frame.length < 4) return this.fail(info, `a request of ${frame.length} bytes during SASL authentication`);
    const apiKey = frame.readInt16BE(0);
    if (state.kind === 'complete') {
      if (apiKey === ApiKey.SaslHandshake && this.sessionExpiresAtMs !== null && this.clientReauthenticates) {
        return this.handshake(frame, info, true);
      }
      if (this.sessionExpiresAtMs !== null && this.options.now() > this.sessionExpiresAtMs) {
        return { response: null, close: `its SASL session expired (connections.max.reauth.ms) and the client did not re-authenticate` };
      }
      return null;
    }
    if (state.kind === 'handshake') {
      if (apiKey === ApiKey.ApiVersions) return null;
      if (apiKey === ApiKey.SaslHandshake) return this.handshake(frame, info, false);
      return this.fail(info, `unexpected request (apiKey ${apiKey}) before SASL authentication`);
    }
    if (apiKey !== ApiKey.SaslAuthenticate) {
      if (state.reauthentication) return null;
      return this.fail(info, `unexpected request (apiKey ${apiKey}) during SASL authentication; SaslAuthenticate expected`);
    }
    return this.authenticate(state.server, frame, info, state.reauthentication);
  }

  private handshake(frame: Buffer, info: ConnectionInfo, reauthentication: boolean): AuthenticatorAnswer {
    const decoded = decode<SaslHandshakeRequest>(frame);
    if (typeof decoded === 'string') return this.fail(info, `unreadable SaslHandshake: ${decoded}`);
    const { header, body } = decoded;
    const mechanisms = [...this.options.mechanisms.keys()];
    const answer = (errorCode: number): ResponseFrame => {
      const response: SaslHandshakeResponse = { errorCode, mechanisms };
      return frameChunks(encodeResponse(ApiKey.SaslHandshake, header.requestApiVersion, header.correlationId, response));
    };
    const factory = this.options.mechanisms.get(body.mechanism);
    if (factory === undefined) {
      this.state = { kind: 'failed' };
      this.options.events.failed(info, body.mechanism, 'unsupported mechanism');
      return { response: answer(ErrorCode.UNSUPPORTED_SASL_MECHANISM), close: `SASL mechanism ${body.mechanism} is not enabled (sasl.enabled.mechanisms: ${mechanisms.join(',')})` };
    }
    if (reauthentication && body.mechanism !== this.mechanism) {
      this.state = { kind: 'failed' };
      this.options.events.failed(info, body.mechanism, 'mechanism changed on re-authentication');
      return { response: answer(ErrorCode.ILLEGAL_SASL_STATE), close: `re-authentication with ${body.mechanism} instead of ${this.mechanism}` };
    }
    this.mechanism = body.mechanism;
    const server = factory();
    // v0: the exchange that follows is bare tokens; v1 wraps them in SaslAuthenticate.
    this.state = header.requestApiVersion === 0 && !reauthentication
      ? { kind: 'raw-tokens', server }
      : { kind: 'authenticate', server, reauthentication };
    return { response: answer(ErrorCode.NONE) };
  }

  private authenticate(server: SaslServer, frame: Buffer, info: ConnectionInfo, reauthentication: boolean): AuthenticatorAnswer {
    const decoded = decode<SaslAuthenticateRequest>(frame);
    if (typeof decoded === 'string') return this.fail(info, `unreadable SaslAuthenticate: ${decoded}`);
    const { header, body } = decoded;
    const answer = (response: SaslAuthenticateResponse): ResponseFrame =>
      frameChunks(encodeResponse(ApiKey.SaslAuthenticate, header.requestApiVersion, header.correlationId, response));
    try {
      const step = server.evaluate(body.authBytes);
      if (!step.complete) return { response: answer({ errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.challenge, sessionLifetimeMs: 0n }) };
      const principal = userPrincipal(step.authorizationId);
      if (reauthentication && principal.name !== info.principal.name) {
        throw new SaslAuthenticationError('Cannot change principals during re-authentication');
      }
      info.principal = principal;
      this.clientReauthenticates = header.requestApiVersion >= 1;
      const lifetimeMs = this.startSession(step.credentialExpiresAtMs);
      this.state = { kind: 'complete' };
      this.options.events.succeeded(info, server.mechanism, reauthentication);
      return { response: answer({ errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.challenge, sessionLifetimeMs: BigInt(lifetimeMs) }) };
    } catch (error) {
      if (!(error instanceof SaslAuthenticationError)) throw error;
      this.state = { kind: 'failed' };
      this.options.events.failed(info, server.mechanism, error.message);
      const response = answer({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: error.message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n });
      return { response, close: `SASL authentication failed: ${error.message}` };
    }
  }

  private rawToken(server: SaslServer, token: Buffer, info: ConnectionInfo): AuthenticatorAnswer {
    try {
      const step = server.evaluate(token);
      const w = new Writer();
      w.raw(step.challenge);
      if (step.complete) {
        info.principal = userPrincipal(step.authorizationId);
        this.startSession(step.credentialExpiresAtMs);
        this.state = { kind: 'complete' };
        this.options.events.succeeded(info, server.mechanism, false);
      }
      return { response: frameChunks(w) };
    } catch (error) {
      if (!(error instanceof SaslAuthenticationError)) throw error;
      this.state = { kind: 'failed' };
      this.options.events.failed(info, server.mechanism, error.message);
      // SaslHandshake v0 has no way to carry an error: the connection just closes.
      return { response: null, close: `SASL authentication failed: ${error.message}` };
    }
  }

  /** Starts the session of a successful exchange; returns its lifetime for SaslAuthenticate (0: unbounded). */
  private startSession(credentialExpiresAtMs: number | undefined): number {
    const now = this.options.now();
    const limits = [
      ...(this.options.maxReauthMs > 0 ? [this.options.maxReauthMs] : []),
      ...(credentialExpiresAtMs !== undefined ? [Math.max(0, credentialExpiresAtMs - now)] : []),
    ];
    if (limits.length === 0) {
      this.sessionExpiresAtMs = null;
      return 0;
    }
    const lifetimeMs = Math.min(...limits);
    this.sessionExpiresAtMs = now + lifetimeMs;
    return lifetimeMs;
  }

  private fail(info: ConnectionInfo, reason: string): AuthenticatorAnswer {
    this.state = { kind: 'failed' };
    this.options.events.failed(info, this.mechanism ?? 'none', reason);
    return { response: null, close: reason };
  }
}

function decode<Body>(frame: Buffer): { header: ReturnType<typeof decodeRequest>['header']; body: Body } | string {
  try {
    const { header, body } = decodeRequest(frame);
    return { header, body: body as Body };
  } catch (error) {
    if (error instanceof ProtocolError) return error.message;
    throw error;
  }
}
