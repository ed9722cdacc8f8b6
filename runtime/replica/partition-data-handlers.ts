import type { PartitionLeader } from '../../core/partition/partition-leader.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { batchViews } from '../../core/protocol/record-batch-header.js';
import { withRecords, type AppendReply, type DataRequest, type DeleteRecordsReply, type HandlerHost, type ListOffsetReply, type MessageOf, type Answer, type ProducersReply, type ReadReply } from './partition-messages.js';

export type DataHandlers = { readonly [K in DataRequest['op']]: (message: MessageOf<K>, payload: Buffer | undefined) => Answer<K> };

/** The last offset of `records` if it holds batches and none has a record (all emptied by compaction), else null. */
function lastOffsetIfAllEmpty(records: Buffer): bigint | null {
  let last: bigint | null = null;
  for (const view of batchViews(records, { allowPartialTail: true })) {
    if (view.recordsCount > 0) return null;
    last = view.lastOffset;
  }
  return last;
}

/**
 * The partition actor's data requests (Produce, WriteTxnMarkers, Fetch,
 * ListOffsets, DeleteRecords, DescribeProducers) on its PartitionLeader. A
 * refused partition (offline, or its log deleted) answers
 * KAFKA_STORAGE_ERROR; a storage failure is noted, so the partition goes
 * offline.
 */
export function dataHandlers(host: HandlerHost): DataHandlers {
  const { partition: leader } = host;
  const appendReply = (result: Awaited<ReturnType<PartitionLeader['append']>>): AppendReply => {
    host.noteFailure(result.errorCode, result.errorMessage ?? 'an append failed');
    return {
      state: host.state(),
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      baseOffset: Number(result.baseOffset),
      lastOffset: Number(result.lastOffset),
      logAppendTimeMs: Number(result.logAppendTimeMs),
      recordCount: result.recordCount,
      bytes: result.bytes,
      ...(result.recordErrors === undefined ? {} : { recordErrors: result.recordErrors }),
    };
  };
  const refusedAppend = (reason: string): AppendReply => ({ state: host.state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: reason, baseOffset: -1, lastOffset: -1, logAppendTimeMs: -1, recordCount: 0, bytes: 0 });
  return {
    append(request, payload) {
      const refused = host.refusal();
      if (refused !== null) return refusedAppend(refused);
      const records = payload ?? Buffer.alloc(0);
      const nowMs = host.nowMs();
      const origin = request.origin ?? 'client';
      const result = leader.appendSync(records, nowMs, request.acks, origin);
      // The payload is borrowed (see borrowsPayload): the recompressing path outlives this call, so it takes a copy.
      return result !== null ? appendReply(result) : leader.append(Buffer.from(records), nowMs, request.acks, origin).then(appendReply);
    },
    marker(request) {
      const refused = host.refusal();
      if (refused !== null) return refusedAppend(refused);
      return appendReply(leader.appendMarker({ producerId: BigInt(request.producerId), producerEpoch: request.producerEpoch, committed: request.committed, coordinatorEpoch: request.coordinatorEpoch }, host.nowMs()));
    },
    read(request) {
      if (host.refusal() !== null) return { state: host.state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, lastStableOffset: -1 } satisfies ReadReply;
      const options = { isolationLevel: request.isolationLevel, minOneMessage: request.minOneMessage };
      let result = leader.read(BigInt(request.fetchOffset), request.maxBytes, options);
      // Our cleaner keeps a segment's last batch, emptied, where Kafka's drops it: an answer of only such
      // batches would stall kafkajs (it refetches the same offset), so the read goes on past them.
      for (let next = lastOffsetIfAllEmpty(result.records); next !== null && result.errorCode === ErrorCode.NONE && next + 1n < leader.highWatermark; next = lastOffsetIfAllEmpty(result.records)) {
        result = leader.read(next + 1n, request.maxBytes, options);
      }
      host.noteFailure(result.errorCode, 'a read failed');
      const aborted = result.abortedTransactions?.map((a) => [a.producerId.toString(), Number(a.firstOffset)] as const);
      const answer: ReadReply = { state: host.state(), errorCode: result.errorCode, lastStableOffset: Number(result.lastStableOffset), ...(aborted === undefined ? {} : { abortedTransactions: aborted }) };
      return withRecords(answer, result.records);
    },
    listOffset(request) {
      if (host.refusal() !== null) return { state: host.state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, offset: -1, timestamp: -1, leaderEpoch: -1 } satisfies ListOffsetReply;
      return leader.listOffset(BigInt(request.timestamp), request.isolationLevel).then((result): ListOffsetReply => {
        host.noteFailure(result.errorCode, 'an offset lookup failed');
        return { state: host.state(), errorCode: result.errorCode, offset: Number(result.offset), timestamp: Number(result.timestamp), leaderEpoch: result.leaderEpoch };
      });
    },
    deleteRecords(request): DeleteRecordsReply {
      if (host.refusal() !== null) return { state: host.state(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, lowWatermark: -1 };
      const result = leader.deleteRecordsBefore(BigInt(request.offset));
      host.noteFailure(result.errorCode, 'deleting records failed');
      return { state: host.state(), errorCode: result.errorCode, lowWatermark: Number(result.lowWatermark) };
    },
    producers(): ProducersReply {
      // Ids and offsets as decimal strings (msgpack bodies).
      const producers = leader.describeProducers().map((p) => ({ ...p, producerId: p.producerId.toString(), currentTxnStartOffset: p.currentTxnStartOffset.toString() }));
      return { state: host.state(), producers };
    },
  };
}
