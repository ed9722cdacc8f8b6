import type { Logger, NodeLogger } from '../logger.js';
import { isNodeLogger } from '../logger.js';

/** One answered request, as Kafka's `kafka.request.logger` reports it at debug. */
export interface CompletedRequest {
  readonly api: string;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** Who sent it, as Kafka prints it (`User:alice`). */
  readonly principal: string;
  readonly listener: string;
  readonly clientAddress: string;
  readonly request: unknown;
  readonly requestBytes: number;
  readonly responseBytes: number;
  /** Time the frame waited on its connection behind the in-flight limits. */
  readonly queueTimeNs: bigint;
  /** From dispatch to the encoded response. */
  readonly processingTimeNs: bigint;
}

/**
 * The request log: a debug line per request on the `request` component, off unless
 * `log.level.request=debug` (or `log.level=debug`); `enabled()` is the only cost when off.
 */
export class RequestLog {
  private readonly log: NodeLogger | null;

  constructor(log: Logger) {
    this.log = isNodeLogger(log) ? log.child('request') : null;
  }

  enabled(): boolean {
    return this.log?.isLevelEnabled('debug') ?? false;
  }

  completed(entry: CompletedRequest): void {
    this.log?.debug('Completed request', {
      api: entry.api,
      apiVersion: entry.apiVersion,
      correlationId: entry.correlationId,
      clientId: entry.clientId,
      principal: entry.principal,
      listener: entry.listener,
      clientAddress: entry.clientAddress,
      partitions: partitionCount(entry.request),
      requestBytes: entry.requestBytes,
      responseBytes: entry.responseBytes,
      queueTimeMs: Number(entry.queueTimeNs) / 1e6,
      processingTimeMs: Number(entry.processingTimeNs) / 1e6,
    });
  }
}

/**
 * Partitions a request names: the lengths of the partition arrays inside its topic arrays
 * (Produce `topicData[].partitionData`, Fetch and the offset APIs `topics[].partitions`).
 */
export function partitionCount(request: unknown): number {
  if (typeof request !== 'object' || request === null) return 0;
  let count = 0;
  for (const field of Object.values(request)) {
    if (!Array.isArray(field)) continue;
    for (const topic of field) {
      if (typeof topic !== 'object' || topic === null) continue;
      for (const [name, value] of Object.entries(topic as Record<string, unknown>)) {
        if (/^partition/i.test(name) && Array.isArray(value)) count += value.length;
      }
    }
  }
  return count;
}
