import { ApiKey } from '../core/protocol/generated/api-keys.js';

/**
 * The versions this client's code handles for each API it calls; a request
 * goes out at the highest version both this table and the broker's
 * ApiVersions answer allow. Lower bounds are where a field the client needs
 * first appears (ListOffsets v7: max timestamp; Metadata v1: null = all topics).
 */
export const clientApiVersions: ReadonlyMap<number, { readonly min: number; readonly max: number }> = new Map([
  [ApiKey.Produce, { min: 3, max: 11 }],
  [ApiKey.Fetch, { min: 4, max: 12 }],
  [ApiKey.ListOffsets, { min: 1, max: 10 }],
  [ApiKey.Metadata, { min: 1, max: 12 }],
  [ApiKey.OffsetCommit, { min: 2, max: 9 }],
  [ApiKey.OffsetFetch, { min: 1, max: 9 }],
  [ApiKey.FindCoordinator, { min: 0, max: 6 }],
  [ApiKey.JoinGroup, { min: 2, max: 9 }],
  [ApiKey.Heartbeat, { min: 1, max: 4 }],
  [ApiKey.LeaveGroup, { min: 0, max: 5 }],
  [ApiKey.SyncGroup, { min: 1, max: 5 }],
  [ApiKey.DescribeGroups, { min: 0, max: 5 }],
  [ApiKey.ListGroups, { min: 0, max: 5 }],
  [ApiKey.CreateTopics, { min: 2, max: 7 }],
  [ApiKey.DeleteTopics, { min: 1, max: 6 }],
  [ApiKey.DeleteRecords, { min: 0, max: 2 }],
  [ApiKey.DescribeConfigs, { min: 1, max: 4 }],
  [ApiKey.CreatePartitions, { min: 0, max: 3 }],
  [ApiKey.DeleteGroups, { min: 0, max: 2 }],
  [ApiKey.IncrementalAlterConfigs, { min: 0, max: 1 }],
  [ApiKey.OffsetDelete, { min: 0, max: 0 }],
  [ApiKey.DescribeCluster, { min: 0, max: 1 }],
  [ApiKey.DescribeClientQuotas, { min: 0, max: 1 }],
  [ApiKey.AlterClientQuotas, { min: 0, max: 1 }],
  [ApiKey.ElectLeaders, { min: 1, max: 2 }],
  [ApiKey.AlterPartitionReassignments, { min: 0, max: 0 }],
  [ApiKey.ListPartitionReassignments, { min: 0, max: 0 }],
  [ApiKey.DescribeLogDirs, { min: 1, max: 4 }],
  [ApiKey.InitProducerId, { min: 0, max: 5 }],
  [ApiKey.AddPartitionsToTxn, { min: 0, max: 3 }],
  [ApiKey.AddOffsetsToTxn, { min: 0, max: 4 }],
  [ApiKey.EndTxn, { min: 0, max: 4 }],
  [ApiKey.TxnOffsetCommit, { min: 0, max: 4 }],
]);

export interface VersionRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** The highest version both sides support, or null when the ranges do not overlap. */
export function negotiateVersion(client: { min: number; max: number }, broker: VersionRange | undefined): number | null {
  if (broker === undefined) return null;
  const version = Math.min(client.max, broker.maxVersion);
  return version >= Math.max(client.min, broker.minVersion) ? version : null;
}
