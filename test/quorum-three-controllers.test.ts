import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeReplication, describeStatus, startControllerQuorum, type ControllerQuorum } from './support/controller-quorum.js';

const { Kafka, logLevel } = kafkajs;
const ELECTION_TIMEOUT_MS = 1000;
/** Slack over two election timeouts for the answer to be shown (the CLI itself takes ~0.5 s to start, not counted). */
const SLACK_MS = 1000;

/** Three `process.roles=controller` processes and one broker, killed and restarted as an operator would see it. */
describe('a three-controller quorum on 127.0.0.1', () => {
  let cluster: ControllerQuorum;
  const admin = () => new Kafka({ brokers: [cluster.brokers[0]!.address], clientId: 'quorum-test', logLevel: logLevel.NOTHING }).admin();
  let killedId = -1;

  beforeAll(async () => {
    cluster = await startControllerQuorum({
      controllers: 3,
      brokers: 1,
      properties: { 'controller.quorum.election.timeout.ms': ELECTION_TIMEOUT_MS, 'controller.quorum.fetch.timeout.ms': ELECTION_TIMEOUT_MS },
    });
  }, 90_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('elects one leader that every controller (and the broker) names, with the broker as an observer', async () => {
    const statuses = await Promise.all([
      ...cluster.controllers.map((c) => describeStatus(c.address)),
      // A broker forwards DescribeQuorum to the leader, as Kafka's --bootstrap-server form expects.
      describeStatus(cluster.brokers[0]!.address, '--bootstrap-server'),
    ]);
    const leaders = new Set(statuses.map((s) => s.get('LeaderId')));
    expect(leaders.size).toBe(1);
    expect(['1', '2', '3']).toContain([...leaders][0]);
    for (const status of statuses) {
      expect(status.get('ClusterId')).toBe(cluster.clusterId);
      expect(status.get('CurrentVoters')).toBe('[1,2,3]');
      expect(status.get('CurrentObservers')).toBe('[101]');
      expect(Number(status.get('HighWatermark'))).toBeGreaterThan(0);
    }
  }, 30_000);

  it('elects a new leader within two election timeouts after kill -9 of the leader, and keeps accepting changes', async () => {
    const client = admin();
    await client.connect();
    try {
      expect(await client.createTopics({ topics: [{ topic: 'before-failover', numPartitions: 2 }] })).toBe(true);
    } finally {
      await client.disconnect();
    }
    const before = await describeStatus(cluster.bootstrapControllers);
    killedId = Number(before.get('LeaderId'));
    const killedAt = Date.now();
    await cluster.controllers[killedId - 1]!.kill();
    const survivors = cluster.controllers.filter((c) => c.nodeId !== killedId).map((c) => c.address).join(',');
    let after = before;
    // Measured to the start of the command that first shows the new leader: what an operator running it then would see.
    let elapsedMs = Infinity;
    while (Date.now() - killedAt < 20_000) {
      const askedAt = Date.now();
      after = await describeStatus(survivors).catch(() => before);
      if (after.get('LeaderId') !== String(killedId) && Number(after.get('LeaderEpoch')) > Number(before.get('LeaderEpoch'))) {
        elapsedMs = askedAt - killedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(after.get('LeaderId')).not.toBe(String(killedId));
    expect(Number(after.get('LeaderEpoch'))).toBeGreaterThan(Number(before.get('LeaderEpoch')));
    expect(elapsedMs).toBeLessThan(2 * ELECTION_TIMEOUT_MS + SLACK_MS);
    const again = admin();
    await again.connect();
    try {
      expect(await again.createTopics({ topics: [{ topic: 'after-failover', numPartitions: 3 }] })).toBe(true);
      expect((await again.listTopics()).sort()).toEqual(['after-failover', 'before-failover']);
    } finally {
      await again.disconnect();
    }
  }, 60_000);

  it('lets the killed controller rejoin as a follower and catch up to the leader', async () => {
    const killed = cluster.controllers[killedId - 1]!;
    await killed.start();
    const deadline = Date.now() + 15_000;
    let replication = await describeReplication(cluster.bootstrapControllers);
    while (Date.now() < deadline) {
      const rejoined = replication.get(killedId);
      const leader = [...replication.values()].find((r) => r.status === 'Leader');
      if (rejoined?.status === 'Follower' && leader !== undefined && rejoined.logEndOffset === leader.logEndOffset) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
      replication = await describeReplication(cluster.bootstrapControllers);
    }
    const leader = [...replication.values()].find((r) => r.status === 'Leader')!;
    expect(replication.get(killedId)).toEqual({ logEndOffset: leader.logEndOffset, lag: 0, status: 'Follower' });
    expect(replication.get(101)?.status).toBe('Observer');
  }, 60_000);

  it('hands leadership over at once when the leader is stopped cleanly (it resigns with EndQuorumEpoch)', async () => {
    const before = await describeStatus(cluster.bootstrapControllers);
    const leaderId = Number(before.get('LeaderId'));
    const leader = cluster.controllers[leaderId - 1]!;
    await leader.stop();
    const stoppedAt = Date.now();
    expect(leader.output()).toMatch(new RegExp(`Raft node ${leaderId}: resigned in epoch ${before.get('LeaderEpoch')}`));
    const survivors = cluster.controllers.filter((c) => c.nodeId !== leaderId);
    const after = await describeStatus(survivors.map((c) => c.address).join(','));
    const newLeader = survivors.find((c) => String(c.nodeId) === after.get('LeaderId'))!;
    expect(Number(after.get('LeaderEpoch'))).toBeGreaterThan(Number(before.get('LeaderEpoch')));
    // Elected about when the old leader exited: without the resignation nobody would campaign
    // before a whole fetch timeout (ELECTION_TIMEOUT_MS here) had passed after its exit.
    const elected = new RegExp(`\\[([^\\]]+)\\] INFO Raft node ${newLeader.nodeId}: leader in epoch ${after.get('LeaderEpoch')}`).exec(newLeader.output());
    expect(elected).not.toBeNull();
    expect(Date.parse(elected![1]!)).toBeLessThan(stoppedAt + ELECTION_TIMEOUT_MS / 2);
    await leader.start();
  }, 60_000);
});
