import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { LocalPartition } from './local-partition.js';

/** A replica that may serve a consumer: its broker's rack and how far its log reaches. */
export interface ReplicaView {
  readonly brokerId: number;
  readonly rack: string | null;
  readonly logEndOffset: number;
}

/**
 * KIP-392's RackAwareReplicaSelector: the leader when the client names no rack, when the leader
 * is in the client's rack or when no replica is; else the most caught-up replica of that rack
 * (the lowest broker id among equals). -1 means the leader: Fetch then carries no preferred replica.
 */
export function selectPreferredReadReplica(clientRack: string, leader: ReplicaView, followers: readonly ReplicaView[]): number {
  if (clientRack === '' || leader.rack === clientRack) return -1;
  let best: ReplicaView | null = null;
  for (const f of followers) {
    if (f.rack !== clientRack) continue;
    if (best === null || f.logEndOffset > best.logEndOffset || (f.logEndOffset === best.logEndOffset && f.brokerId < best.brokerId)) best = f;
  }
  return best?.brokerId ?? -1;
}

/**
 * Kafka's ReplicaManager.findPreferredReadReplica on the leader: the candidates are the followers
 * in the ISR whose last fetch in this leader epoch reached `fetchOffset` (a lagging one would
 * keep the consumer behind), with their brokers' `broker.rack` from the metadata image.
 */
export function preferredReadReplica(local: LocalPartition, image: MetadataImage, clientRack: string, fetchOffset: bigint): number {
  const rackOf = (brokerId: number): string | null => image.brokers.get(brokerId)?.rack ?? null;
  const followers: ReplicaView[] = [];
  for (const brokerId of local.isr) {
    const fetched = local.followerLogEndOffsets.get(brokerId);
    if (brokerId === local.leaderId || fetched === undefined || fetched.leaderEpoch !== local.leaderEpoch || fetched.logEndOffset < Number(fetchOffset)) continue;
    followers.push({ brokerId, rack: rackOf(brokerId), logEndOffset: fetched.logEndOffset });
  }
  return selectPreferredReadReplica(clientRack, { brokerId: local.leaderId, rack: rackOf(local.leaderId), logEndOffset: local.state.logEndOffset }, followers);
}
