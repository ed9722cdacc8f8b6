import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryKind, RaftLog } from './raft-log.js';
import { RaftErrorCode, type RaftMessage, type RaftMessageBody } from './raft-messages.js';
import { RaftNode, RaftRole } from './raft-node.js';

const voters = [1, 2, 3];

function cluster(): Map<number, RaftNode> {
  const nodes = new Map(voters.map((nodeId) => [nodeId, new RaftNode({ nodeId, voters, electionTimeoutTicks: 5, fetchTimeoutTicks: 8, requestTimeoutTicks: 3, maxFetchEntries: 4, maxSnapshotFetchBytes: 1024, random: () => 0 }, { quorumState: undefined, snapshotId: undefined, entries: [] })]));
  return nodes;
}

function pump(nodes: Map<number, RaftNode>): void {
  for (let round = 0; round < 100; round++) {
    const queue: RaftMessage[] = [];
    for (const node of nodes.values()) {
      while (node.hasReady()) {
        const ready = node.ready();
        queue.push(...ready.messages);
        node.advance(ready);
      }
    }
    if (queue.length === 0) return;
    for (const message of queue) nodes.get(message.to)?.step(message);
  }
}

const small = fc.integer({ min: -2, max: 12 });
const entry = fc.record({ offset: small, epoch: small, kind: fc.constantFrom(EntryKind.data, EntryKind.leaderChange), data: fc.uint8Array({ maxLength: 4 }) });
// Biased towards the real leader (1 in epoch 1) and success, so forged answers get past the first checks.
const leader = fc.oneof({ arbitrary: fc.constant({ leaderId: 1, leaderEpoch: 1 }), weight: 3 }, { arbitrary: fc.record({ leaderId: fc.integer({ min: -1, max: 4 }), leaderEpoch: small }), weight: 1 });
const snapshotId = fc.record({ endOffset: small, epoch: small });
const errorCode = fc.oneof({ arbitrary: fc.constant(RaftErrorCode.none), weight: 3 }, { arbitrary: fc.constantFrom(...Object.values(RaftErrorCode)), weight: 1 });
const body: fc.Arbitrary<RaftMessageBody> = fc.oneof(
  fc.record({ type: fc.constant('VoteRequest' as const), candidateEpoch: small, candidateId: small, lastOffsetEpoch: small, lastOffset: small, preVote: fc.boolean() }),
  fc.record({ type: fc.constant('VoteResponse' as const), errorCode, leaderId: small, leaderEpoch: small, voteGranted: fc.boolean(), preVote: fc.boolean() }),
  fc.record({ type: fc.constant('BeginQuorumEpochRequest' as const), leaderId: small, leaderEpoch: small }),
  fc.record({ type: fc.constant('EndQuorumEpochRequest' as const), leaderId: small, leaderEpoch: small, preferredCandidates: fc.array(small, { maxLength: 3 }) }),
  fc.record({ type: fc.constant('FetchRequest' as const), replicaId: small, currentLeaderEpoch: small, fetchOffset: small, lastFetchedEpoch: small, maxEntries: fc.integer({ min: 1, max: 5 }) }),
  // Forged fetch answers are the dangerous ones (truncation, snapshots): weight them up.
  fc.record({
    type: fc.constant('FetchResponse' as const),
    errorCode,
    highWatermark: small,
    currentLeader: leader,
    divergingEpoch: fc.option(fc.record({ epoch: small, endOffset: small }), { nil: undefined }),
    snapshotId: fc.option(snapshotId, { nil: undefined }),
    records: fc.array(entry, { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant('FetchResponse' as const),
    errorCode: fc.constant(RaftErrorCode.none),
    highWatermark: small,
    currentLeader: fc.constant({ leaderId: 1, leaderEpoch: 1 }),
    divergingEpoch: fc.record({ epoch: small, endOffset: small }),
    snapshotId: fc.constant(undefined),
    records: fc.constant([]),
  }),
  fc.record({ type: fc.constant('FetchSnapshotRequest' as const), replicaId: small, currentLeaderEpoch: small, snapshotId, position: small, maxBytes: small }),
  fc.record({ type: fc.constant('FetchSnapshotResponse' as const), errorCode, currentLeader: leader, snapshotId, size: small, position: small, unalignedRecords: fc.uint8Array({ maxLength: 4 }) }),
);
const message = fc.record({ from: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4 })), to: fc.integer({ min: 1, max: 3 }), correlationId: fc.integer({ min: 0, max: 8 }), body });

describe('RaftNode', () => {
  it('survives arbitrary messages without throwing or losing a committed entry', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 30 }), (messages) => {
        const nodes = cluster();
        nodes.get(1)!.campaign();
        pump(nodes);
        for (const text of ['a', 'b', 'c']) nodes.get(1)!.propose(new TextEncoder().encode(text));
        pump(nodes);
        const committed = new Map([...nodes].map(([id, n]) => [id, n.entries(0, n.highWatermark)]));
        const check = (): void => {
          for (const [id, node] of nodes) {
            const before = committed.get(id)!;
            expect(node.highWatermark).toBeGreaterThanOrEqual(before.length);
            expect(node.entries(0, before.length)).toEqual(before);
          }
        };
        for (const m of messages) {
          nodes.get(m.to)!.step(m);
          check();
          pump(nodes);
          check();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('elects one leader and commits on every voter', () => {
    const nodes = cluster();
    nodes.get(2)!.campaign();
    pump(nodes);
    expect([...nodes.values()].map((n) => n.role)).toEqual([RaftRole.follower, RaftRole.leader, RaftRole.follower]);
    nodes.get(2)!.propose(new Uint8Array([7]));
    pump(nodes);
    for (const node of nodes.values()) expect(node.status()).toMatchObject({ epoch: 1, leaderId: 2, highWatermark: 2, logEndOffset: 2 });
  });

  it('fetches a snapshot again when the one assembled from its pieces fails the check, and installs it once it passes', () => {
    const checked: string[] = [];
    let rejections = 1;
    const start = (nodeId: number): RaftNode =>
      new RaftNode(
        {
          nodeId, voters, electionTimeoutTicks: 5, fetchTimeoutTicks: 8, requestTimeoutTicks: 3, maxFetchEntries: 4, maxSnapshotFetchBytes: 2, random: () => 0,
          isValidSnapshot: (data) => {
            checked.push(new TextDecoder().decode(data));
            return rejections-- <= 0;
          },
        },
        { quorumState: undefined, snapshotId: undefined, entries: [] },
      );
    const nodes = new Map([1, 2].map((id) => [id, start(id)]));
    nodes.get(1)!.campaign();
    pump(nodes);
    for (const text of ['a', 'b', 'c']) nodes.get(1)!.propose(new TextEncoder().encode(text));
    pump(nodes);
    const leader = nodes.get(1)!;
    const id = leader.createSnapshot(leader.status().appliedOffset, new TextEncoder().encode('a,b,c'));
    nodes.set(3, start(3));
    for (let tick = 0; tick < 10 && nodes.get(3)!.status().logStartOffset === 0; tick++) {
      for (const node of nodes.values()) node.tick();
      pump(nodes);
    }
    expect(checked).toEqual(['a,b,c', 'a,b,c']);
    expect(nodes.get(3)!.status()).toMatchObject({ role: RaftRole.follower, logStartOffset: id.endOffset, highWatermark: id.endOffset });
  });
});

describe('RaftLog', () => {
  const log = (): RaftLog =>
    RaftLog.restore({ endOffset: 2, epoch: 1 }, [
      { offset: 2, epoch: 1, kind: EntryKind.data, data: new Uint8Array() },
      { offset: 3, epoch: 3, kind: EntryKind.leaderChange, data: new Uint8Array() },
      { offset: 4, epoch: 3, kind: EntryKind.data, data: new Uint8Array() },
    ]);

  it('finds where each epoch ends, down to the snapshot', () => {
    const l = log();
    expect(l.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 5 });
    expect(l.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 3 });
    expect(l.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 3 });
    expect(l.endOffsetForEpoch(0)).toBeUndefined();
  });

  it('tracks what is not durable yet: the lowest truncation, then the new entries', () => {
    const l = log();
    l.append({ offset: 5, epoch: 4, kind: EntryKind.data, data: new Uint8Array() });
    l.truncateTo(4);
    l.truncateTo(3);
    l.append({ offset: 3, epoch: 5, kind: EntryKind.data, data: new Uint8Array() });
    const unstable = l.unstable();
    expect(unstable.truncateToOffset).toBe(3);
    expect(unstable.entries.map((e) => `${e.offset}@${e.epoch}`)).toEqual(['3@5']);
    l.markStable();
    expect(l.hasUnstable()).toBe(false);
    expect(() => l.truncateTo(1)).toThrow(/below the log start/);
  });
});
