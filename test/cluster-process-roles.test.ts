import { describe, expect, it, vi } from 'vitest';
import { describeStatus, startControllerQuorum, type ControllerQuorumOptions } from './support/controller-quorum.js';
import { liveBrokerIds, partitionInfo } from './support/cluster-partitions.js';
import { requireKcat, runKcat } from './support/kcat.js';

const hasKcat = requireKcat();

/**
 * Each shape a KRaft cluster takes with a 3-voter quorum serves clients: kcat auto-creates a topic
 * with a partition led by each broker, produces to it and reads the records back through every
 * broker, and the quorum names its voters (and the broker-only nodes as observers).
 */
describe.skipIf(!hasKcat).each([
  { shape: 'three combined (broker,controller) nodes', options: { controllers: 3, combined: true }, brokers: [1, 2, 3] },
  { shape: 'three controller-only nodes and two broker-only nodes', options: { controllers: 3, brokers: 2 }, brokers: [101, 102] },
] satisfies { shape: string; options: ControllerQuorumOptions; brokers: number[] }[])('a cluster of $shape', ({ options, brokers }) => {
  it('serves produce and fetch on every broker while the 3 voters keep the metadata', async () => {
    // One replica per partition and one partition per broker: every broker leads one (replication proper is the failover tests' subject).
    const cluster = await startControllerQuorum({ ...options, properties: { 'num.partitions': brokers.length, 'default.replication.factor': 1 } });
    try {
      const bootstrap = cluster.bootstrapServers;
      await vi.waitFor(async () => expect(await liveBrokerIds(bootstrap)).toEqual(brokers), { timeout: 30_000, interval: 100 });
      const status = await describeStatus(cluster.bootstrapControllers);
      expect(status.get('CurrentVoters')).toBe('[1,2,3]');
      expect(status.get('CurrentObservers')).toBe(options.combined === true ? '[]' : '[101,102]');

      const records = Array.from({ length: 20 }, (_, i) => `record-${i}`);
      const produced = await runKcat(['-b', bootstrap, '-P', '-t', 'roles', '-X', 'topic.request.required.acks=1'], records.join('\n') + '\n');
      expect(produced.code, produced.stderr).toBe(0);
      const leaders = await Promise.all(brokers.map((_, p) => partitionInfo(bootstrap, 'roles', p)));
      expect(leaders.map((p) => p!.leaderId).sort()).toEqual(brokers);
      // Read back through each broker as bootstrap: kcat fetches each partition from its leader.
      for (const broker of cluster.bootstrapServers.split(',')) {
        const consumed = await runKcat(['-b', broker, '-C', '-t', 'roles', '-o', 'beginning', '-c', String(records.length), '-e', '-f', '%s\\n']);
        expect(consumed.stdout.toString().trim().split('\n').sort(), consumed.stderr).toEqual([...records].sort());
      }
    } finally {
      await cluster.destroy();
    }
  });
});
