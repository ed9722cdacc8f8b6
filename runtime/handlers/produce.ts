import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import {
  defaultProduceResponse,
  defaultProduceResponsePartitionProduceResponse,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
} from '../../core/protocol/generated/messages/produce.js';
import { BATCH_HEADER_SIZE, BatchField, Compression } from '../../core/protocol/record-batch-header.js';
import type { Logger } from '../logger.js';
import type { AutoTopicCreator } from '../replica/auto-topic-creator.js';
import { ADMIN_CLIENT_ID, isInternalTopic } from '../replica/internal-topics.js';
import type { AppendOutcome, ReplicaManager } from '../replica/replica-manager.js';
import type { TransactionVerifier } from '../txn/transaction-verifier.js';
import type { ProduceRecompression } from './produce-recompression.js';
import type { ApiHandler } from './registry.js';

/**
 * Kafka 4 serves Produce v3+ (v0-v2 carried the old message formats) and
 * answers v0-v2 with UNSUPPORTED_VERSION. The advertised range still starts
 * at 0: librdkafka before 2.10 compresses with gzip, snappy or lz4 only when
 * the broker's Produce range includes v0 (its codec table asks for v0).
 */
const SERVED_MIN_VERSION = 3;
/** zstd needs Produce v7 (KIP-110). */
const ZSTD_MIN_VERSION = 7;

/**
 * Produce: each partition's batch goes to its partition actor as it arrived
 * (a view of the request frame, copied once into the ring). acks=0 gets no
 * response; acks=-1 waits for the high watermark in the produce purgatory.
 */
export function createProduceHandler(deps: {
  replicas: ReplicaManager;
  autoCreate: AutoTopicCreator;
  log: Logger;
  verifier?: TransactionVerifier;
  recompression?: ProduceRecompression;
}): ApiHandler<ProduceRequest, ProduceResponse> {
  const { replicas, autoCreate, log } = deps;
  return {
    apiKey: ApiKey.Produce,
    name: 'Produce',
    minVersion: 0,
    maxVersion: 11,
    handle(context, request) {
      if (context.apiVersion < SERVED_MIN_VERSION) return errorResponse(request, ErrorCode.UNSUPPORTED_VERSION);
      const acks = request.acks;
      const answers: { name: string; partitions: Promise<ProduceResponsePartitionProduceResponse>[] }[] = [];
      for (const topic of request.topicData) {
        // As Kafka: only the broker (and its admin client id) writes __consumer_offsets and __transaction_state.
        const internalTopicRefused =
          isInternalTopic(topic.name) && context.clientId !== ADMIN_CLIENT_ID
            ? failed(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`)
            : null;
        // Auto-creation waits for the controller; known topics are appended at once, in request order.
        const creation =
          internalTopicRefused === null && autoCreate.enabled && replicas.lookup(topic.name, topic.partitionData[0]?.index ?? 0).errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            ? autoCreate.create(topic.name)
            : null;
        const partitions = topic.partitionData.map((data) => {
          const respond = (outcome: AppendOutcome): ProduceResponsePartitionProduceResponse => ({
            ...defaultProduceResponsePartitionProduceResponse(),
            index: data.index,
            errorCode: outcome.errorCode,
            errorMessage: context.apiVersion >= 8 ? outcome.errorMessage : null,
            recordErrors: context.apiVersion >= 8 ? [...(outcome.recordErrors ?? [])] : [],
            baseOffset: outcome.baseOffset,
            logAppendTimeMs: outcome.logAppendTimeMs,
            logStartOffset: outcome.logStartOffset,
          });
          const refused = internalTopicRefused ?? checkRecords(data.records, acks, context.apiVersion);
          if (refused !== null) return Promise.resolve(respond(refused));
          // A batch to recompress for its topic's compression.type goes through the background pool first.
          const prepared = deps.recompression?.prepare(topic.name, data.index, data.records!) ?? null;
          const append = (): Promise<AppendOutcome> =>
            prepared === null
              ? replicas.append(topic.name, data.index, data.records!, acks, request.timeoutMs)
              : prepared.then((ready) => (Buffer.isBuffer(ready) ? replicas.append(topic.name, data.index, ready, acks, request.timeoutMs) : failed(ready.errorCode, ready.errorMessage)));
          // KIP-890: a transactional batch may wait for its coordinator's word first (in order per producer and partition).
          const verified = deps.verifier?.gate(request.transactionalId, topic.name, data.index, data.records) ?? null;
          const checked = verified === null ? append : (): Promise<AppendOutcome> => verified.then((refusal) => refusal ?? append());
          const outcome = creation === null ? checked() : creation.then(checked);
          return outcome.then(respond, (error: unknown) => {
            log.error(`Produce to ${topic.name}-${data.index} failed`, error);
            return respond(failed(ErrorCode.UNKNOWN_SERVER_ERROR, null));
          });
        });
        answers.push({ name: topic.name, partitions });
      }
      if (acks === 0) return null;
      return Promise.all(answers.map(async ({ name, partitions }) => ({ name, partitionResponses: await Promise.all(partitions) }))).then(
        (responses): ProduceResponse => ({ ...defaultProduceResponse(), responses }),
      );
    },
    errorResponse,
  };
}

function errorResponse(request: ProduceRequest, errorCode: number): ProduceResponse {
  return {
    ...defaultProduceResponse(),
    responses: request.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((data) => ({ ...defaultProduceResponsePartitionProduceResponse(), index: data.index, errorCode })),
    })),
  };
}

/** What Kafka refuses before the log sees it: bad acks, no records, zstd on an old version. */
function checkRecords(records: Buffer | null, acks: number, version: number): AppendOutcome | null {
  if (acks !== 0 && acks !== 1 && acks !== -1) return failed(ErrorCode.INVALID_REQUIRED_ACKS, `acks=${acks}`);
  if (records === null || records.length < BATCH_HEADER_SIZE) return failed(ErrorCode.INVALID_RECORD, 'a produced partition needs one record batch');
  const codec = records.readInt16BE(BatchField.attributes) & 0x07;
  if (codec === Compression.zstd && version < ZSTD_MIN_VERSION) return failed(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd needs Produce v7+');
  return null;
}

function failed(errorCode: number, errorMessage: string | null): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordCount: 0 };
}
