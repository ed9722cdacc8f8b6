// The null broker: a minimal Kafka listener that answers ApiVersions, Metadata,
// ListOffsets, Produce (records discarded) and Fetch (one fixed batch served at
// every offset) at once. kcat against it measures what the load generator and
// the loopback can do on this machine: the ceiling a real broker's figure is a
// fraction of. Run as its own process: `tsx bench/e2e/null-broker.ts --port N
// --records-per-partition M`; it prints `listening on <port>`.
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { frameChunks, FrameDecoder } from '../../core/protocol/frame.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { FetchRequest } from '../../core/protocol/generated/messages/fetch.js';
import type { ListOffsetsRequest } from '../../core/protocol/generated/messages/list-offsets.js';
import type { MetadataRequest } from '../../core/protocol/generated/messages/metadata.js';
import type { ProduceRequest } from '../../core/protocol/generated/messages/produce.js';
import { buildUncompressedRecordBatch } from '../../core/protocol/records/record-batch-builder.js';
import { decodeRequest, encodeResponse } from '../../core/protocol/request-frames.js';

const { values: args } = parseArgs({
  options: { port: { type: 'string', default: '0' }, partitions: { type: 'string', default: '6' }, 'records-per-partition': { type: 'string', default: '100000' }, 'record-bytes': { type: 'string', default: '1024' } },
});
const partitions = Number(args.partitions);
const recordBytes = Number(args['record-bytes']);

/** The versions it serves: Produce and Fetch up to the last versions that name topics (no topic ids to map). */
const served = new Map<number, [number, number]>([
  [ApiKey.Produce, [3, 11]],
  [ApiKey.Fetch, [4, 12]],
  [ApiKey.ListOffsets, [1, 7]],
  [ApiKey.Metadata, [1, 12]],
  [ApiKey.ApiVersions, [0, 3]],
]);

// One batch of ~1 MiB, served at whatever offset is fetched (its base offset rewritten; the CRC does not cover it).
const recordsPerBatch = Math.max(1, Math.floor((1 << 20) / recordBytes));
// Whole batches only, so a consumer reading to the high watermark reads exactly this many records.
const recordsPerPartition = BigInt(Math.ceil(Number(args['records-per-partition']) / recordsPerBatch) * recordsPerBatch);
const template = buildUncompressedRecordBatch({
  records: Array.from({ length: recordsPerBatch }, () => ({ value: Buffer.alloc(recordBytes, 0x61), timestamp: Date.now() })),
});

const topicId = (name: string): string => {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};
const nextOffsets = new Map<string, bigint>();

function answer(apiKey: number, version: number, body: unknown, port: number): unknown {
  switch (apiKey) {
    case ApiKey.ApiVersions:
      return { errorCode: 0, apiKeys: [...served].map(([key, [minVersion, maxVersion]]) => ({ apiKey: key, minVersion, maxVersion })), throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false };
    case ApiKey.Metadata: {
      const request = body as MetadataRequest;
      return {
        throttleTimeMs: 0,
        brokers: [{ nodeId: 0, host: '127.0.0.1', port, rack: null }],
        clusterId: 'null-broker',
        controllerId: 0,
        topics: (request.topics ?? []).map((t) => ({
          errorCode: 0,
          name: t.name,
          topicId: topicId(t.name ?? ''),
          isInternal: false,
          partitions: Array.from({ length: partitions }, (_, p) => ({ errorCode: 0, partitionIndex: p, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0], offlineReplicas: [] })),
          topicAuthorizedOperations: -2147483648,
        })),
        clusterAuthorizedOperations: -2147483648,
      };
    }
    case ApiKey.Produce: {
      const request = body as ProduceRequest;
      if (request.acks === 0) return null;
      return {
        responses: request.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => {
            const key = `${t.name}-${p.index}`;
            const baseOffset = nextOffsets.get(key) ?? 0n;
            // The record count sits at bytes 57-60 of a v2 batch header; one batch per partition is what clients send.
            nextOffsets.set(key, baseOffset + BigInt(p.records === null || p.records.length < 61 ? 0 : p.records.readInt32BE(57)));
            return { index: p.index, errorCode: 0, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
          }),
        })),
        throttleTimeMs: 0,
        nodeEndpoints: [],
      };
    }
    case ApiKey.ListOffsets: {
      const request = body as ListOffsetsRequest;
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [], timestamp: -1n, offset: p.timestamp === -2n ? 0n : recordsPerPartition, leaderEpoch: -1 })),
        })),
      };
    }
    case ApiKey.Fetch: {
      const request = body as FetchRequest;
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 0,
        responses: request.topics.map((t) => ({
          topic: t.topic,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => {
            let records: Buffer | null = null;
            if (p.fetchOffset < recordsPerPartition) {
              records = Buffer.from(template);
              records.writeBigInt64BE(p.fetchOffset, 0);
            }
            return {
              partitionIndex: p.partition,
              errorCode: 0,
              highWatermark: recordsPerPartition,
              lastStableOffset: recordsPerPartition,
              logStartOffset: 0n,
              divergingEpoch: { epoch: -1, endOffset: -1n },
              currentLeader: { leaderId: -1, leaderEpoch: -1 },
              snapshotId: { endOffset: -1n, epoch: -1 },
              abortedTransactions: null,
              preferredReadReplica: -1,
              records,
            };
          }),
        })),
        nodeEndpoints: [],
      };
    }
    default:
      throw new Error(`unexpected apiKey ${apiKey}`);
  }
}

function serve(socket: Socket, port: number): void {
  const frames = new FrameDecoder();
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    for (const frame of frames.push(chunk)) {
      let pieces: Buffer[];
      try {
        const { header, body } = decodeRequest(frame);
        const response = answer(header.requestApiKey, header.requestApiVersion, body, port);
        if (response === null) continue;
        pieces = frameChunks(encodeResponse(header.requestApiKey, header.requestApiVersion, header.correlationId, response));
      } catch (error) {
        // A request it cannot answer ends the run visibly: the bench sees the connection close.
        process.stderr.write(`null broker: ${String(error)}\n`);
        socket.destroy();
        return;
      }
      for (const piece of pieces) socket.write(piece);
    }
  });
}

const server = createServer();
server.on('connection', (socket) => serve(socket, (server.address() as { port: number }).port));
server.listen(Number(args.port), '127.0.0.1', () => {
  process.stdout.write(`listening on ${(server.address() as { port: number }).port} with ${recordsPerPartition} records per partition\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
