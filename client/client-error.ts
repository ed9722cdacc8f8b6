import { errorCodes } from '../core/protocol/generated/error-codes.js';

/** Kafka's name for an error code (`UNKNOWN_TOPIC_OR_PARTITION`), or `UNKNOWN(<code>)` for codes newer than our list. */
export function errorName(errorCode: number): string {
  return errorCodes.get(errorCode)?.name ?? `UNKNOWN(${errorCode})`;
}

/**
 * A Kafka error code returned by a broker, or a client-side failure
 * (connection lost, timeout) given the closest Kafka code, so callers and the
 * CLI handle every failure the same way.
 */
export class KafkaClientError extends Error {
  override readonly name = 'KafkaClientError';
  readonly errorName: string;
  readonly retriable: boolean;

  constructor(
    readonly errorCode: number,
    detail: string,
  ) {
    super(`${errorName(errorCode)}: ${detail}`);
    this.errorName = errorName(errorCode);
    this.retriable = errorCodes.get(errorCode)?.retriable ?? false;
  }
}

/** Throws a KafkaClientError for any code but NONE; `detail` names what failed ("topic t"). */
export function throwIfError(errorCode: number, detail: string, errorMessage?: string | null): void {
  if (errorCode !== 0) throw new KafkaClientError(errorCode, errorMessage ? `${detail}: ${errorMessage}` : detail);
}
