import { describe, expect, it } from 'vitest';
import { Mailbox } from './mailbox.js';

describe('Mailbox', () => {
  it('refuses past its message limit and accepts again once one is taken, in FIFO order', () => {
    const mailbox = new Mailbox<number>({ maxMessages: 3, maxBytes: 1000 });
    for (let i = 0; i < 3; i++) expect(mailbox.offer(i, 10)).toBe(true);
    expect(mailbox.offer(3, 10)).toBe(false);
    expect(mailbox.shift()).toBe(0);
    expect(mailbox.offer(3, 10)).toBe(true);
    expect(mailbox.drain()).toEqual([1, 2, 3]);
    expect(mailbox.depth).toBe(0);
  });

  it('refuses past its byte limit, but lets one oversized message into an empty mailbox', () => {
    const mailbox = new Mailbox<string>({ maxMessages: 100, maxBytes: 100 });
    expect(mailbox.offer('big', 500)).toBe(true);
    expect(mailbox.offer('small', 1)).toBe(false);
    expect(mailbox.depthBytes).toBe(500);
    expect(mailbox.shift()).toBe('big');
    expect(mailbox.offer('a', 60)).toBe(true);
    expect(mailbox.offer('b', 60)).toBe(false);
    expect(mailbox.depthBytes).toBe(60);
  });

  it('keeps order across its internal compaction', () => {
    const mailbox = new Mailbox<number>({ maxMessages: 5000, maxBytes: 1 << 30 });
    const out: number[] = [];
    for (let i = 0; i < 4000; i++) {
      mailbox.offer(i, 1);
      if (i % 3 !== 0) out.push(mailbox.shift()!);
    }
    out.push(...mailbox.drain());
    expect(out).toEqual(Array.from({ length: 4000 }, (_, i) => i));
  });
});
