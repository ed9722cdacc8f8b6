import { frameChunks } from '../../core/protocol/frame.js';
import { apiKeyInfo } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { ProtocolError } from '../../core/protocol/protocol-error.js';
import { decodeRequest, encodeResponse } from '../../core/protocol/request-frames.js';
import type { Logger } from '../logger.js';
import type { BadFrameReason, BrokerMetrics } from '../metrics/broker-metrics.js';
import type { ApiHandler, HandlerRegistry, RequestContext } from '../handlers/registry.js';
import { principalToString, type KafkaPrincipal } from '../../core/security/kafka-principal.js';
import { RequestLog } from './request-log.js';

/** A request the connection cannot answer: Kafka closes the connection (counted, logged). */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';

  constructor(message: string, readonly reason: BadFrameReason) {
    super(message);
  }
}

export interface ConnectionInfo {
  readonly connectionId: string;
  readonly listenerName: string;
  readonly clientAddress: string;
  /** Set by the listener's authentication; `User:ANONYMOUS` until then. */
  principal: KafkaPrincipal;
  /** Set by the connection: quota throttling mutes it for that long. */
  muteFor?: (ms: number) => void;
}

/** A whole response frame as chunks (size, header, body), or null when Kafka sends none. */
export type ResponseFrame = readonly Buffer[] | null;

/**
 * Turns one request frame into its response frame: reads the header, picks
 * the handler, decodes, handles, encodes. The synchronous part (header,
 * routing, decoding, calling `handle`) runs before `dispatch` returns, so
 * handlers see a connection's requests in order.
 *
 * Versions: Kafka answers an ApiVersions request of a version it does not know
 * with a v0 response carrying UNSUPPORTED_VERSION and its ranges (KIP-511,
 * done by the handler's `unsupportedVersionResponse`). Any other API in a
 * version the schema defines but the broker no longer serves (Produce v0-v2
 * in Kafka 4) is answered with UNSUPPORTED_VERSION everywhere, in that
 * version's own schema; an unknown key, or a version beyond the schema,
 * cannot be read and closes the connection.
 */
export class RequestDispatcher {
  constructor(
    private readonly registry: HandlerRegistry,
    private readonly metrics: BrokerMetrics,
    private readonly log: Logger,
  ) {}

  /** Labelled children per API, looked up once: prom-client's label hashing per request is measurable. */
  private readonly apiMetrics = new Map<number, { requests: { inc(): void }; duration: { observe(seconds: number): void }; queueTime: { observe(seconds: number): void } }>();

  private metricsOf(handler: ApiHandler) {
    let entry = this.apiMetrics.get(handler.apiKey);
    if (entry === undefined) {
      entry = {
        requests: this.metrics.requestsTotal.labels({ api: handler.name }),
        duration: this.metrics.requestDurationSeconds.labels({ api: handler.name }),
        queueTime: this.metrics.requestQueueTimeSeconds.labels({ api: handler.name }),
      };
      this.apiMetrics.set(handler.apiKey, entry);
    }
    return entry;
  }

  private requestLog: RequestLog | undefined;

  /**
   * Throws InvalidRequestError (synchronously) or rejects with it when the connection must close.
   * `receivedAt` (hrtime) is when the connection read a frame it had to hold back.
   */
  dispatch(frame: Buffer, connection: ConnectionInfo, receivedAt?: bigint): Promise<ResponseFrame> {
    const startedAt = process.hrtime.bigint();
    if (frame.length < 8) {
      throw new InvalidRequestError(`request header needs 8 bytes, the frame has ${frame.length}`, 'malformed');
    }
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const handler = this.registry.get(apiKey);
    if (handler === undefined) {
      throw new InvalidRequestError(`unknown apiKey ${apiKey}`, 'unknown_api');
    }
    const supported = apiVersion >= handler.minVersion && apiVersion <= handler.maxVersion;
    const schema = apiKeyInfo(apiKey);
    const readable = schema !== undefined && apiVersion >= schema.minVersion && apiVersion <= schema.maxVersion;
    const answerUnsupported = !supported && handler.unsupportedVersionResponse === undefined && readable && handler.errorResponse !== undefined;
    if (!supported && handler.unsupportedVersionResponse === undefined && !answerUnsupported) {
      throw new InvalidRequestError(
        `${handler.name} v${apiVersion} is not supported (versions ${handler.minVersion}-${handler.maxVersion})`,
        'unsupported_version',
      );
    }
    const apiMetrics = this.metricsOf(handler);
    apiMetrics.requests.inc();
    apiMetrics.queueTime.observe(receivedAt === undefined ? 0 : Number(startedAt - receivedAt) / 1e9);
    if (!supported && !answerUnsupported) {
      // The body of an unknown version cannot be read; the answer is v0 with a v0 header.
      const response = handler.unsupportedVersionResponse!();
      this.observe(handler, startedAt);
      return Promise.resolve(frameChunks(encodeResponse(apiKey, 0, frame.readInt32BE(4), response)));
    }

    let decoded: ReturnType<typeof decodeRequest>;
    try {
      decoded = decodeRequest(frame);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      throw new InvalidRequestError(`${handler.name} v${apiVersion} request: ${error.message}`, 'malformed');
    }
    const { header, body: request } = decoded;
    const context: RequestContext = {
      ...connection,
      apiKey,
      apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
    };
    const answer = (response: unknown): ResponseFrame => {
      this.observe(handler, startedAt);
      const chunks = response === null ? null : frameChunks(encodeResponse(apiKey, apiVersion, header.correlationId, response));
      const requestLog = (this.requestLog ??= new RequestLog(this.log));
      if (requestLog.enabled()) {
        requestLog.completed({
          api: handler.name,
          apiVersion,
          correlationId: header.correlationId,
          clientId: header.clientId,
          principal: principalToString(connection.principal),
          listener: connection.listenerName,
          clientAddress: connection.clientAddress,
          request,
          requestBytes: frame.length,
          responseBytes: chunks === null ? 0 : chunks.reduce((sum, chunk) => sum + chunk.length, 0),
          queueTimeNs: receivedAt === undefined ? 0n : startedAt - receivedAt,
          processingTimeNs: process.hrtime.bigint() - startedAt,
        });
      }
      return chunks;
    };
    if (answerUnsupported) return Promise.resolve(answer(handler.errorResponse!(request, ErrorCode.UNSUPPORTED_VERSION)));
    const fail = (cause: unknown): ResponseFrame => {
      // The answer says only UNKNOWN_SERVER_ERROR: the log line is all an operator gets to find the bug.
      this.log.error(
        `${handler.name} v${apiVersion} request (correlation id ${header.correlationId}, client id ${header.clientId ?? 'null'}, ` +
          `connection ${connection.connectionId} from ${connection.clientAddress}) failed unexpectedly`,
        cause,
      );
      if (handler.errorResponse === undefined) {
        throw new InvalidRequestError(`${handler.name} v${apiVersion} failed: ${String(cause)}`, 'handler_failed');
      }
      return answer(handler.errorResponse(request, ErrorCode.UNKNOWN_SERVER_ERROR));
    };
    try {
      const result = handler.handle(context, request);
      return result instanceof Promise ? result.then(answer, fail) : Promise.resolve(answer(result));
    } catch (cause) {
      return Promise.resolve().then(() => fail(cause));
    }
  }

  private observe(handler: ApiHandler, startedAt: bigint): void {
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    this.metricsOf(handler).duration.observe(seconds);
  }
}
