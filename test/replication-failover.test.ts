import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControllerQuorum, type ControllerQuorum } from './support/controller-quorum.js';
import { requireKcat } from './support/kcat.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import type { OffsetForLeaderEpochResponse } from '../core/protocol/generated/messages/offset-for-leader-epoch.js';
import { PeerConnection } from '../runtime/raft/peer-connection.js';
import { clusterProperties, consumeAll, createTopic, logBytes, partitionState, produce, TOPIC } from './support/replication.js';

describe.runIf(requireKcat())('replication factor 3 on three broker-only nodes: leader failover, and two of three dead', () => {
  let cluster: ControllerQuorum;
  const brokers = () => cluster.brokers;

  beforeAll(async () => {
    // A short session timeout: the controller fences a killed leader and elects another from the ISR within seconds.
    cluster = await startControllerQuorum({ controllers: 1, brokers: 3, properties: { ...clusterProperties, 'broker.session.timeout.ms': 4000 } });
    await createTopic(brokers());
  }, 90_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('moves leadership to an in-sync follower when the leader is killed; the old leader returns as its follower', async () => {
    expect(await produce(brokers(), 'c', 5)).toEqual(Array(5).fill('ok'));
    const first = (await partitionState(brokers())).leader;
    const old = brokers().find((b) => b.nodeId === first)!;
    await old.kill();
    const rest = brokers().filter((b) => b !== old);
    await expect.poll(async () => rest.map((b) => b.nodeId).includes((await partitionState(rest)).leader), { timeout: 20_000, interval: 500 }).toBe(true);
    expect(await produce(rest, 'e', 5)).toEqual(Array(5).fill('ok'));
    await old.start();
    await expect.poll(async () => (await partitionState(brokers())).isr, { timeout: 20_000, interval: 500 }).toEqual([101, 102, 103]);
    const { leader } = await partitionState(brokers());
    expect(leader).not.toBe(first);
    const leaderLog = logBytes(brokers().find((b) => b.nodeId === leader)!);
    await expect.poll(() => logBytes(old).length, { timeout: 10_000 }).toBe(leaderLog.length);
    expect(logBytes(old).equals(leaderLog)).toBe(true);
    // OffsetForLeaderEpoch, as a consumer asks after a leader change (KIP-320), on the wire: the first epoch ended
    // where the new leader's first batch went; the current one ends at the log end.
    const address = brokers().find((b) => b.nodeId === leader)!.clientAddress!;
    const connection = new PeerConnection({ host: address.split(':')[0]!, port: Number(address.split(':')[1]), requestTimeoutMs: 10_000, reconnectBackoffMs: 100, reconnectBackoffMaxMs: 100 });
    try {
      const ask = (leaderEpoch: number) => ({ partition: 0, currentLeaderEpoch: -1, leaderEpoch });
      const answer = (await connection.request(ApiKey.OffsetForLeaderEpoch, 4, 'replication-test', { replicaId: -1, topics: [{ topic: TOPIC, partitions: [ask(0), ask(0x7fffffff)] }] })) as OffsetForLeaderEpochResponse;
      const [firstEpoch, latest] = answer.topics[0]!.partitions;
      expect(firstEpoch).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 5n });
      expect(latest).toMatchObject({ errorCode: 0, endOffset: 10n });
      expect(latest!.leaderEpoch).toBeGreaterThan(0);
    } finally {
      connection.close();
    }
  }, 60_000);

  it('answers acks=all with NOT_ENOUGH_REPLICAS once the ISR is the leader alone, and keeps what it acknowledged', async () => {
    const { leader } = await partitionState(brokers());
    const followers = brokers().filter((b) => b.nodeId !== leader);
    for (const follower of followers) await follower.kill();
    const alive = brokers().filter((b) => b.nodeId === leader);
    // The write that waits while the ISR shrinks to the leader alone is appended but answered
    // NOT_ENOUGH_REPLICAS_AFTER_APPEND; the next ones are refused before the append.
    expect(await produce(alive, 'd', 3)).toEqual(['NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS']);
    expect((await partitionState(alive)).isr).toEqual([leader]);
    const seen = await consumeAll(alive);
    expect(seen.map((m) => m.value)).toEqual([...Array.from({ length: 5 }, (_, i) => `c-${i}`), ...Array.from({ length: 5 }, (_, i) => `e-${i}`), 'd-0']);
  }, 60_000);
});
