import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../protocol/protocol-error.js';
import { decodeGroupRecord, encodeGroupRecord } from './group-record-codec.js';
import type { GroupCoordinatorRecord } from './group-records.js';

const offsetCommit: GroupCoordinatorRecord = {
  type: 'OffsetCommit',
  key: { group: 'g', topic: 't', partition: 3 },
  value: { offset: 42n, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000n, expireTimestamp: -1n },
};

describe('__consumer_offsets record codec', () => {
  it('lays out an offset commit key as Kafka does: version 1, group, topic, partition', () => {
    const { key } = encodeGroupRecord(offsetCommit);
    expect([...key]).toEqual([0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 3]);
  });

  it('writes offset commit values as version 3, or version 1 when they carry an expire timestamp', () => {
    const { value } = encodeGroupRecord(offsetCommit);
    // version 3: int16 version, int64 offset, int32 leaderEpoch, string metadata, int64 commitTimestamp
    expect([...value!]).toEqual([0, 3, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 7, 0, 1, 0x6d, 0, 0, 0, 0, 0, 0, 0x03, 0xe8]);
    const expiring = { ...offsetCommit, value: { ...offsetCommit.value!, expireTimestamp: 5000n } } as GroupCoordinatorRecord;
    const v1 = encodeGroupRecord(expiring).value!;
    expect(v1.readInt16BE(0)).toBe(1);
    // version 1 has no leader epoch: reading it back gives the default.
    expect(decodeGroupRecord(encodeGroupRecord(expiring).key, v1)).toEqual({ ...expiring, value: { ...expiring.value!, leaderEpoch: -1 } });
  });

  it('round-trips group metadata and tombstones', () => {
    const group: GroupCoordinatorRecord = {
      type: 'GroupMetadata',
      key: { group: 'payments' },
      value: {
        protocolType: 'consumer',
        generation: 5,
        protocol: 'range',
        leader: 'a-1',
        currentStateTimestamp: 1234n,
        members: [{ memberId: 'a-1', groupInstanceId: 'i1', clientId: 'a', clientHost: '/10.0.0.1', rebalanceTimeout: 30000, sessionTimeout: 10000, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) }],
      },
    };
    const encoded = encodeGroupRecord(group);
    expect(encoded.key.readInt16BE(0)).toBe(2);
    expect(encoded.value!.readInt16BE(0)).toBe(3);
    expect(decodeGroupRecord(encoded.key, encoded.value)).toEqual(group);
    const tombstone: GroupCoordinatorRecord = { type: 'GroupMetadata', key: { group: 'payments' }, value: null };
    expect(encodeGroupRecord(tombstone).value).toBeNull();
    expect(decodeGroupRecord(encodeGroupRecord(tombstone).key, null)).toEqual(tombstone);
  });

  it('round-trips any offset commit', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 0, max: 0x7fffffff }), fc.bigInt({ min: -1n, max: 1n << 62n }), fc.string(), (group, topic, partition, offset, metadata) => {
        const record: GroupCoordinatorRecord = { type: 'OffsetCommit', key: { group, topic, partition }, value: { offset, leaderEpoch: -1, metadata, commitTimestamp: 1n, expireTimestamp: -1n } };
        const encoded = encodeGroupRecord(record);
        expect(decodeGroupRecord(encoded.key, encoded.value)).toEqual(record);
      }),
    );
  });

  it('leaves records of other group types to their owners', () => {
    expect(decodeGroupRecord(Buffer.from([0, 3, 0, 1, 0x67]), null)).toBeNull();
  });

  it('refuses truncated or random bytes with ProtocolError only', () => {
    const { key, value } = encodeGroupRecord(offsetCommit);
    for (let n = 0; n < key.length; n++) expect(() => decodeGroupRecord(key.subarray(0, n), value)).toThrow(ProtocolError);
    for (let n = 0; n < value!.length; n++) expect(() => decodeGroupRecord(key, value!.subarray(0, n))).toThrow(ProtocolError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (k, v) => {
        try {
          decodeGroupRecord(Buffer.from(k), Buffer.from(v));
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
        }
      }),
    );
  });
});
