import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../core/protocol/protocol-error.js';
import { decodeMemberAssignment, decodeSubscription, encodeAssignment, encodeSubscription, rangeAssign } from './consumer-protocol.js';

// kafkajs writes the assignment bytes its group leader sends in SyncGroup: an independent encoder.
const require = createRequire(import.meta.url);
const { AssignerProtocol } = require('kafkajs') as {
  AssignerProtocol: {
    MemberAssignment: {
      encode(input: { version: number; assignment: Record<string, number[]>; userData: Buffer }): Buffer;
      decode(buffer: Buffer): { assignment: Record<string, number[]> } | null;
    };
    MemberMetadata: {
      encode(input: { version: number; topics: string[]; userData: Buffer }): Buffer;
      decode(buffer: Buffer): { topics: string[] } | null;
    };
  };
};

describe('decodeMemberAssignment', () => {
  it('reads the partitions of an assignment written by kafkajs', () => {
    const bytes = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { orders: [0, 2, 4], payments: [1] }, userData: Buffer.from('x') });
    expect(decodeMemberAssignment(bytes)).toEqual([
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 2 },
      { topic: 'orders', partition: 4 },
      { topic: 'payments', partition: 1 },
    ]);
  });

  it('reads no partitions from the empty bytes of a member still rebalancing', () => {
    expect(decodeMemberAssignment(Buffer.alloc(0))).toEqual([]);
  });

  it('raises ProtocolError on truncated bytes instead of crashing', () => {
    const bytes = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { orders: [0, 1] }, userData: Buffer.alloc(0) });
    for (let length = 1; length < bytes.length - 4; length++) {
      expect(() => decodeMemberAssignment(bytes.subarray(0, length))).toThrow(ProtocolError);
    }
  });
});

describe('subscription and assignment bytes', () => {
  it('writes subscriptions and assignments kafkajs reads, and reads the subscriptions kafkajs writes', () => {
    expect(AssignerProtocol.MemberMetadata.decode(encodeSubscription(['orders', 'payments']))?.topics).toEqual(['orders', 'payments']);
    expect(decodeSubscription(AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['a', 'b'], userData: Buffer.alloc(0) }))).toEqual(['a', 'b']);
    const assignment = encodeAssignment([
      { topic: 'orders', partition: 0 },
      { topic: 'payments', partition: 3 },
      { topic: 'orders', partition: 2 },
    ]);
    expect(AssignerProtocol.MemberAssignment.decode(assignment)?.assignment).toEqual({ orders: [0, 2], payments: [3] });
    expect(decodeMemberAssignment(assignment)).toEqual([
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 2 },
      { topic: 'payments', partition: 3 },
    ]);
  });
});

describe('rangeAssign', () => {
  it("gives each subscribed member a contiguous range, the first ones one more, as Kafka's RangeAssignor", () => {
    const assignment = rangeAssign(
      [
        { memberId: 'c', topics: ['t'] },
        { memberId: 'a', topics: ['t', 'u'] },
        { memberId: 'b', topics: ['t'] },
      ],
      new Map([
        ['t', 7],
        ['u', 2],
      ]),
    );
    const partitions = (memberId: string) => assignment.get(memberId)!.map(({ topic, partition }) => `${topic}-${partition}`);
    expect(partitions('a')).toEqual(['t-0', 't-1', 't-2', 'u-0', 'u-1']);
    expect(partitions('b')).toEqual(['t-3', 't-4']);
    expect(partitions('c')).toEqual(['t-5', 't-6']);
  });

  it('assigns every partition exactly once, whatever the member and partition counts', () => {
    for (let members = 1; members <= 7; members++) {
      for (let count = 0; count <= 12; count++) {
        const assignment = rangeAssign(Array.from({ length: members }, (_, i) => ({ memberId: `m${i}`, topics: ['t'] })), new Map([['t', count]]));
        const all = [...assignment.values()].flat().map((tp) => tp.partition).sort((x, y) => x - y);
        expect(all).toEqual(Array.from({ length: count }, (_, i) => i));
        const sizes = [...assignment.values()].map((owned) => owned.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });
});
