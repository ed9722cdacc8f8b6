/**
 * The requests and responses the group coordinator handles, version-independent
 * and named after the Kafka schemas' fields (camelCase). The runtime maps the
 * generated wire types onto these and back; fields a version lacks take the
 * schema's default (e.g. groupInstanceId null, rebalanceTimeoutMs -1).
 */
import type { GroupCoordinatorRecord } from './group-records.js';

/** The runtime's handle for an in-flight request, echoed back when its response is ready. */
export type RequestRef = number;

export interface JoinGroupProtocol {
  name: string;
  metadata: Uint8Array;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  /** -1 (v0) means "same as sessionTimeoutMs". */
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: JoinGroupProtocol[];
  /** v4+: a member without an id is first told MEMBER_ID_REQUIRED with its new id. */
  requireKnownMemberId: boolean;
  clientId: string;
  clientHost: string;
}

export interface JoinGroupResponseMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

export interface JoinGroupResponse {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: JoinGroupResponseMember[];
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{ memberId: string; assignment: Uint8Array }>;
}

export interface SyncGroupResponse {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface HeartbeatResponse {
  errorCode: number;
}

export interface LeaveGroupRequest {
  groupId: string;
  /** v0-2 carry one member id; the runtime passes it as a one-element list. */
  members: Array<{ memberId: string; groupInstanceId: string | null }>;
}

export interface LeaveGroupResponse {
  errorCode: number;
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 from simple consumers and admin tools that are not group members. */
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v2-4 only; -1 means the broker's offsets.retention.minutes. */
  retentionTimeMs: number;
  topics: Array<{
    name: string;
    partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>;
  }>;
}

export interface OffsetCommitResponse {
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null: every partition the group has committed. */
  topics: Array<{ name: string; partitionIndexes: number[] }> | null;
  /** v7+ (KIP-447): partitions with a transactional commit pending answer UNSTABLE_OFFSET_COMMIT. */
  requireStable?: boolean;
}

export interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: bigint;
  producerEpoch: number;
  /** v3+ (KIP-447): the member's generation and id, fenced as OffsetCommit's; -1/'' from producers outside the group. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: OffsetCommitRequest['topics'];
}

export interface OffsetFetchResponse {
  errorCode: number;
  topics: Array<{
    name: string;
    partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string; errorCode: number }>;
  }>;
}

export interface OffsetDeleteRequest {
  groupId: string;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number }> }>;
}

export interface OffsetDeleteResponse {
  errorCode: number;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
}

export interface DeleteGroupsResponse {
  results: Array<{ groupId: string; errorCode: number }>;
}

export interface ListGroupsRequest {
  /** Empty: all states. Matched case-insensitively, as Kafka does. */
  statesFilter: string[];
}

export interface ListGroupsResponse {
  errorCode: number;
  groups: Array<{ groupId: string; protocolType: string; groupState: string; groupType: string }>;
}

export interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Uint8Array;
  memberAssignment: Uint8Array;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedGroupMember[];
}

/** A response ready to send: to the request it answers, possibly one that waited. */
export type Reply =
  | { to: RequestRef; api: 'JoinGroup'; response: JoinGroupResponse }
  | { to: RequestRef; api: 'SyncGroup'; response: SyncGroupResponse }
  | { to: RequestRef; api: 'Heartbeat'; response: HeartbeatResponse }
  | { to: RequestRef; api: 'LeaveGroup'; response: LeaveGroupResponse }
  | { to: RequestRef; api: 'OffsetCommit'; response: OffsetCommitResponse }
  | { to: RequestRef; api: 'TxnOffsetCommit'; response: OffsetCommitResponse }
  | { to: RequestRef; api: 'OffsetDelete'; response: OffsetDeleteResponse }
  | { to: RequestRef; api: 'DeleteGroups'; response: DeleteGroupsResponse };

/**
 * What a handler or a timer produced. The records are already applied to the
 * coordinator's state; the runtime must append them to __consumer_offsets
 * before it sends any of the replies (persist, then answer).
 */
export interface CoordinatorResult {
  records: GroupCoordinatorRecord[];
  replies: Reply[];
  /** TxnOffsetCommit: the records go in a transactional batch of this producer, apart from any other. */
  transactional?: { producerId: bigint; producerEpoch: number };
}
