import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../core/protocol/protocol-error.js';
import { decodeMemberAssignment } from './consumer-protocol.js';

// kafkajs writes the assignment bytes its group leader sends in SyncGroup: an independent encoder.
const require = createRequire(import.meta.url);
const { AssignerProtocol } = require('kafkajs') as {
  AssignerProtocol: { MemberAssignment: { encode(input: { version: number; assignment: Record<string, number[]>; userData: Buffer }): Buffer } };
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
