import { benchGroup, type BenchCase } from './harness.js';
import { FrameDecoder, frameChunks } from '../core/protocol/frame.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import type { ProduceRequest } from '../core/protocol/generated/messages/produce.js';
import { BATCH_HEADER_SIZE, BATCH_LOG_OVERHEAD, BatchField, CURRENT_MAGIC, batchViews } from '../core/protocol/record-batch-header.js';
import { decodeRequest, encodeRequest } from '../core/protocol/request-frames.js';

// 1 MiB of record batches per Produce request, split over 1, 10 or 100 partitions;
// the cost that matters is per partition, since the batch bytes are never copied.
const totalBytes = 1 << 20;

/** One batch of `size` bytes with a valid v2 header (records are filler: never parsed here). */
function batchOf(size: number): Buffer {
  const batch = Buffer.alloc(size, 0x2a);
  batch.writeBigInt64BE(0n, BatchField.baseOffset);
  batch.writeInt32BE(size - BATCH_LOG_OVERHEAD, BatchField.batchLength);
  batch.writeInt8(CURRENT_MAGIC, BatchField.magic);
  return batch;
}

function produceRequest(partitions: number): ProduceRequest {
  const perPartition = Math.floor(totalBytes / partitions);
  if (perPartition < BATCH_HEADER_SIZE) throw new Error('partition share smaller than a batch header');
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [
      {
        name: 'bench-topic',
        partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: batchOf(perPartition) })),
      },
    ],
  };
}

/** The request frame body as a client would send it, in one contiguous buffer. */
function frameBody(version: number, request: ProduceRequest): Buffer {
  return encodeRequest({ requestApiKey: ApiKey.Produce, requestApiVersion: version, correlationId: 1, clientId: 'bench' }, request).toBuffer();
}

/** Header + body + a view of every batch: the broker's hot-path decode of a Produce request. */
function decodeProduce(body: Buffer): number {
  const { body: request } = decodeRequest(body);
  let batches = 0;
  for (const topic of (request as ProduceRequest).topicData) {
    for (const partition of topic.partitionData) {
      if (partition.records !== null) for (const _view of batchViews(partition.records)) batches++;
    }
  }
  return batches;
}

const source = Buffer.alloc(totalBytes, 1);
const target = Buffer.alloc(totalBytes);
const partitionCounts = [1, 10, 100];
const cases: BenchCase[] = [{ name: 'baseline: Buffer.copy 1 MiB', bytes: totalBytes, baseline: true, fn: () => source.copy(target) }];

for (const version of [9, 7]) {
  for (const partitions of partitionCounts) {
    const body = frameBody(version, produceRequest(partitions));
    cases.push({ name: `decode Produce v${version}, ${partitions} partition(s), 1 MiB`, bytes: totalBytes, fn: () => decodeProduce(body) });
  }
}
for (const partitions of [1, 100]) {
  const request = produceRequest(partitions);
  const framed = Buffer.concat(frameChunks(encodeRequest({ requestApiKey: ApiKey.Produce, requestApiVersion: 9, correlationId: 1, clientId: 'bench' }, request)));
  cases.push({ name: `encode Produce v9, ${partitions} partition(s), 1 MiB (batches referenced)`, bytes: totalBytes, fn: () => frameChunks(encodeRequest({ requestApiKey: ApiKey.Produce, requestApiVersion: 9, correlationId: 1, clientId: 'bench' }, request)) });
  cases.push({ name: `FrameDecoder: 1 MiB frame (${partitions} partitions) in 64 KiB chunks`, bytes: totalBytes, fn: () => {
    const decoder = new FrameDecoder();
    let frames = 0;
    for (let at = 0; at < framed.length; at += 65536) frames += decoder.push(framed.subarray(at, at + 65536)).length;
    return frames;
  } });
}

export default benchGroup('core/protocol Produce codec', cases);
