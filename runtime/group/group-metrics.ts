import { GroupState } from '../../core/group/classic-group.js';
import type { ListGroupsResponse } from '../../core/group/group-api.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { GroupCoordinatorService } from './group-coordinator-service.js';

/** Gauges read at scrape time: coordinators on this node, and their groups by state (what `kafka-consumer-groups --list --state` counts). */
export function registerGroupMetrics(metrics: BrokerMetrics, service: GroupCoordinatorService): void {
  metrics.gauge({
    name: 'freshet_group_coordinator_partitions',
    help: '__consumer_offsets partitions whose group coordinator runs on this node.',
    collect() {
      this.set(service.localPartitions().length);
    },
  });
  metrics.gauge({
    name: 'freshet_consumer_groups',
    help: 'Classic groups coordinated by this node, by state.',
    labelNames: ['state'],
    async collect() {
      const counts = new Map<string, number>(Object.values(GroupState).map((state) => [state, 0]));
      const answers = await Promise.allSettled(
        service.localPartitions().map((partition) => service.read<ListGroupsResponse>(partition, { api: 'ListGroups', request: { statesFilter: [] } })),
      );
      for (const answer of answers) {
        if (answer.status !== 'fulfilled') continue;
        for (const group of answer.value.groups) counts.set(group.groupState, (counts.get(group.groupState) ?? 0) + 1);
      }
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
}
