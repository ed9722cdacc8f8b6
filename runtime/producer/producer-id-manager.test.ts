import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { AllocateProducerIdsRequest, AllocateProducerIdsResponse } from '../../core/protocol/generated/messages/allocate-producer-ids.js';
import { createMemoryLogger } from '../logger.js';
import { ProducerIdManager, ProducerIdsUnavailableError } from './producer-id-manager.js';

/** A controller handing out consecutive blocks of `size`, failing the calls listed in `failures`. */
function fakeController(size: number, failures: number[] = []) {
  const requests: AllocateProducerIdsRequest[] = [];
  let next = 1000n;
  return {
    requests,
    brokerEpoch: () => 42n,
    allocateProducerIds: async (request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse> => {
      requests.push(request);
      if (failures.includes(requests.length)) return { throttleTimeMs: 0, errorCode: ErrorCode.STALE_BROKER_EPOCH, producerIdStart: -1n, producerIdLen: 0 };
      const producerIdStart = next;
      next += BigInt(size);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerIdStart, producerIdLen: size };
    },
  };
}

describe('ProducerIdManager', () => {
  it('hands out every id of each block once, in order, asking with its broker id and epoch', async () => {
    const controller = fakeController(10);
    const manager = new ProducerIdManager(3, controller, createMemoryLogger());
    const ids: bigint[] = [];
    for (let i = 0; i < 25; i++) ids.push(await manager.generateProducerId());
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => 1000n + BigInt(i)));
    expect(controller.requests).toHaveLength(3);
    expect(controller.requests[0]).toEqual({ brokerId: 3, brokerEpoch: 42n });
  });

  it('prefetches the next block at 90% of the current one, so the switch waits for nothing', async () => {
    const controller = fakeController(10);
    const manager = new ProducerIdManager(1, controller, createMemoryLogger());
    for (let i = 0; i < 8; i++) await manager.generateProducerId();
    expect(controller.requests).toHaveLength(1);
    await manager.generateProducerId();
    expect(controller.requests).toHaveLength(2);
  });

  it('gives concurrent callers distinct ids from one request', async () => {
    const controller = fakeController(100);
    const manager = new ProducerIdManager(1, controller, createMemoryLogger());
    const ids = await Promise.all(Array.from({ length: 20 }, () => manager.generateProducerId()));
    expect(new Set(ids).size).toBe(20);
    expect(controller.requests).toHaveLength(1);
  });

  it('answers a retriable error when the controller refuses a block, and recovers on the next call', async () => {
    const controller = fakeController(10, [1]);
    const manager = new ProducerIdManager(1, controller, createMemoryLogger());
    const failure = await manager.generateProducerId().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProducerIdsUnavailableError);
    expect((failure as ProducerIdsUnavailableError).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(await manager.generateProducerId()).toBe(1000n);
  });

  it('refuses a block that would overflow int64', async () => {
    const manager = new ProducerIdManager(1, {
      allocateProducerIds: async () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerIdStart: 0x7fffffffffffffffn - 5n, producerIdLen: 10 }),
    }, createMemoryLogger());
    await expect(manager.generateProducerId()).rejects.toBeInstanceOf(ProducerIdsUnavailableError);
  });
});
