/**
 * The records a group coordinator writes to its __consumer_offsets partition:
 * Kafka's GroupMetadataKey/Value and OffsetCommitKey/Value, with the types
 * generated from Kafka's internal schemas. A null value is a tombstone.
 */
import type { GroupMetadataKey } from '../protocol/generated/internal/group-coordinator/group-metadata-key.js';
import type { GroupMetadataValue } from '../protocol/generated/internal/group-coordinator/group-metadata-value.js';
import type { OffsetCommitKey } from '../protocol/generated/internal/group-coordinator/offset-commit-key.js';
import type { OffsetCommitValue } from '../protocol/generated/internal/group-coordinator/offset-commit-value.js';

export type { GroupMetadataKey, GroupMetadataValue, OffsetCommitKey, OffsetCommitValue };
export type { GroupMetadataValueMemberMetadata as GroupMetadataMember } from '../protocol/generated/internal/group-coordinator/group-metadata-value.js';

export type GroupCoordinatorRecord =
  | { type: 'GroupMetadata'; key: GroupMetadataKey; value: GroupMetadataValue | null }
  | { type: 'OffsetCommit'; key: OffsetCommitKey; value: OffsetCommitValue | null };
