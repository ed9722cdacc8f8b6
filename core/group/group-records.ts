/**
 * The records a group coordinator writes to its __consumer_offsets partition,
 * as typed objects shaped like Kafka's internal schemas GroupMetadataKey/Value
 * (key version 2, value version 4) and OffsetCommitKey/Value (key version 1,
 * value version 3). A null value is a tombstone. The byte codecs live in
 * core/protocol/generated once generated; this module only names the shapes.
 */

export interface GroupMetadataKey {
  group: string;
}

export interface GroupMetadataMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  /** The member's metadata for the group's selected protocol. */
  subscription: Uint8Array;
  assignment: Uint8Array;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: GroupMetadataMember[];
}

export interface OffsetCommitKey {
  group: string;
  topic: string;
  partition: number;
}

export interface OffsetCommitValue {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Only set by OffsetCommit v2-4 requests that carried a retention time; -1 otherwise. */
  expireTimestamp: number;
}

export type GroupCoordinatorRecord =
  | { type: 'GroupMetadata'; key: GroupMetadataKey; value: GroupMetadataValue | null }
  | { type: 'OffsetCommit'; key: OffsetCommitKey; value: OffsetCommitValue | null };

/** Kafka's record key versions: they tell the two record kinds apart in __consumer_offsets. */
export const GROUP_METADATA_KEY_VERSION = 2;
export const OFFSET_COMMIT_KEY_VERSION = 1;
