import { describe, expect, it } from 'vitest';
import { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { defaultRegisterBrokerRecord } from '../../core/protocol/generated/metadata/register-broker-record.js';
import type { LocalPartition } from './local-partition.js';
import { preferredReadReplica, selectPreferredReadReplica } from './preferred-read-replica.js';

describe('the rack-aware replica selector (KIP-392)', () => {
  const leader = { brokerId: 1, rack: 'a', logEndOffset: 100 };

  it('keeps the leader when the client names no rack, or the leader is in its rack, or no replica is', () => {
    const followers = [{ brokerId: 2, rack: 'b', logEndOffset: 100 }];
    expect(selectPreferredReadReplica('', leader, followers)).toBe(-1);
    expect(selectPreferredReadReplica('a', leader, [...followers, { brokerId: 3, rack: 'a', logEndOffset: 100 }])).toBe(-1);
    expect(selectPreferredReadReplica('c', leader, followers)).toBe(-1);
  });

  it('picks the most caught-up replica of the client\'s rack, the lowest id among equals', () => {
    const followers = [
      { brokerId: 4, rack: 'b', logEndOffset: 90 },
      { brokerId: 3, rack: 'b', logEndOffset: 95 },
      { brokerId: 2, rack: 'c', logEndOffset: 100 },
      { brokerId: 5, rack: 'b', logEndOffset: 95 },
    ];
    expect(selectPreferredReadReplica('b', leader, followers)).toBe(3);
    expect(selectPreferredReadReplica('c', leader, followers)).toBe(2);
  });
});

describe('the leader\'s preferred read replica', () => {
  const image = new MetadataImage();
  for (const [brokerId, rack] of [[1, 'a'], [2, 'b'], [3, 'b']] as const) {
    image.replay({ type: MetadataRecordType.RegisterBrokerRecord, value: { ...defaultRegisterBrokerRecord(), brokerId, rack } });
  }
  const partition = (isr: number[], fetched: Array<[number, number, number]>): LocalPartition =>
    ({
      leaderId: 1,
      leaderEpoch: 5,
      isr,
      state: { logEndOffset: 100 },
      followerLogEndOffsets: new Map(fetched.map(([id, leaderEpoch, logEndOffset]) => [id, { leaderEpoch, logEndOffset }])),
    }) as unknown as LocalPartition;

  it('names an in-sync follower of the client\'s rack whose log reaches the fetch offset', () => {
    expect(preferredReadReplica(partition([1, 2, 3], [[2, 5, 100], [3, 5, 100]]), image, 'b', 50n)).toBe(2);
    expect(preferredReadReplica(partition([1, 2, 3], [[2, 5, 40], [3, 5, 100]]), image, 'b', 50n)).toBe(3);
  });

  it('passes over followers out of the ISR, behind the fetch offset or last seen in an older leader epoch', () => {
    expect(preferredReadReplica(partition([1, 3], [[2, 5, 100], [3, 4, 100]]), image, 'b', 50n)).toBe(-1);
    expect(preferredReadReplica(partition([1, 2, 3], [[2, 5, 49]]), image, 'b', 50n)).toBe(-1);
    expect(preferredReadReplica(partition([1, 2, 3], [[2, 5, 100], [3, 5, 100]]), image, 'a', 50n)).toBe(-1);
  });
});
