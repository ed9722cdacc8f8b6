import { ErrorCode, errorCodes } from '../core/protocol/generated/error-codes.js';

/** Kafka's error names (`NOT_LEADER_OR_FOLLOWER`), from the generated table. */
export type ErrorName = keyof typeof ErrorCode;

/** Kafka's name for an error code (`UNKNOWN_TOPIC_OR_PARTITION`), or `UNKNOWN(<code>)` for codes newer than our list. */
export function errorName(errorCode: number): string {
  return errorCodes.get(errorCode)?.name ?? `UNKNOWN(${errorCode})`;
}

/**
 * Codes after which the Java producer (or consumer) cannot go on and must be
 * closed: fencing, authorization of the producer itself, a broker too old
 * for what was asked. Retriable and fatal are exclusive.
 */
const fatalCodes: ReadonlySet<number> = new Set([
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  ErrorCode.FENCED_INSTANCE_ID,
  ErrorCode.SASL_AUTHENTICATION_FAILED,
  ErrorCode.UNSUPPORTED_SASL_MECHANISM,
  ErrorCode.ILLEGAL_SASL_STATE,
  ErrorCode.INVALID_TXN_STATE,
]);

export interface ClientErrorOptions {
  /** Overrides the code's own retriability (Java's TimeoutException is retriable whatever the code). */
  retriable?: boolean;
  fatal?: boolean;
  cause?: unknown;
}

/**
 * A Kafka error code returned by a broker, or a client-side failure
 * (connection lost, timeout, bad configuration) given the closest Kafka code,
 * so callers and the CLI handle every failure the same way. `retriable`: the
 * same call may succeed later (the client already retried up to its limits);
 * `fatal`: the producer or consumer is unusable and must be closed.
 */
export class KafkaClientError extends Error {
  override readonly name: string = 'KafkaClientError';
  readonly errorName: string;
  readonly retriable: boolean;
  readonly fatal: boolean;

  constructor(
    readonly errorCode: number,
    detail: string,
    options: ClientErrorOptions = {},
  ) {
    super(`${errorName(errorCode)}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.errorName = errorName(errorCode);
    this.fatal = options.fatal ?? fatalCodes.has(errorCode);
    this.retriable = !this.fatal && (options.retriable ?? errorCodes.get(errorCode)?.retriable ?? false);
  }
}

/** A configuration key with a bad value, an unknown key, or a missing required one (Java's ConfigException). */
export class ConfigError extends KafkaClientError {
  override readonly name = 'ConfigError';

  constructor(
    readonly key: string,
    readonly value: unknown,
    message: string,
  ) {
    super(ErrorCode.INVALID_CONFIG, message, { retriable: false, fatal: false });
    this.message = message;
  }
}

/** An operation ran out of its time (`max.block.ms`, `delivery.timeout.ms`, `request.timeout.ms`, a close or flush timeout): Java's TimeoutException, retriable. */
export class KafkaTimeoutError extends KafkaClientError {
  override readonly name = 'KafkaTimeoutError';

  constructor(detail: string) {
    super(ErrorCode.REQUEST_TIMED_OUT, detail, { retriable: true });
  }
}

/** Another producer with the same `transactional.id` (or a newer epoch) took over: close this one. */
export class ProducerFencedError extends KafkaClientError {
  override readonly name = 'ProducerFencedError';

  constructor(detail: string, errorCode: number = ErrorCode.PRODUCER_FENCED) {
    super(errorCode, detail, { fatal: true });
  }
}

/** The broker saw a gap in a partition's sequence numbers: records may be lost (fatal for a transactional producer). */
export class OutOfOrderSequenceError extends KafkaClientError {
  override readonly name = 'OutOfOrderSequenceError';

  constructor(detail: string, fatal: boolean) {
    super(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, detail, { fatal });
  }
}

/** A record larger than `max.request.size`, or `buffer.memory`, or than the broker accepts. */
export class RecordTooLargeError extends KafkaClientError {
  override readonly name = 'RecordTooLargeError';

  constructor(detail: string) {
    super(ErrorCode.MESSAGE_TOO_LARGE, detail);
  }
}

/** A serializer failed on a key or value; the record was not queued. */
export class SerializationError extends KafkaClientError {
  override readonly name = 'SerializationError';

  constructor(detail: string, cause: unknown) {
    super(ErrorCode.INVALID_RECORD, detail, { retriable: false, fatal: false, cause });
  }
}

/** A call not valid in the client's state: send after close, commitTransaction without beginTransaction (Java's IllegalStateException). */
export class IllegalStateError extends KafkaClientError {
  override readonly name = 'IllegalStateError';

  constructor(detail: string) {
    super(ErrorCode.INVALID_TXN_STATE, detail, { retriable: false, fatal: false });
  }
}

/** The transaction must be aborted (a send in it failed, or TRANSACTION_ABORTABLE): abortTransaction, then go on. */
export class TransactionAbortableError extends KafkaClientError {
  override readonly name = 'TransactionAbortableError';

  constructor(errorCode: number, detail: string, cause?: unknown) {
    super(errorCode, detail, { retriable: false, fatal: false, cause });
  }
}

/** Throws a KafkaClientError for any code but NONE; `detail` names what failed ("topic t"). */
export function throwIfError(errorCode: number, detail: string, errorMessage?: string | null): void {
  if (errorCode !== 0) throw new KafkaClientError(errorCode, errorMessage ? `${detail}: ${errorMessage}` : detail);
}
