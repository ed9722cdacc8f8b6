import { describe, expect, it } from 'vitest';
import { VirtualClock } from './virtual-clock.js';

describe('VirtualClock', () => {
  it('fires timers in due order during advance, each seeing its due time', () => {
    const clock = new VirtualClock(1000);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push(`b@${clock.nowMs()}`));
    clock.setTimer(10, () => fired.push(`a@${clock.nowMs()}`));
    clock.setTimer(30, () => fired.push(`c@${clock.nowMs()}`));
    clock.advance(20);
    expect(fired).toEqual(['a@1010']);
    expect(clock.nowMs()).toBe(1020);
    clock.advance(10);
    expect(fired).toEqual(['a@1010', 'b@1030', 'c@1030']);
  });

  it('fires timers set by timers when they fall inside the same advance, and skips cancelled ones', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    const cancelled = clock.setTimer(5, () => fired.push(-1));
    clock.setTimer(5, () => clock.setTimer(5, () => fired.push(clock.nowMs())));
    clock.cancel(cancelled);
    clock.advance(100);
    expect(fired).toEqual([10]);
    expect(clock.pendingTimers).toBe(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});
