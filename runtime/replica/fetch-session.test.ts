import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { FetchSessionCache, type FetchPartitionRequest } from './fetch-session.js';

const part = (partition: number, fetchOffset = 0n): FetchPartitionRequest => ({ topic: 't', topicId: 'id', partition, fetchOffset, partitionMaxBytes: 1000, currentLeaderEpoch: -1 });
const outcome = (highWatermark: bigint, recordBytes = 0) => ({ errorCode: 0, highWatermark, lastStableOffset: highWatermark, logStartOffset: 0n, recordBytes });

describe('FetchSessionCache (KIP-227)', () => {
  it('opens a session on epoch 0, then expects epochs 1, 2… and keeps the partitions between fetches', () => {
    const cache = new FetchSessionCache(() => 0.5);
    const full = cache.newContext({ sessionId: 0, sessionEpoch: 0, partitions: [part(0), part(1)], forgotten: [], byTopicId: false }, 0);
    expect(full.kind).toBe('full');
    const session = full.kind === 'full' ? full.session! : null;
    expect(session!.id).toBeGreaterThan(0);
    const next = cache.newContext({ sessionId: session!.id, sessionEpoch: 1, partitions: [part(1, 5n)], forgotten: [part(0)], byTopicId: false }, 1);
    expect(next.kind).toBe('incremental');
    expect(next.kind === 'incremental' ? next.partitions.map((p) => [p.partition, p.fetchOffset]) : null).toEqual([[1, 5n]]);
    expect(cache.newContext({ sessionId: session!.id, sessionEpoch: 1, partitions: [], forgotten: [], byTopicId: false }, 2)).toEqual({
      kind: 'error',
      errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH,
    });
    expect(cache.newContext({ sessionId: session!.id, sessionEpoch: 2, partitions: [], forgotten: [], byTopicId: false }, 3).kind).toBe('incremental');
  });

  it('answers an unknown session id with FETCH_SESSION_ID_NOT_FOUND and closes a session on epoch -1', () => {
    const cache = new FetchSessionCache(() => 0.25);
    expect(cache.newContext({ sessionId: 77, sessionEpoch: 3, partitions: [], forgotten: [], byTopicId: false }, 0)).toEqual({
      kind: 'error',
      errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
    });
    const full = cache.newContext({ sessionId: 0, sessionEpoch: 0, partitions: [part(0)], forgotten: [], byTopicId: false }, 0);
    const id = full.kind === 'full' ? full.session!.id : 0;
    const closing = cache.newContext({ sessionId: id, sessionEpoch: -1, partitions: [part(0)], forgotten: [], byTopicId: false }, 1);
    expect(closing.kind === 'full' ? closing.session : 'x').toBeNull();
    expect(cache.size).toBe(0);
  });

  it('reports a partition in an incremental answer only when it has records, an error or moved offsets', () => {
    const cache = new FetchSessionCache(() => 0.75);
    const full = cache.newContext({ sessionId: 0, sessionEpoch: 0, partitions: [part(0)], forgotten: [], byTopicId: false }, 0);
    const session = full.kind === 'full' ? full.session! : null;
    expect(session!.observe(part(0), outcome(10n))).toBe(true);
    expect(session!.observe(part(0), outcome(10n))).toBe(false);
    expect(session!.observe(part(0), outcome(10n, 100))).toBe(true);
    expect(session!.observe(part(0), outcome(12n))).toBe(true);
    expect(session!.observe(part(0), { ...outcome(12n), errorCode: ErrorCode.OFFSET_OUT_OF_RANGE })).toBe(true);
  });

  it('evicts the least recently used session when full', () => {
    let n = 0;
    const cache = new FetchSessionCache(() => (n++ % 10) / 10 + 0.01, 2);
    const open = () => {
      const c = cache.newContext({ sessionId: 0, sessionEpoch: 0, partitions: [part(0)], forgotten: [], byTopicId: false }, 0);
      return c.kind === 'full' ? c.session!.id : 0;
    };
    const first = open();
    const second = open();
    expect(cache.newContext({ sessionId: first, sessionEpoch: 1, partitions: [], forgotten: [], byTopicId: false }, 1).kind).toBe('incremental');
    open();
    expect(cache.size).toBe(2);
    expect(cache.newContext({ sessionId: second, sessionEpoch: 1, partitions: [], forgotten: [], byTopicId: false }, 2)).toEqual({ kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
    expect(cache.newContext({ sessionId: first, sessionEpoch: 2, partitions: [], forgotten: [], byTopicId: false }, 3).kind).toBe('incremental');
  });
});
