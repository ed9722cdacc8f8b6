import type { RaftStatus } from '../../core/raft/raft-node.js';
import type { BrokerMetrics } from './broker-metrics.js';

/**
 * The metadata quorum as this node sees it (Kafka's raft-metrics): who leads,
 * in which epoch, and how far this node has applied the metadata log. A node
 * without a leader for long can neither create topics nor elect leaders.
 */
export function registerRaftMetrics(metrics: BrokerMetrics, status: () => RaftStatus): void {
  const gauges: ReadonlyArray<[string, string, (s: RaftStatus) => number]> = [
    ['freshet_raft_current_leader', 'Node id of the metadata quorum leader this node knows, -1 when it knows none.', (s) => s.leaderId],
    ['freshet_raft_current_epoch', 'Epoch of the metadata quorum this node is in.', (s) => s.epoch],
    ['freshet_raft_high_watermark', 'Committed end of the __cluster_metadata log as this node knows it.', (s) => s.highWatermark],
    ['freshet_raft_log_end_offset', 'End offset of this node\'s copy of the __cluster_metadata log.', (s) => s.logEndOffset],
    ['freshet_raft_applied_offset', 'Offset up to which this node has applied the metadata log to its image.', (s) => s.appliedOffset],
  ];
  for (const [name, help, read] of gauges) {
    metrics.gauge({
      name,
      help,
      collect() {
        this.set(read(status()));
      },
    });
  }
}
