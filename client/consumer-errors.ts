import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { KafkaClientError } from './client-error.js';
import type { TopicPartition } from './consumer-protocol.js';

const names = (partitions: readonly TopicPartition[]): string => partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(', ');

/** `auto.offset.reset=none` and a partition with no committed offset (Java's NoOffsetForPartitionException). */
export class NoOffsetForPartitionError extends KafkaClientError {
  override readonly name = 'NoOffsetForPartitionError';

  constructor(readonly partitions: readonly TopicPartition[]) {
    super(ErrorCode.OFFSET_OUT_OF_RANGE, `no committed offset for ${names(partitions)} and auto.offset.reset is none: seek() to a position first`, { retriable: false });
  }
}

/** `auto.offset.reset=none` and a position outside the log (Java's OffsetOutOfRangeException). */
export class OffsetOutOfRangeError extends KafkaClientError {
  override readonly name = 'OffsetOutOfRangeError';

  constructor(readonly offsets: readonly (TopicPartition & { position: bigint })[]) {
    super(ErrorCode.OFFSET_OUT_OF_RANGE, `positions out of range with auto.offset.reset none: ${offsets.map((o) => `${o.topic}-${o.partition}@${o.position}`).join(', ')}`, {
      retriable: false,
    });
  }
}

/** A commit the group refused because it rebalanced and the member's generation is gone (Java's CommitFailedException). */
export class CommitFailedError extends KafkaClientError {
  override readonly name = 'CommitFailedError';

  constructor(errorCode: number, detail: string) {
    super(errorCode, `${detail}: the group rebalanced and the partitions may belong to another member now; poll() again to rejoin`, { retriable: false });
  }
}

/** A deserializer failed on a record; poll() stops at it (seek past it to go on), as Java's RecordDeserializationException. */
export class RecordDeserializationError extends KafkaClientError {
  override readonly name = 'RecordDeserializationError';

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: bigint,
    cause: unknown,
  ) {
    super(ErrorCode.INVALID_RECORD, `cannot deserialize the record at ${topic}-${partition}@${offset}: ${cause instanceof Error ? cause.message : String(cause)}`, { retriable: false, cause });
  }
}
