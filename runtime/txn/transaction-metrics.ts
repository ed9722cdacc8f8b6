import type { ListTransactionsResponse } from '../../core/txn/transaction-api.js';
import { TransactionState } from '../../core/txn/transaction-state.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { LocalPartition } from '../replica/replica-manager.js';
import type { TransactionCoordinatorService } from './transaction-coordinator-service.js';

/**
 * The transaction metrics on /metrics: coordinators and their transactions by
 * state (read at scrape time), transactions started, transactions ended (their markers all
 * written) and markers written to this node's partitions, by result.
 */
export function registerTransactionMetrics(metrics: BrokerMetrics, service: TransactionCoordinatorService): {
  transactionStarted(): void;
  transactionEnded(committed: boolean): void;
  markerWritten(committed: boolean): void;
} {
  metrics.gauge({
    name: 'freshet_transaction_coordinator_partitions',
    help: '__transaction_state partitions whose transaction coordinator runs on this node.',
    collect() {
      this.set(service.localPartitions().length);
    },
  });
  metrics.gauge({
    name: 'freshet_transactions',
    help: 'Transactional ids coordinated by this node, by the state of their transaction (Ongoing: open now).',
    labelNames: ['state'],
    async collect() {
      const counts = new Map<string, number>(Object.keys(TransactionState).map((state) => [state, 0]));
      const request = { stateFilters: [], producerIdFilters: [], durationFilterMs: -1n };
      const answers = await Promise.allSettled(service.localPartitions().map((partition) => service.read<ListTransactionsResponse>(partition, { api: 'ListTransactions', request })));
      for (const answer of answers) {
        if (answer.status !== 'fulfilled') continue;
        for (const t of answer.value.transactionStates) counts.set(t.transactionState, (counts.get(t.transactionState) ?? 0) + 1);
      }
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  const started = metrics.counter({ name: 'freshet_transactions_started_total', help: 'Transactions begun on coordinators of this node (their first partition or offsets added).' });
  const ended = metrics.counter({ name: 'freshet_transactions_ended_total', help: 'Transactions whose markers were all written, by result.', labelNames: ['result'] });
  const markers = metrics.counter({ name: 'freshet_transaction_markers_written_total', help: 'Transaction markers written to partitions led by this node, by result.', labelNames: ['result'] });
  const result = (committed: boolean): { result: string } => ({ result: committed ? 'commit' : 'abort' });
  return {
    transactionStarted: () => started.inc(),
    transactionEnded: (committed) => ended.inc(result(committed)),
    markerWritten: (committed) => markers.inc(result(committed)),
  };
}

/**
 * freshet_partition_last_stable_offset_lag: per partition led here, how far
 * the LSO trails the high watermark (records read_committed consumers cannot
 * read yet because a transaction before them is open), as last reported by
 * the partition's actor. A lag that stays up names a long or hanging
 * transaction (`freshet transactions find-hanging`).
 */
export function registerLastStableOffsetLag(metrics: BrokerMetrics, partitions: () => readonly Pick<LocalPartition, 'topic' | 'partition' | 'state'>[]): void {
  metrics.gauge({
    name: 'freshet_partition_last_stable_offset_lag',
    help: 'High watermark minus last stable offset of each partition this broker leads.',
    labelNames: ['topic', 'partition'],
    collect() {
      this.reset();
      for (const p of partitions()) if (p.state.isLeader) this.set({ topic: p.topic, partition: String(p.partition) }, Math.max(0, p.state.highWatermark - p.state.lastStableOffset));
    },
  });
}
