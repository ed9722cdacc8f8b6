// core/raft: what the quorum logic itself costs per committed metadata record, on a 3-voter quorum
// in one thread (no sockets, no fsync; `npx tsx bench/raft-quorum.ts` measures real processes).
// The yardstick is encoding the same records, the least work a commit has to do.
import { MetadataRecordType } from '../core/protocol/generated/metadata/index.js';
import { MetadataImage } from '../core/raft/metadata/metadata-image.js';
import { decodeMetadataRecords, encodeMetadataRecords, type MetadataRecord } from '../core/raft/metadata/metadata-record.js';
import type { RaftMessage } from '../core/raft/raft-messages.js';
import { RaftNode, RaftRole } from '../core/raft/raft-node.js';
import { benchGroup } from './harness.js';

const BATCH = 100;
const records: MetadataRecord[][] = Array.from({ length: BATCH }, (_, i) => [
  { type: MetadataRecordType.ConfigRecord, value: { resourceType: 2, resourceName: `topic-${i % 10}`, name: 'retention.ms', value: String(i) } },
]);

const voters = [1, 2, 3];
const nodes = new Map(voters.map((nodeId) => [nodeId, new RaftNode({ nodeId, voters, electionTimeoutTicks: 10, fetchTimeoutTicks: 20, requestTimeoutTicks: 5, maxFetchEntries: 500, maxSnapshotFetchBytes: 8 * 1024 * 1024, random: () => 0.5 }, { quorumState: undefined, snapshotId: undefined, entries: [] })]));
const images = new Map(voters.map((id) => [id, new MetadataImage()]));

/** Delivers messages and handles every Ready (persisting is free here) until the quorum is quiet. */
function pump(): void {
  let queue: RaftMessage[] = [];
  for (;;) {
    for (const [id, node] of nodes) {
      while (node.hasReady()) {
        const ready = node.ready();
        queue.push(...ready.messages);
        for (const entry of ready.committedEntries) if (entry.kind === 0) for (const record of decodeMetadataRecords(entry.data)) images.get(id)!.replay(record);
        node.advance(ready);
      }
    }
    if (queue.length === 0) return;
    const now = queue;
    queue = [];
    for (const message of now) nodes.get(message.to)!.step(message);
  }
}

const leader = nodes.get(1)!;
leader.campaign();
pump();
if (leader.role !== RaftRole.leader) throw new Error('node 1 did not become leader');

export default benchGroup('core/raft commit (3 voters, in-process)', [
  { name: `baseline: encode ${BATCH} metadata records`, baseline: true, fn: () => records.map((r) => encodeMetadataRecords(r)) },
  {
    name: `propose + replicate + commit + apply ${BATCH} records`,
    fn: () => {
      let last = 0;
      for (const r of records) {
        const result = leader.propose(encodeMetadataRecords(r));
        if (result.errorCode !== 0) throw new Error('lost leadership');
        last = result.offset;
      }
      pump();
      if (leader.highWatermark <= last) throw new Error('not committed');
    },
  },
]);
