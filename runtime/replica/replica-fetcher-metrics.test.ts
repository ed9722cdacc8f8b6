import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultFetchResponse, defaultFetchResponsePartitionData, type FetchResponse } from '../../core/protocol/generated/messages/fetch.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { ReplicaFetcherMetrics } from './replica-fetcher-metrics.js';

const answer = (errorCode: number, records: (Buffer | null)[]): FetchResponse => ({
  ...defaultFetchResponse(),
  errorCode,
  responses: [{ topic: '', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: records.map((r, i) => ({ ...defaultFetchResponsePartitionData(), partitionIndex: i, records: r })) }],
});

describe('ReplicaFetcherMetrics', () => {
  it('counts the batch bytes of each answer and every request by source broker and result; the lag gauge shows the fetchers partitions', async () => {
    const metrics = new BrokerMetrics({ processMetrics: false });
    const fetcherMetrics = new ReplicaFetcherMetrics(metrics, () => [{ topic: 'orders', partition: 3, lagRecords: 7 }]);
    await fetcherMetrics.observe(2, Promise.resolve(answer(0, [Buffer.alloc(300), null, Buffer.alloc(24)])));
    await fetcherMetrics.observe(2, Promise.resolve(answer(0, [])));
    await fetcherMetrics.observe(5, Promise.resolve(answer(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, [])));
    await expect(fetcherMetrics.observe(5, Promise.reject(new Error('connection closed')))).rejects.toThrow('connection closed');
    const text = await metrics.registry.metrics();
    expect(text).toContain('freshet_replica_fetcher_bytes_total{source_broker="2"} 324');
    expect(text).toContain('freshet_replica_fetcher_bytes_total{source_broker="5"} 0');
    expect(text).toContain('freshet_replica_fetcher_requests_total{source_broker="2",result="success"} 2');
    expect(text).toContain('freshet_replica_fetcher_requests_total{source_broker="5",result="error"} 1');
    expect(text).toContain('freshet_replica_fetcher_requests_total{source_broker="5",result="failed"} 1');
    expect(text).toContain('freshet_replica_lag_records{topic="orders",partition="3"} 7');
  });
});
