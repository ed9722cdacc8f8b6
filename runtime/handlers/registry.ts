import { apiCodecs } from '../../core/protocol/generated/index.js';
import type { KafkaPrincipal } from '../../core/security/kafka-principal.js';

/**
 * The one list of APIs this broker answers. Each handler names its apiKey and
 * the versions it serves; ApiVersions is answered from this list, and the
 * dispatcher refuses anything not in it. Requests and responses are the
 * generated types of core/protocol; the dispatcher decodes and encodes them.
 */
export interface RequestContext {
  readonly connectionId: string;
  readonly listenerName: string;
  readonly clientAddress: string;
  /** Who authenticated on this connection (`User:ANONYMOUS` where nobody did). */
  readonly principal: KafkaPrincipal;
  readonly clientId: string | null;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** Quota throttling (KIP-219): read no further request of this connection for `ms`. */
  readonly muteFor?: (ms: number) => void;
}

export interface ApiHandler<Request = unknown, Response = unknown> {
  readonly apiKey: number;
  /** Kafka's name of the API (`Produce`, `ApiVersions`), used in logs and metric labels. */
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Called in request order for each connection: work whose order matters
   * (appends) must be enqueued before the first `await`. Returns null when
   * Kafka sends no response (Produce with acks=0).
   */
  handle(context: RequestContext, request: Request): Promise<Response | null> | Response | null;
  /** The request answered with `errorCode` everywhere; without it, a failing handler closes the connection. */
  errorResponse?(request: Request, errorCode: number): Response;
  /** ApiVersions only: the v0 answer to a version outside [minVersion, maxVersion], whose body is not read. */
  unsupportedVersionResponse?(): Response;
}

export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export class HandlerRegistry {
  private readonly handlers = new Map<number, ApiHandler>();

  register<Request, Response>(handler: ApiHandler<Request, Response>): this {
    const existing = this.handlers.get(handler.apiKey);
    if (existing !== undefined) {
      throw new Error(`apiKey ${handler.apiKey} (${handler.name}) is already handled by ${existing.name}`);
    }
    const codec = apiCodecs.get(handler.apiKey);
    if (codec === undefined) throw new Error(`${handler.name}: apiKey ${handler.apiKey} has no codec`);
    // The codec decodes requests by apiKey: a handler under another API's key would get that API's requests.
    if (codec.name !== handler.name) throw new Error(`${handler.name}: apiKey ${handler.apiKey} is ${codec.name}`);
    if (handler.minVersion > handler.maxVersion) {
      throw new Error(`${handler.name}: minVersion ${handler.minVersion} > maxVersion ${handler.maxVersion}`);
    }
    this.handlers.set(handler.apiKey, handler);
    return this;
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.handlers.get(apiKey);
  }

  /** The ranges ApiVersions reports, by ascending apiKey. */
  apiVersions(): ApiVersionRange[] {
    return [...this.handlers.values()]
      .map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}
