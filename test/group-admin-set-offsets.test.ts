import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answerWithin } from './support/answer-within.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

/**
 * kafkajs `admin.setOffsets` runs a throwaway consumer: JoinGroup (twice, for
 * MEMBER_ID_REQUIRED), SyncGroup, OffsetCommit of the seek, then — because its
 * only partition is paused — kafkajs sleeps maxWaitTimeInMs (5 s, not settable
 * through the admin) before Heartbeat and LeaveGroup. So each call takes about
 * 5 s plus group.initial.rebalance.delay.ms, against Kafka as here; a loop of
 * 10–20 calls outlives a test timeout without any call hanging. The groups'
 * calls run side by side to keep the file short.
 */
const TOPIC = 'reset-me';
const GROUPS = ['g0', 'g1', 'g2', 'g3', 'g4', 'g5'];
const ROUNDS = 5;
/** kafkajs's 5 s paused-fetch sleep plus room for a loaded machine. */
const CALL_BOUND_MS = 12_000;

let node: FreshetNode;
let admin: Admin;

beforeAll(async () => {
  node = await startFreshetNode();
  await node.createTopic(TOPIC, 1);
  const kafka = new Kafka({ clientId: 'set-offsets', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await admin?.disconnect();
  await node?.destroy();
});


it('30 setOffsets calls over six groups each answer in bounded time and fetchOffsets returns what was set', async () => {
  let calls = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      GROUPS.map(async (groupId, g) => {
        const offset = round * 100 + g;
        await answerWithin(`setOffsets(${groupId}, ${offset})`, admin.setOffsets({ groupId, topic: TOPIC, partitions: [{ partition: 0, offset: String(offset) }] }), CALL_BOUND_MS);
        calls++;
        const [fetched] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
        expect(fetched?.partitions).toEqual([{ partition: 0, offset: String(offset), metadata: null }]);
      }),
    );
  }
  expect(calls).toBe(30);
  // Every throwaway consumer left: the groups are Empty, ready for the next reset.
  const { groups } = await admin.describeGroups(GROUPS);
  expect(groups.map((g) => [g.groupId, g.state, g.members.length])).toEqual(GROUPS.map((g) => [g, 'Empty', 0]));
}, 120_000);
