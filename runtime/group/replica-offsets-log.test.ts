import { describe, expect, it } from 'vitest';
import { replicaOffsetsLog, type PartitionReplicas } from './replica-offsets-log.js';

describe('replicaOffsetsLog', () => {
  it('reports the log end of its own topic\'s partition, which a coordinator loads up to (not __consumer_offsets\' of the same number)', () => {
    const replicas: PartitionReplicas = {
      append: () => Promise.reject(new Error('not used')),
      read: () => Promise.reject(new Error('not used')),
      localPartitions: () => [
        { topic: '__consumer_offsets', partition: 0, state: { logEndOffset: 3 } },
        { topic: '__transaction_state', partition: 0, state: { logEndOffset: 17 } },
      ],
    };
    expect(replicaOffsetsLog(replicas, '__transaction_state').logEndOffset(0)).toBe(17n);
    expect(replicaOffsetsLog(replicas).logEndOffset(0)).toBe(3n);
    expect(replicaOffsetsLog(replicas, '__transaction_state').logEndOffset(1)).toBe(0n);
  });
});
