// core/group: how long a 50-member group on a 300-partition topic takes to
// absorb one more member (join to Stable, every member rejoining and syncing),
// and what one offset commit costs the coordinator (handler + record bytes).
// The yardstick is the client leader's own work: a range assignment.
import { encodeSubscription } from '../core/group/consumer-protocol.js';
import type { CoordinatorResult, JoinGroupRequest } from '../core/group/group-api.js';
import { defaultGroupCoordinatorConfig, GroupCoordinator } from '../core/group/group-coordinator.js';
import { encodeGroupRecord } from '../core/group/group-record-codec.js';
import { benchGroup } from './harness.js';

const MEMBERS = 50;
const PARTITIONS = 300;
const protocols = [{ name: 'range', metadata: encodeSubscription(['events']) }];

function rangeAssign(memberIds: string[]): Array<{ memberId: string; assignment: Uint8Array }> {
  const sorted = [...memberIds].sort();
  const base = Math.floor(PARTITIONS / sorted.length);
  const extra = PARTITIONS % sorted.length;
  let next = 0;
  return sorted.map((memberId, i) => {
    const count = base + (i < extra ? 1 : 0);
    const assignment = Buffer.alloc(4 * count);
    for (let k = 0; k < count; k++) assignment.writeInt32BE(next++, 4 * k);
    return { memberId, assignment };
  });
}

const nowMs = 0;
let ref = 1;
let suffix = 1;
const coordinator = new GroupCoordinator({ ...defaultGroupCoordinatorConfig, offsetsTopicNumPartitions: 1, partition: 0, groupInitialRebalanceDelayMs: 0, memberIdSuffix: () => String(suffix++) });
coordinator.completeLoad(0);
const memberIds: string[] = [];
let extraMemberId: string | null = null;
let generationId = 0;

function joinRequest(clientId: string, memberId: string): JoinGroupRequest {
  return { groupId: 'bench', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 60_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols, requireKnownMemberId: false, clientId, clientHost: '/127.0.0.1' };
}

/** Drives one rebalance to Stable: everyone (re)joins, the leader assigns, everyone syncs. */
function rebalance(joiners: Array<{ clientId: string; memberId: string }>): void {
  let joined: CoordinatorResult['replies'] = [];
  for (const j of joiners) joined.push(...coordinator.joinGroup(ref++, joinRequest(j.clientId, j.memberId), nowMs).replies);
  joined.push(...coordinator.poll(nowMs).replies);
  const responses = joined.flatMap((r) => (r.api === 'JoinGroup' && r.response.errorCode === 0 ? [r.response] : []));
  if (responses.length !== joiners.length) throw new Error(`expected ${joiners.length} join responses, got ${responses.length}`);
  generationId = responses[0]!.generationId;
  memberIds.length = 0;
  for (const r of responses) memberIds.push(r.memberId);
  const leader = responses.find((r) => r.leader === r.memberId)!;
  let synced = 0;
  for (const r of responses) {
    if (r === leader) continue;
    synced += coordinator.syncGroup(ref++, { groupId: 'bench', generationId, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }, nowMs).replies.length;
  }
  const assignments = rangeAssign(leader.members.map((m) => m.memberId));
  const result = coordinator.syncGroup(ref++, { groupId: 'bench', generationId, memberId: leader.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments }, nowMs);
  for (const record of result.records) encodeGroupRecord(record);
  synced += result.replies.length;
  if (synced !== responses.length) throw new Error(`expected ${responses.length} sync responses, got ${synced}`);
  joined = [];
}

function clientIdOf(memberId: string): string {
  return memberId.slice(0, memberId.lastIndexOf('-'));
}

const commitRequest = (partitions: number) => ({
  groupId: 'bench',
  generationIdOrMemberEpoch: 0,
  memberId: '',
  groupInstanceId: null,
  retentionTimeMs: -1,
  topics: [{ name: 'events', partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, committedOffset: 0n, committedLeaderEpoch: 0, committedMetadata: '' })) }],
});
const commitOne = commitRequest(1);
const commitAll = commitRequest(PARTITIONS);
let offset = 0n;

function commit(request: ReturnType<typeof commitRequest>): void {
  const memberId = memberIds[0]!;
  for (const p of request.topics[0]!.partitions) p.committedOffset = ++offset;
  const result = coordinator.offsetCommit(ref++, { ...request, generationIdOrMemberEpoch: generationId, memberId }, nowMs);
  for (const record of result.records) encodeGroupRecord(record);
  // As the runtime does once the records are in the log: else uncommitted writes pile up.
  coordinator.committedUpTo(coordinator.lastWrittenMark());
  if (result.records.length !== request.topics[0]!.partitions.length) throw new Error('commit refused');
}

export default benchGroup(
  'core/group coordinator',
  [
    { name: `baseline: range-assign ${PARTITIONS} partitions to ${MEMBERS + 1} members`, baseline: true, fn: () => rangeAssign(memberIds) },
    {
      name: `rebalance ${MEMBERS}->${MEMBERS + 1} members, ${PARTITIONS} partitions, to Stable`,
      fn: () => {
        // Alternate: one more member joins; then it leaves again. Both are a full rebalance of the group.
        // The clock stands still, so no session ends while the benchmark loops.
        if (extraMemberId === null) {
          rebalance([{ clientId: 'extra', memberId: '' }, ...memberIds.map((m) => ({ clientId: clientIdOf(m), memberId: m }))]);
          extraMemberId = memberIds.find((m) => m.startsWith('extra-'))!;
        } else {
          coordinator.leaveGroup(ref++, { groupId: 'bench', members: [{ memberId: extraMemberId, groupInstanceId: null }] }, nowMs);
          extraMemberId = null;
          rebalance(memberIds.filter((m) => !m.startsWith('extra-')).map((m) => ({ clientId: clientIdOf(m), memberId: m })));
        }
      },
    },
    { name: 'OffsetCommit, 1 partition (validate + record + bytes)', fn: () => commit(commitOne) },
    { name: `OffsetCommit, ${PARTITIONS} partitions`, fn: () => commit(commitAll) },
  ],
  {
    setup: () => {
      rebalance(Array.from({ length: MEMBERS }, (_, i) => ({ clientId: `consumer-${i}`, memberId: '' })));
      // p99 of single-partition commits, which the ops/s table does not show.
      const samples: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const start = process.hrtime.bigint();
        commit(commitOne);
        samples.push(Number(process.hrtime.bigint() - start) / 1000);
      }
      samples.sort((a, b) => a - b);
      process.stderr.write(`  OffsetCommit 1 partition latency: p50 ${samples[10_000]!.toFixed(2)} µs, p99 ${samples[19_800]!.toFixed(2)} µs\n`);
    },
  },
);
