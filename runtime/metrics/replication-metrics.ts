import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { BrokerMetrics } from './broker-metrics.js';

export interface ReplicationMetricsSource {
  readonly nodeId: number;
  image(): MetadataImage;
  onChange(listener: (image: MetadataImage) => void): () => void;
  /** Null on a node without the controller role. */
  readonly controller: { isActive(): boolean; readonly uncleanLeaderElections: number } | null;
}

interface LedPartition {
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
}

/**
 * Kafka's replication health metrics, read from the committed metadata: as a leader, this broker's
 * under-replicated partitions and its ISR shrinks and expands (the AlterPartition changes it made,
 * seen once committed); as the active controller, offline partitions and unclean elections (other
 * controllers report 0, so a sum over the cluster counts each once). Returns an unsubscribe.
 */
export function registerReplicationMetrics(metrics: BrokerMetrics, source: ReplicationMetricsSource): () => void {
  const ledPartitions = (image: MetadataImage): Map<string, LedPartition> => {
    const led = new Map<string, LedPartition>();
    for (const topic of image.topics.values()) {
      for (const p of topic.partitions.values()) if (p.leader === source.nodeId) led.set(`${topic.topicId}/${p.partitionId}`, { leaderEpoch: p.leaderEpoch, isr: [...p.isr] });
    }
    return led;
  };
  metrics.gauge({
    name: 'freshet_replica_under_replicated_partitions',
    help: 'Partitions this broker leads whose ISR is smaller than their replica set.',
    collect() {
      let count = 0;
      for (const topic of source.image().topics.values()) for (const p of topic.partitions.values()) if (p.leader === source.nodeId && p.isr.length < p.replicas.length) count++;
      this.set(count);
    },
  });
  metrics.gauge({
    name: 'freshet_controller_offline_partitions',
    help: 'Partitions without a leader (reported by the active controller only).',
    collect() {
      let count = 0;
      if (source.controller?.isActive() === true) for (const topic of source.image().topics.values()) for (const p of topic.partitions.values()) if (p.leader === -1) count++;
      this.set(count);
    },
  });
  let reportedUnclean = 0;
  metrics.counter({
    name: 'freshet_controller_unclean_leader_elections_total',
    help: 'Out-of-sync replicas made leader by this node as the active controller (acknowledged data may be lost).',
    collect() {
      // The controller keeps the count; a counter only goes up by inc(), so the difference is added at scrape.
      const decided = source.controller?.uncleanLeaderElections ?? 0;
      if (decided > reportedUnclean) this.inc(decided - reportedUnclean);
      reportedUnclean = decided;
    },
  });
  const isrShrinks = metrics.counter({ name: 'freshet_replica_isr_shrinks_total', help: 'ISR shrinks of partitions this broker leads.' });
  const isrExpands = metrics.counter({ name: 'freshet_replica_isr_expands_total', help: 'ISR expands of partitions this broker leads.' });
  let previous = ledPartitions(source.image());
  const unsubscribe = source.onChange((image) => {
    const current = ledPartitions(image);
    for (const [key, now] of current) {
      const before = previous.get(key);
      // Within one leader epoch only: a new leader's ISR is the controller's election, not this broker's change.
      if (before === undefined || before.leaderEpoch !== now.leaderEpoch) continue;
      if (before.isr.some((id) => !now.isr.includes(id))) isrShrinks.inc();
      if (now.isr.some((id) => !before.isr.includes(id))) isrExpands.inc();
    }
    previous = current;
  });
  return unsubscribe;
}
