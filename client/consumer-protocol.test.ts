import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../core/protocol/protocol-error.js';
import { decodeMemberAssignment, decodeMemberSubscription, decodeSubscription, encodeAssignment, encodeMemberSubscription, encodeSubscription } from './consumer-protocol.js';

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

describe('member subscription bytes', () => {
  it('round-trips owned partitions, generation and rack (v3), and reads kafkajs subscriptions with no generation', () => {
    const subscription = { topics: ['a', 'b'], userData: Buffer.from([0, 0, 0, 7]), ownedPartitions: [{ topic: 'a', partition: 2 }, { topic: 'b', partition: 0 }], generationId: 7, rackId: 'r1' };
    expect(decodeMemberSubscription(encodeMemberSubscription(subscription))).toEqual(subscription);
    // kafkajs labels its v0 layout as version 1: read again as v0, no generation.
    const kafkajs = AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['a'], userData: Buffer.alloc(0) });
    expect(decodeMemberSubscription(kafkajs)).toMatchObject({ topics: ['a'], ownedPartitions: [], generationId: null });
  });
});
