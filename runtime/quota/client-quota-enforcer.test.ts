import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { defaultCreateTopicsRequestCreatableTopic, defaultCreateTopicsResponseCreatableTopicResult, type CreateTopicsRequest, type CreateTopicsResponse } from '../../core/protocol/generated/messages/create-topics.js';
import { defaultFetchRequest, defaultFetchResponse, defaultFetchResponsePartitionData, type FetchRequest, type FetchResponse } from '../../core/protocol/generated/messages/fetch.js';
import { defaultProduceRequest, defaultProduceResponse, type ProduceRequest, type ProduceResponse } from '../../core/protocol/generated/messages/produce.js';
import { defaultPartitionRecord } from '../../core/protocol/generated/metadata/partition-record.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../core/protocol/generated/messages/delete-topics.js';
import { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { ClientQuotaManager } from '../../core/security/client-quota-manager.js';
import { ANONYMOUS } from '../../core/security/kafka-principal.js';
import type { ApiHandler, RequestContext } from '../handlers/registry.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { ClientQuotaEnforcer } from './client-quota-enforcer.js';
import { ClientQuotaIndex } from './client-quota-source.js';
import { THROTTLING_QUOTA_EXCEEDED_MESSAGE } from './controller-mutation-quota.js';

/** The client id `limited` has every quota; anyone else has none. Ten seconds of window (Kafka's 11 samples). */
function enforcer(nowMs: { value: number }, quotas: Record<string, number>, image = new MetadataImage()) {
  for (const [key, value] of Object.entries(quotas)) {
    image.replay({ type: MetadataRecordType.ClientQuotaRecord, value: { entity: [{ entityType: 'client-id', entityName: 'limited' }], key, value, remove: false } });
  }
  const index = new ClientQuotaIndex({ producerByteRate: null, consumerByteRate: null });
  index.rebuild(image);
  const window = { samples: 11, windowMs: 1000 };
  return new ClientQuotaEnforcer({ window, quotas: new ClientQuotaManager(window, index.source), metrics: new BrokerMetrics({ processMetrics: false }), image: () => image, numPartitions: 3, nowMs: () => nowMs.value });
}

function context(clientId: string, apiKey: number, apiVersion: number, connectionId = 'c1') {
  const mutes: number[] = [];
  const ctx: RequestContext = { connectionId, listenerName: 'PLAINTEXT', clientAddress: '127.0.0.1', principal: ANONYMOUS, clientId, apiKey, apiVersion, correlationId: 1, muteFor: (ms) => mutes.push(ms) };
  return { ctx, mutes };
}

function produce(bytes: number): ProduceRequest {
  return { ...defaultProduceRequest(), acks: 1, topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.alloc(bytes) }] }] };
}

const produceHandler: ApiHandler<ProduceRequest, ProduceResponse> = { apiKey: ApiKey.Produce, name: 'Produce', minVersion: 0, maxVersion: 11, handle: () => Promise.resolve(defaultProduceResponse()) };

afterEach(() => {
  vi.useRealTimers();
});

describe('ClientQuotaEnforcer', () => {
  it('answers an over-quota produce at once with its throttle time and mutes the connection for that long (KIP-219)', async () => {
    const now = { value: 0 };
    const handler = enforcer(now, { producer_byte_rate: 100 }).wrap(produceHandler as ApiHandler);
    const first = context('limited', ApiKey.Produce, 9);
    expect(((await handler.handle(first.ctx, produce(1000))) as ProduceResponse).throttleTimeMs).toBe(0);
    const second = context('limited', ApiKey.Produce, 9);
    // 2000 bytes over a 10 s window is 200 B/s: twice the quota, so one more window of silence.
    expect(((await handler.handle(second.ctx, produce(1000))) as ProduceResponse).throttleTimeMs).toBe(10_000);
    expect(second.mutes).toEqual([10_000]);
    // Nobody else is limited.
    const other = context('other', ApiKey.Produce, 9, 'c2');
    expect(((await handler.handle(other.ctx, produce(1e6))) as ProduceResponse).throttleTimeMs).toBe(0);
    expect(other.mutes).toEqual([]);
  });

  it('holds an older client\'s response back for the throttle time instead', async () => {
    vi.useFakeTimers();
    const now = { value: 0 };
    const handler = enforcer(now, { producer_byte_rate: 100 }).wrap(produceHandler as ApiHandler);
    let answered: ProduceResponse | undefined;
    void (handler.handle(context('limited', ApiKey.Produce, 5).ctx, produce(2000)) as Promise<ProduceResponse>).then((r) => (answered = r));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(answered).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answered?.throttleTimeMs).toBe(10_000);
  });

  it('serves a quota\'d connection one request at a time, each after the throttle time of the one before', async () => {
    vi.useFakeTimers();
    const now = { value: 0 };
    const started: number[] = [];
    const handler = enforcer(now, { producer_byte_rate: 100 }).wrap({ ...produceHandler, handle: (_c: RequestContext, r: ProduceRequest) => (started.push(r.topicData[0]!.partitionData[0]!.records!.length), Promise.resolve(defaultProduceResponse())) } as ApiHandler);
    const answers = [2000, 1, 2].map((bytes) => handler.handle(context('limited', ApiKey.Produce, 9).ctx, produce(bytes)));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual([2000]);
    now.value = 10_000;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(started).toEqual([2000, 1]);
    now.value = 60_000;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toEqual([2000, 1, 2]);
    await Promise.all(answers);
  });

  it('answers a throttled fetch without data, takes its bytes back, and leaves follower fetches alone', async () => {
    const now = { value: 0 };
    const data = Buffer.alloc(1500);
    const response = (): FetchResponse => ({ ...defaultFetchResponse(), sessionId: 7, responses: [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ ...defaultFetchResponsePartitionData(), records: data }] }] });
    const handler = enforcer(now, { consumer_byte_rate: 100 }).wrap({ apiKey: ApiKey.Fetch, name: 'Fetch', minVersion: 4, maxVersion: 16, handle: () => Promise.resolve(response()) } as ApiHandler);
    const consumer = (): FetchRequest => ({ ...defaultFetchRequest(), sessionEpoch: -1 });
    // 1500 bytes over 10 s is 150 B/s: throttled, and not counted, so the same fetch is refused the same way again.
    for (let i = 0; i < 2; i++) {
      const throttled = (await handler.handle(context('limited', ApiKey.Fetch, 12).ctx, consumer())) as FetchResponse;
      expect([throttled.throttleTimeMs, throttled.responses, throttled.sessionId]).toEqual([5000, [], 0]);
      now.value += 5000;
    }
    const follower = (await handler.handle(context('limited', ApiKey.Fetch, 12).ctx, { ...consumer(), replicaId: 2 })) as FetchResponse;
    expect([follower.throttleTimeMs, follower.responses[0]!.partitions[0]!.records]).toEqual([0, data]);
  });

  it('refuses CreateTopics beyond controller_mutation_rate with THROTTLING_QUOTA_EXCEEDED (v6+), and only throttles older versions', async () => {
    const now = { value: 0 };
    const created: string[] = [];
    const handler = enforcer(now, { controller_mutation_rate: 1 }).wrap({
      apiKey: ApiKey.CreateTopics,
      name: 'CreateTopics',
      minVersion: 2,
      maxVersion: 7,
      handle: (_c: RequestContext, r: CreateTopicsRequest): Promise<CreateTopicsResponse> => {
        created.push(...r.topics.map((t) => t.name));
        return Promise.resolve({ throttleTimeMs: 0, topics: r.topics.map((t) => ({ ...defaultCreateTopicsResponseCreatableTopicResult(), name: t.name })) });
      },
    } as ApiHandler);
    const topic = (name: string, numPartitions: number) => ({ ...defaultCreateTopicsRequestCreatableTopic(), name, numPartitions, replicationFactor: 1 });
    // A burst of 11 × 1 s × 1/s = 11 partitions: a (10) fits, b (3, from num.partitions) takes the bucket into debt, c is refused.
    const strict = (await handler.handle(context('limited', ApiKey.CreateTopics, 6).ctx, { topics: [topic('a', 10), topic('b', -1), topic('c', 1)], timeoutMs: 1000, validateOnly: false })) as CreateTopicsResponse;
    expect(strict.topics.map((t) => [t.name, t.errorCode, t.errorCode === ErrorCode.NONE ? null : t.errorMessage])).toEqual([['a', ErrorCode.NONE, null], ['b', ErrorCode.NONE, null], ['c', ErrorCode.THROTTLING_QUOTA_EXCEEDED, THROTTLING_QUOTA_EXCEEDED_MESSAGE]]);
    expect(strict.throttleTimeMs).toBe(2000);
    expect(created).toEqual(['a', 'b']);
    // Two seconds later the bucket is back to 0, so the next partition is granted, and throttled.
    now.value = 2000;
    const permissive = (await handler.handle(context('limited', ApiKey.CreateTopics, 5).ctx, { topics: [topic('d', 1)], timeoutMs: 1000, validateOnly: false })) as CreateTopicsResponse;
    expect([permissive.topics[0]!.errorCode, permissive.throttleTimeMs]).toEqual([ErrorCode.NONE, 1000]);
    expect(created).toEqual(['a', 'b', 'd']);
  });

  it('charges DeleteTopics each topic\'s partitions, refusing (v5+) the topics after the bucket runs dry, the refused ones answered by name and id', async () => {
    const image = new MetadataImage();
    const topics = { big: 'AAAAAAAAAAAAAAAAAAAAAQ', small: 'AAAAAAAAAAAAAAAAAAAAAg' };
    for (const [name, topicId] of Object.entries(topics)) {
      image.replay({ type: MetadataRecordType.TopicRecord, value: { name, topicId } });
      for (let partitionId = 0; partitionId < (name === 'big' ? 20 : 1); partitionId++) image.replay({ type: MetadataRecordType.PartitionRecord, value: { ...defaultPartitionRecord(), topicId, partitionId } });
    }
    const deleted: string[] = [];
    const handler = enforcer({ value: 0 }, { controller_mutation_rate: 1 }, image).wrap({
      apiKey: ApiKey.DeleteTopics,
      name: 'DeleteTopics',
      minVersion: 1,
      maxVersion: 6,
      handle: (_c: RequestContext, r: DeleteTopicsRequest): Promise<DeleteTopicsResponse> => {
        deleted.push(...r.topicNames);
        return Promise.resolve({ throttleTimeMs: 0, responses: r.topicNames.map((name) => ({ name, topicId: topics[name as keyof typeof topics], errorCode: ErrorCode.NONE, errorMessage: null })) });
      },
    } as ApiHandler);
    const response = (await handler.handle(context('limited', ApiKey.DeleteTopics, 5).ctx, { topics: [], topicNames: ['big', 'small'], timeoutMs: 1000 })) as DeleteTopicsResponse;
    expect(deleted).toEqual(['big']);
    expect(response.responses.map((r) => [r.name, r.topicId, r.errorCode])).toEqual([['big', topics.big, ErrorCode.NONE], ['small', topics.small, ErrorCode.THROTTLING_QUOTA_EXCEEDED]]);
    expect(response.throttleTimeMs).toBe(9000);
  });
});
