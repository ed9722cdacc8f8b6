import { describe, expect, it } from 'vitest';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { defaultPartitionChangeRecord } from '../../core/protocol/generated/metadata/partition-change-record.js';
import { Harness } from '../../core/raft/controller/controller-test-harness.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { metricValue } from '../../test/support/freshet-node.js';
import { BrokerMetrics } from './broker-metrics.js';
import { registerReplicationMetrics } from './replication-metrics.js';

describe('replication metrics', () => {
  it('count the ISR shrinks and expands of partitions this broker leads, its under-replicated partitions, offline partitions and unclean elections', async () => {
    const h = new Harness();
    h.liveBrokers([1, 2, 3]);
    h.createTopic('t', 3, 3);
    const ledBy1 = [0, 1, 2].find((p) => h.partition('t', p).leader === 1)!;
    const listeners: ((image: MetadataImage) => void)[] = [];
    const changed = (): void => listeners.forEach((listener) => listener(h.state.image));
    const controller = { active: true, isActive: () => controller.active, uncleanLeaderElections: 0 };
    const metrics = new BrokerMetrics({ processMetrics: false });
    registerReplicationMetrics(metrics, { nodeId: 1, image: () => h.state.image, onChange: (l) => (listeners.push(l), () => undefined), controller });
    const value = async (name: string) => metricValue(await metrics.text(), name);

    const follower = h.partition('t', ledBy1).replicas.find((id) => id !== 1)!;
    const p = h.partition('t', ledBy1);
    // The leader's AlterPartition dropping a lagging follower.
    h.commit({ records: [{ type: MetadataRecordType.PartitionChangeRecord, value: { ...defaultPartitionChangeRecord(), topicId: h.state.image.topicIdsByName.get('t')!, partitionId: ledBy1, isr: p.isr.filter((id) => id !== follower) } }], response: undefined });
    changed();
    expect(await value('freshet_replica_isr_shrinks_total')).toBe(1);
    expect(await value('freshet_replica_under_replicated_partitions')).toBe(1);
    expect(h.expandIsr('t', ledBy1, follower)).toBe(0);
    changed();
    expect(await value('freshet_replica_isr_expands_total')).toBe(1);
    expect(await value('freshet_replica_under_replicated_partitions')).toBe(0);

    // A fenced broker leaving ISRs with a new leader is the controller's election, not this leader's shrink.
    h.heartbeat(1, { wantFence: true });
    changed();
    expect(await value('freshet_replica_isr_shrinks_total')).toBe(1);
    expect(await value('freshet_controller_offline_partitions')).toBe(0);
    h.heartbeat(2, { wantFence: true });
    h.heartbeat(3, { wantFence: true });
    changed();
    expect(await value('freshet_controller_offline_partitions')).toBe(3);
    controller.active = false;
    expect(await value('freshet_controller_offline_partitions')).toBe(0);
    controller.uncleanLeaderElections = 2;
    expect(await value('freshet_controller_unclean_leader_elections_total')).toBe(2);
    expect(await value('freshet_controller_unclean_leader_elections_total')).toBe(2);
  });
});
