// `npx tsx bench/group-broker.ts`: the group coordinator of a real node (started
// with the CLI, as a user does), driven over the wire by synthetic members:
// - rebalance time of a 50-member group on a 300-partition topic when one more
//   member joins (and when it leaves again), each member on its own connection,
//   heartbeating every HEARTBEAT_MS and rejoining on REBALANCE_IN_PROGRESS as
//   Kafka clients do; the leader computes a range assignment;
// - OffsetCommit latency and throughput (each answered once its record is in
//   __consumer_offsets), against the round trip of a Heartbeat (no write) on
//   the same connection as the yardstick.
// Prints a table; the numbers go in the closing note of issue #7.
import { BrokerConnection } from '../client/broker-connection.js';
import { encodeSubscription } from '../core/group/consumer-protocol.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { CreateTopicsResponse } from '../core/protocol/generated/messages/create-topics.js';
import type { FindCoordinatorResponse } from '../core/protocol/generated/messages/find-coordinator.js';
import type { HeartbeatResponse } from '../core/protocol/generated/messages/heartbeat.js';
import type { JoinGroupResponse } from '../core/protocol/generated/messages/join-group.js';
import type { OffsetCommitResponse } from '../core/protocol/generated/messages/offset-commit.js';
import type { SyncGroupResponse } from '../core/protocol/generated/messages/sync-group.js';
import { startFreshetNode } from '../test/support/freshet-node.js';
import { LatencyHistogram } from './latency-histogram.js';
import { formatTable } from './table.js';

const MEMBERS = 50;
const PARTITIONS = 300;
const HEARTBEAT_MS = 100;
const REBALANCES = 6;
const COMMITS = 3_000;
const COMMIT_CONNECTIONS = 8;
const TOPIC = 'group-bench';
const GROUP = 'bench-group';
const subscription = Buffer.from(encodeSubscription([TOPIC]));

function rangeAssignment(memberIds: string[]): Array<{ memberId: string; assignment: Buffer }> {
  const sorted = [...memberIds].sort();
  let next = 0;
  return sorted.map((memberId, i) => {
    const count = Math.floor(PARTITIONS / sorted.length) + (i < PARTITIONS % sorted.length ? 1 : 0);
    // ConsumerProtocolAssignment v0: one topic with its partitions, no user data.
    const assignment = Buffer.alloc(2 + 4 + 2 + TOPIC.length + 4 + 4 * count + 4);
    let at = assignment.writeInt16BE(0, 0);
    at = assignment.writeInt32BE(1, at);
    at = assignment.writeInt16BE(TOPIC.length, at);
    at += assignment.write(TOPIC, at);
    at = assignment.writeInt32BE(count, at);
    for (let k = 0; k < count; k++) at = assignment.writeInt32BE(next++, at);
    assignment.writeInt32BE(-1, at);
    return { memberId, assignment };
  });
}

/** A group member as Kafka clients behave: join (with the id handed out first), sync, heartbeat, rejoin when told. */
class Member {
  memberId = '';
  generationId = -1;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private joining: Promise<void> | null = null;
  private stopped = false;
  onSynced: (() => void) | null = null;

  constructor(private readonly connection: BrokerConnection, private readonly clientId: string) {}

  join(): Promise<void> {
    this.joining ??= this.joinLoop().finally(() => (this.joining = null));
    return this.joining;
  }

  private async joinLoop(): Promise<void> {
    for (;;) {
      const joined = await this.connection.request<JoinGroupResponse>(ApiKey.JoinGroup, {
        groupId: GROUP, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 60_000, memberId: this.memberId, groupInstanceId: null,
        protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription }], reason: null,
      }, 9);
      if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = joined.memberId;
        continue;
      }
      if (joined.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) continue;
      if (joined.errorCode !== ErrorCode.NONE) throw new Error(`${this.clientId} JoinGroup: error ${joined.errorCode}`);
      this.memberId = joined.memberId;
      this.generationId = joined.generationId;
      const assignments = joined.leader === joined.memberId ? rangeAssignment(joined.members.map((m) => m.memberId)) : [];
      const synced = await this.connection.request<SyncGroupResponse>(ApiKey.SyncGroup, {
        groupId: GROUP, generationId: this.generationId, memberId: this.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments,
      }, 5);
      if (synced.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) continue;
      if (synced.errorCode !== ErrorCode.NONE) throw new Error(`${this.clientId} SyncGroup: error ${synced.errorCode}`);
      this.scheduleHeartbeat();
      this.onSynced?.();
      return;
    }
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeat().catch((error: unknown) => {
        if (!this.stopped) throw error;
      });
    }, HEARTBEAT_MS);
  }

  private async heartbeat(): Promise<void> {
    this.heartbeatTimer = null;
    const response = await this.connection.request<HeartbeatResponse>(ApiKey.Heartbeat, { groupId: GROUP, generationId: this.generationId, memberId: this.memberId, groupInstanceId: null }, 4);
    if (this.stopped) return;
    if (response.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) await this.join();
    else if (response.errorCode !== ErrorCode.NONE) throw new Error(`${this.clientId} Heartbeat: error ${response.errorCode}`);
    else this.scheduleHeartbeat();
  }

  async leave(): Promise<void> {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    await this.connection.request(ApiKey.LeaveGroup, { groupId: GROUP, memberId: '', members: [{ memberId: this.memberId, groupInstanceId: null, reason: null }] }, 5);
    this.memberId = '';
  }

  stop(): void {
    this.stopped = true;
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }
}

/** Waits until every member has synced a generation at least `generationId`, returning when. */
function allSynced(members: Member[], generationAtLeast: number): Promise<number> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (members.every((m) => m.generationId >= generationAtLeast)) {
        for (const m of members) m.onSynced = null;
        resolve(performance.now());
      }
    };
    for (const m of members) m.onSynced = check;
    check();
  });
}

const node = await startFreshetNode({ properties: { 'group.initial.rebalance.delay.ms': 1000, 'offsets.topic.num.partitions': 1 } });
const connections: BrokerConnection[] = [];
try {
  const connect = async (): Promise<BrokerConnection> => {
    const connection = await BrokerConnection.connect(node.host, node.port);
    connections.push(connection);
    return connection;
  };
  const admin = await connect();
  const created = await admin.request<CreateTopicsResponse>(ApiKey.CreateTopics, {
    topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false,
  });
  if (created.topics[0]!.errorCode !== ErrorCode.NONE) throw new Error(`CreateTopics: error ${created.topics[0]!.errorCode}`);
  for (;;) {
    const found = await admin.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, { key: '', keyType: 0, coordinatorKeys: [GROUP] }, 6);
    const code = found.coordinators[0]?.errorCode ?? found.errorCode;
    if (code === ErrorCode.NONE) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  // ---- rebalance: 50 members, then one joins (and leaves) ----
  const members = await Promise.all(Array.from({ length: MEMBERS }, async (_, i) => new Member(await connect(), `member-${i}`)));
  for (;;) {
    try {
      await Promise.all(members.map((m) => m.join()));
      break;
    } catch (error) {
      // COORDINATOR_LOAD_IN_PROGRESS right after __consumer_offsets is created: try again.
      if (!String(error).includes(`error ${ErrorCode.COORDINATOR_LOAD_IN_PROGRESS}`)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await allSynced(members, members[0]!.generationId);
  const extra = new Member(await connect(), 'extra');
  const joinMs: number[] = [];
  const leaveMs: number[] = [];
  for (let i = 0; i < REBALANCES; i++) {
    const base = Math.max(...members.map((m) => m.generationId));
    let start = performance.now();
    const everyone = [...members, extra];
    const settled = allSynced(everyone, base + 1);
    await extra.join();
    joinMs.push((await settled) - start);
    start = performance.now();
    const settledWithout = allSynced(members, base + 2);
    await extra.leave();
    leaveMs.push((await settledWithout) - start);
  }
  extra.stop();

  // ---- OffsetCommit: sequential on one connection, and from several connections at once ----
  // Quiet group (sessions are 30 s): only the measured requests run.
  for (const m of members) m.stop();
  const committer = members[0]!;
  const commitConnection = admin;
  const commit = (connection: BrokerConnection, offset: number) =>
    connection.request<OffsetCommitResponse>(ApiKey.OffsetCommit, {
      groupId: GROUP, generationIdOrMemberEpoch: committer.generationId, memberId: committer.memberId, groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: offset % PARTITIONS, committedOffset: BigInt(offset), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }],
    }, 9);
  const heartbeatUs: number[] = [];
  for (let i = 0; i < COMMITS; i++) {
    const start = performance.now();
    const r = await commitConnection.request<HeartbeatResponse>(ApiKey.Heartbeat, { groupId: GROUP, generationId: committer.generationId, memberId: committer.memberId, groupInstanceId: null }, 4);
    if (r.errorCode !== ErrorCode.NONE) throw new Error(`Heartbeat: error ${r.errorCode}`);
    heartbeatUs.push((performance.now() - start) * 1000);
  }
  const sequentialUs: number[] = [];
  const sequentialStart = performance.now();
  for (let i = 0; i < COMMITS; i++) {
    const start = performance.now();
    const r = await commit(commitConnection, i);
    if (r.topics[0]!.partitions[0]!.errorCode !== ErrorCode.NONE) throw new Error(`OffsetCommit: error ${r.topics[0]!.partitions[0]!.errorCode}`);
    sequentialUs.push((performance.now() - start) * 1000);
  }
  const sequentialPerSec = COMMITS / ((performance.now() - sequentialStart) / 1000);
  const parallel = await Promise.all(Array.from({ length: COMMIT_CONNECTIONS }, () => connect()));
  const parallelUs: number[] = [];
  const parallelStart = performance.now();
  await Promise.all(
    parallel.map(async (connection, c) => {
      for (let i = 0; i < COMMITS / COMMIT_CONNECTIONS; i++) {
        const start = performance.now();
        await commit(connection, c * COMMITS + i);
        parallelUs.push((performance.now() - start) * 1000);
      }
    }),
  );
  const parallelPerSec = COMMITS / ((performance.now() - parallelStart) / 1000);

  const [j, l] = [joinMs, leaveMs].map((ms) => LatencyHistogram.percentilesOf(ms.map((v) => v * 1000)));
  const [h, s, p] = [heartbeatUs, sequentialUs, parallelUs].map((us) => LatencyHistogram.percentilesOf(us));
  const msOf = (us: number): string => `${(us / 1000).toFixed(1)} ms`;
  const usOf = (us: number): string => `${us.toFixed(0)} µs`;
  console.log(
    formatTable(
      ['case', 'per second', 'p50', 'p99 (max for rebalances)'],
      [
        [`rebalance ${MEMBERS}->${MEMBERS + 1} members, ${PARTITIONS} partitions, to all synced (heartbeat ${HEARTBEAT_MS} ms)`, '', msOf(j!.p50Us), msOf(j!.maxUs)],
        [`rebalance ${MEMBERS + 1}->${MEMBERS} (LeaveGroup)`, '', msOf(l!.p50Us), msOf(l!.maxUs)],
        ['baseline: Heartbeat round trip (no write)', (1e6 / (heartbeatUs.reduce((a, b) => a + b, 0) / heartbeatUs.length)).toFixed(0), usOf(h!.p50Us), usOf(h!.p99Us)],
        ['OffsetCommit 1 partition, one connection, sequential', sequentialPerSec.toFixed(0), usOf(s!.p50Us), usOf(s!.p99Us)],
        [`OffsetCommit 1 partition, ${COMMIT_CONNECTIONS} connections`, parallelPerSec.toFixed(0), usOf(p!.p50Us), usOf(p!.p99Us)],
      ],
    ),
  );
} finally {
  for (const connection of connections) connection.close();
  await node.destroy();
}
