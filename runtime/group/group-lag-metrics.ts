import type { ListGroupsResponse, OffsetFetchResponse } from '../../core/group/group-api.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { GroupCoordinatorService } from './group-coordinator-service.js';

/** The high watermark of a partition this node leads; undefined when another node leads it (or none does). */
export type LeaderHighWatermark = (topic: string, partition: number) => bigint | undefined;

/**
 * Consumer lag as `kafka-consumer-groups --describe` shows it (high watermark
 * minus committed offset), for the groups this node coordinates and the
 * partitions it leads: together the nodes of a cluster export every
 * (group, partition) whose coordinator and leader share a node; the console
 * and the CLI ask the leaders for the rest.
 */
export function registerGroupLagMetrics(metrics: BrokerMetrics, service: GroupCoordinatorService, highWatermark: LeaderHighWatermark): void {
  metrics.gauge({
    name: 'freshet_group_lag_records',
    help: 'Records between a consumer group\'s committed offset and the high watermark, per group and partition led by this node.',
    labelNames: ['group', 'topic', 'partition'],
    async collect() {
      this.reset();
      for (const coordinatorPartition of service.localPartitions()) {
        const listed = await service.read<ListGroupsResponse>(coordinatorPartition, { api: 'ListGroups', request: { statesFilter: [] } }).catch(() => null);
        for (const { groupId } of listed?.groups ?? []) {
          const committed = await service
            .read<OffsetFetchResponse>(coordinatorPartition, { api: 'OffsetFetch', request: { groupId, topics: null } })
            .catch(() => null);
          for (const topic of committed?.topics ?? []) {
            for (const { partitionIndex, committedOffset, errorCode } of topic.partitions) {
              const end = highWatermark(topic.name, partitionIndex);
              if (errorCode !== 0 || committedOffset < 0n || end === undefined) continue;
              const lag = end > committedOffset ? Number(end - committedOffset) : 0;
              this.set({ group: groupId, topic: topic.name, partition: String(partitionIndex) }, lag);
            }
          }
        }
      }
    },
  });
}
