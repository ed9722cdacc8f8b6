import { describe, expect, it } from 'vitest';
import { DelayedOperationPurgatory, type DelayedOperation } from './delayed-operation-purgatory.js';

/** A fetch-like operation that completes once `available` reaches `minBytes`. */
function waiting(state: { available: number }, minBytes: number, deadlineMs: number) {
  const answers: string[] = [];
  const operation: DelayedOperation = {
    deadlineMs,
    tryComplete: () => {
      if (state.available < minBytes) return false;
      answers.push(`complete:${state.available}`);
      return true;
    },
    onExpiration: () => answers.push(`expired:${state.available}`),
  };
  return { operation, answers };
}

describe('DelayedOperationPurgatory', () => {
  it('completes at once when the operation can finish, without watching', () => {
    const purgatory = new DelayedOperationPurgatory<string>('fetch');
    const { operation, answers } = waiting({ available: 10 }, 1, 500);
    expect(purgatory.tryCompleteElseWatch(operation, ['t-0'])).toBe(true);
    expect(purgatory.size).toBe(0);
    expect(answers).toEqual(['complete:10']);
  });

  it('wakes a waiting operation when its partition makes progress, exactly once', () => {
    const purgatory = new DelayedOperationPurgatory<string>('fetch');
    const state = { available: 0 };
    const { operation, answers } = waiting(state, 5, 500);
    expect(purgatory.tryCompleteElseWatch(operation, ['t-0', 't-1'])).toBe(false);
    expect(purgatory.size).toBe(1);
    state.available = 3;
    expect(purgatory.checkAndComplete('t-1')).toBe(0);
    state.available = 6;
    expect(purgatory.checkAndComplete('t-0')).toBe(1);
    expect(purgatory.checkAndComplete('t-1')).toBe(0);
    expect(purgatory.expire(10_000)).toBe(0);
    expect(answers).toEqual(['complete:6']);
    expect(purgatory.size).toBe(0);
  });

  it('expires operations at their deadline and not before', () => {
    const purgatory = new DelayedOperationPurgatory<string>('produce');
    const state = { available: 0 };
    const early = waiting(state, 1, 100);
    const late = waiting(state, 1, 300);
    purgatory.tryCompleteElseWatch(early.operation, ['a']);
    purgatory.tryCompleteElseWatch(late.operation, ['a']);
    expect(purgatory.nextDeadlineMs()).toBe(100);
    expect(purgatory.expire(99)).toBe(0);
    expect(purgatory.expire(100)).toBe(1);
    expect(early.answers).toEqual(['expired:0']);
    expect(purgatory.nextDeadlineMs()).toBe(300);
    purgatory.shutdown();
    expect(late.answers).toEqual(['expired:0']);
    expect(purgatory.size).toBe(0);
  });
});
