import type { FetchResponse } from '../../core/protocol/generated/messages/fetch.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { PartitionLag } from './replica-fetcher.js';

/**
 * The replica fetchers' metrics (Kafka's FetcherStats and FetcherLagStats):
 * record batch bytes received and Fetch requests by source broker, and each
 * followed partition's lag behind its leader. Counters live here, not in a
 * fetcher, so they keep counting when fetchers stop and start as leaders move.
 */
export class ReplicaFetcherMetrics {
  private readonly bytes;
  private readonly requests;

  constructor(metrics: BrokerMetrics, lags: () => Iterable<PartitionLag>) {
    this.bytes = metrics.counter({ name: 'freshet_replica_fetcher_bytes_total', help: 'Record batch bytes the replica fetchers received, by source broker.', labelNames: ['source_broker'] });
    this.requests = metrics.counter({
      name: 'freshet_replica_fetcher_requests_total',
      help: 'Fetch requests the replica fetchers sent, by source broker and result (success, error: an error code for the whole request, failed: no answer).',
      labelNames: ['source_broker', 'result'],
    });
    metrics.gauge({
      name: 'freshet_replica_lag_records',
      help: "Records a followed partition is behind its leader's high watermark after its last fetch.",
      labelNames: ['topic', 'partition'],
      collect() {
        this.reset();
        for (const lag of lags()) this.set({ topic: lag.topic, partition: String(lag.partition) }, lag.lagRecords);
      },
    });
  }

  /** Counts one Fetch to `sourceBrokerId` and the batch bytes its answer carries. */
  observe(sourceBrokerId: number, fetch: Promise<FetchResponse>): Promise<FetchResponse> {
    const source_broker = String(sourceBrokerId);
    return fetch.then(
      (response) => {
        let bytes = 0;
        for (const topic of response.responses) for (const p of topic.partitions) bytes += p.records?.length ?? 0;
        this.bytes.inc({ source_broker }, bytes);
        this.requests.inc({ source_broker, result: response.errorCode === 0 ? 'success' : 'error' });
        return response;
      },
      (error: unknown) => {
        this.requests.inc({ source_broker, result: 'failed' });
        throw error;
      },
    );
  }
}
