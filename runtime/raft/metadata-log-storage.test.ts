import { describe, expect, it } from 'vitest';
import { MemoryFileSystem } from '../../core/log/memory-file-system.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { EntryKind, type Entry } from '../../core/raft/raft-log.js';
import type { Ready } from '../../core/raft/raft-ready.js';
import { encodeMetadataRecord, encodeMetadataRecords } from '../../core/raft/metadata/metadata-record.js';
import { MetadataLogStorage, snapshotFileName } from './metadata-log-storage.js';
import { batchesToSnapshot, snapshotToBatches } from './raft-entry-batches.js';

const voters = [1, 2, 3];
const open = (fs: MemoryFileSystem) => MetadataLogStorage.open({ fs, metadataLogDir: '/meta', voters, nowMs: () => 1_700_000_000_000 });
const topic = (name: string) => encodeMetadataRecord({ type: MetadataRecordType.TopicRecord, value: { name, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' } });
const data = (offset: number, epoch: number, name: string): Entry => ({ offset, epoch, kind: EntryKind.data, data: topic(name) });
const leaderChange = (offset: number, epoch: number): Entry => ({ offset, epoch, kind: EntryKind.leaderChange, data: new Uint8Array(0) });
const ready = (fields: { quorumState?: Ready['quorumState']; log?: Partial<Ready['log']> }): Ready => ({
  quorumState: fields.quorumState,
  log: { snapshot: undefined, truncateToOffset: undefined, entries: [], ...fields.log },
  messages: [],
  snapshotToApply: undefined,
  committedEntries: [],
  highWatermark: 0,
});
const summary = (entries: readonly Entry[]) => entries.map((e) => [e.offset, e.epoch, e.kind, Buffer.from(e.data).toString('hex')]);

describe('MetadataLogStorage', () => {
  it('keeps what persist() wrote through a power loss: quorum-state and entries are synced before it returns', () => {
    const fs = new MemoryFileSystem();
    const storage = open(fs);
    const entries = [leaderChange(0, 1), data(1, 1, 'a'), data(2, 1, 'b')];
    storage.persist(ready({ quorumState: { epoch: 1, leaderId: 2, votedId: 2 }, log: { entries } }));
    fs.crash();
    const reopened = open(fs);
    expect(reopened.persisted.quorumState).toEqual({ epoch: 1, leaderId: 2, votedId: 2 });
    expect(summary(reopened.persisted.entries)).toEqual(summary(entries));
  });

  it('writes the quorum-state file in Kafka JSON with data_version', () => {
    const fs = new MemoryFileSystem();
    open(fs).persist(ready({ quorumState: { epoch: 7, leaderId: -1, votedId: 3 } }));
    const file = fs.open('/meta/__cluster_metadata-0/quorum-state');
    const text = Buffer.alloc(file.size());
    file.read(text, 0, text.length, 0);
    expect(JSON.parse(text.toString())).toMatchObject({ leaderEpoch: 7, leaderId: -1, votedId: 3, data_version: 0, currentVoters: [{ voterId: 1 }, { voterId: 2 }, { voterId: 3 }] });
  });

  it('truncates a diverging suffix and replaces it with the new leader entries', () => {
    const fs = new MemoryFileSystem();
    const storage = open(fs);
    storage.persist(ready({ log: { entries: [leaderChange(0, 1), data(1, 1, 'a'), data(2, 1, 'b'), data(3, 1, 'c')] } }));
    storage.persist(ready({ log: { truncateToOffset: 2, entries: [leaderChange(2, 2), data(3, 2, 'z')] } }));
    fs.crash();
    expect(summary(open(fs).persisted.entries)).toEqual(summary([leaderChange(0, 1), data(1, 1, 'a'), leaderChange(2, 2), data(3, 2, 'z')]));
  });

  it('loads the newest checkpoint and only the entries after it', () => {
    const fs = new MemoryFileSystem();
    const storage = open(fs);
    storage.persist(ready({ log: { entries: [leaderChange(0, 1), data(1, 1, 'a'), data(2, 1, 'b'), data(3, 2, 'c')] } }));
    const image = encodeMetadataRecords([{ type: MetadataRecordType.TopicRecord, value: { name: 'a', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' } }]);
    storage.writeSnapshot({ id: { endOffset: 3, epoch: 1 }, data: snapshotToBatches(image, 0) });
    fs.crash();
    const reopened = open(fs);
    expect(fs.list('/meta/__cluster_metadata-0')).toContain(snapshotFileName({ endOffset: 3, epoch: 1 }));
    expect(snapshotFileName({ endOffset: 3, epoch: 1 })).toBe('00000000000000000003-0000000001.checkpoint');
    expect(reopened.persisted.snapshotId).toEqual({ endOffset: 3, epoch: 1 });
    expect(batchesToSnapshot(Buffer.from(reopened.latestSnapshot!.data)).equals(image)).toBe(true);
    expect(summary(reopened.persisted.entries)).toEqual(summary([data(3, 2, 'c')]));
  });

  it('drops a torn tail: only whole batches come back after a crash mid-write', () => {
    const fs = new MemoryFileSystem();
    const storage = open(fs);
    storage.persist(ready({ log: { entries: [leaderChange(0, 1), data(1, 1, 'a')] } }));
    // Half of the next batch reaches the disk, then the power goes.
    const log = fs.open('/meta/__cluster_metadata-0/00000000000000000000.log');
    const size = log.size();
    log.write(Buffer.alloc(30, 7), 0, 30, size);
    log.sync();
    fs.crash();
    expect(summary(open(fs).persisted.entries)).toEqual(summary([leaderChange(0, 1), data(1, 1, 'a')]));
  });
});
