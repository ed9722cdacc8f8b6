/**
 * One classic (JoinGroup/SyncGroup) group: its members, state, generation and
 * selected protocol, shaped after Kafka's ClassicGroup. It holds no timers and
 * writes no records; the GroupCoordinator drives it.
 */
import type { JoinGroupProtocol, JoinGroupResponseMember, RequestRef } from './group-api.js';
import type { GroupMetadataValue } from './group-records.js';
import { subscribedTopics } from './consumer-protocol.js';

export const GroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

const validPreviousStates: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

const EMPTY_BYTES = new Uint8Array(0);

/** A Buffer view of the same bytes (no copy), as the record codecs take. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class ClassicGroupMember {
  assignment: Uint8Array = EMPTY_BYTES;
  /** The JoinGroup request waiting for the join phase to finish, if any. */
  awaitingJoin: RequestRef | null = null;
  /** The SyncGroup request waiting for the leader's assignment, if any. */
  awaitingSync: RequestRef | null = null;
  /** Joined but has not yet seen a join response: expires on the new-member timeout, not the session. */
  isNew = false;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public supportedProtocols: JoinGroupProtocol[],
  ) {}

  metadata(protocolName: string | null): Uint8Array {
    return this.supportedProtocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY_BYTES;
  }

  /** Same protocols, same order, same metadata bytes: a rejoin that changes nothing. */
  matches(protocols: JoinGroupProtocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every((p, i) => {
      const mine = this.supportedProtocols[i]!;
      return mine.name === p.name && Buffer.from(mine.metadata).equals(Buffer.from(p.metadata));
    });
  }

  /** Kafka's rule: members awaiting a rebalance are alive, except new members, which must finish joining in time. */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.awaitingJoin !== null || this.awaitingSync !== null;
  }

  /** This member's vote: its most preferred protocol among the candidates. */
  vote(candidates: Set<string>): string | undefined {
    return this.supportedProtocols.find((p) => candidates.has(p.name))?.name;
  }

  withMemberId(memberId: string): ClassicGroupMember {
    const copy = new ClassicGroupMember(memberId, this.groupInstanceId, this.clientId, this.clientHost, this.rebalanceTimeoutMs, this.sessionTimeoutMs, this.supportedProtocols);
    copy.assignment = this.assignment;
    return copy;
  }
}

export class ClassicGroup {
  state: GroupState = GroupState.Empty;
  previousState: GroupState | null = null;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  currentStateTimestampMs: number | null = null;
  /** Set while the initial rebalance delay runs, so that a new join extends it. */
  newMemberAdded = false;
  readonly members = new Map<string, ClassicGroupMember>();
  readonly staticMembers = new Map<string, string>();
  /** Members told MEMBER_ID_REQUIRED that have not joined with their id yet. */
  readonly pendingJoinMembers = new Set<string>();
  /** Members of this generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();

  constructor(readonly groupId: string) {}

  transitionTo(target: GroupState, nowMs: number): void {
    if (!validPreviousStates[target].includes(this.state)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} -> ${target}`);
    }
    this.previousState = this.state;
    this.state = target;
    this.currentStateTimestampMs = nowMs;
  }

  canRebalance(): boolean {
    return validPreviousStates.PreparingRebalance.includes(this.state);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  member(memberId: string): ClassicGroupMember {
    const member = this.members.get(memberId);
    if (member === undefined) throw new Error(`group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  /** A static member id is fenced when its instance id now maps to another member. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  add(member: ClassicGroupMember, protocolType: string | null): void {
    if (this.members.size === 0) this.protocolType = protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member === undefined) return;
    this.members.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  /** Moves a static member to a new member id, keeping its assignment and leadership. */
  replaceStaticMember(oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.member(oldMemberId);
    const replacement = old.withMemberId(newMemberId);
    this.members.delete(oldMemberId);
    this.members.set(newMemberId, replacement);
    this.staticMembers.set(replacement.groupInstanceId!, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return replacement;
  }

  numAwaitingJoin(): number {
    let count = 0;
    for (const member of this.members.values()) if (member.awaitingJoin !== null) count++;
    return count;
  }

  hasAllMembersJoined(): boolean {
    return this.numAwaitingJoin() === this.members.size && this.pendingJoinMembers.size === 0;
  }

  /** The longest rebalance timeout of the members: how long the join phase may wait. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
    return max;
  }

  /** Protocols every member supports. */
  candidateProtocols(): Set<string> {
    const counts = new Map<string, number>();
    for (const member of this.members.values()) {
      for (const p of member.supportedProtocols) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
    }
    return new Set([...counts].filter(([, n]) => n === this.members.size).map(([name]) => name));
  }

  /** A new member is welcome if its type matches and it shares a protocol with everyone already here. */
  supportsProtocols(protocolType: string, protocols: JoinGroupProtocol[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /** Kafka's vote: each member picks its favourite among the common protocols; most votes wins (ties: first vote). */
  selectProtocol(): string | null {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      if (choice !== undefined) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = 0;
    for (const [name, count] of votes) if (count > bestVotes) [best, bestVotes] = [name, count];
    return best;
  }

  /** Keeps the current leader if it rejoined, else picks a member that did. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.members.get(this.leaderId)?.awaitingJoin != null) return true;
    for (const member of this.members.values()) {
      if (member.awaitingJoin !== null) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  initNextGeneration(nowMs: number): void {
    this.generationId += 1;
    this.pendingSyncMembers.clear();
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo(GroupState.CompletingRebalance, nowMs);
      for (const memberId of this.members.keys()) this.pendingSyncMembers.add(memberId);
    } else {
      this.protocolName = null;
      this.transitionTo(GroupState.Empty, nowMs);
    }
  }

  currentMemberMetadata(): JoinGroupResponseMember[] {
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(this.protocolName) }));
  }

  /** Topics the members subscribe to, when the group speaks the consumer protocol; null when unknown. */
  subscribedTopics(): Set<string> | null {
    if (this.protocolType !== 'consumer' || this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const member of this.members.values()) {
      const memberTopics = subscribedTopics(member.metadata(this.protocolName));
      if (memberTopics === null) return null;
      for (const topic of memberTopics) topics.add(topic);
    }
    return topics;
  }

  /** Unknown subscriptions count as subscribed, so that offsets in use are never deleted. */
  isSubscribedToTopic(topic: string): boolean {
    if (this.state === GroupState.Empty || this.state === GroupState.Dead) return false;
    return this.subscribedTopics()?.has(topic) ?? true;
  }

  toRecordValue(): GroupMetadataValue {
    return {
      protocolType: this.protocolType ?? '',
      generation: this.generationId,
      protocol: this.protocolName,
      leader: this.leaderId,
      currentStateTimestamp: BigInt(this.currentStateTimestampMs ?? -1),
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: asBuffer(m.metadata(this.protocolName)),
        assignment: asBuffer(m.assignment),
      })),
    };
  }

  /** Rebuilds a group from its last GroupMetadata record, as Kafka does when loading. */
  static fromRecordValue(groupId: string, value: GroupMetadataValue): ClassicGroup {
    const group = new ClassicGroup(groupId);
    group.generationId = value.generation;
    group.protocolType = value.protocolType === '' ? null : value.protocolType;
    group.protocolName = value.protocol;
    group.currentStateTimestampMs = value.currentStateTimestamp === -1n ? null : Number(value.currentStateTimestamp);
    for (const m of value.members) {
      const member = new ClassicGroupMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeout, m.sessionTimeout, [
        { name: value.protocol ?? '', metadata: m.subscription },
      ]);
      member.assignment = m.assignment;
      group.add(member, group.protocolType);
    }
    group.leaderId = value.leader;
    group.state = value.members.length > 0 ? GroupState.Stable : GroupState.Empty;
    return group;
  }
}
