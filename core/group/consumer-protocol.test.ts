import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSubscription, subscribedTopics } from './consumer-protocol.js';

describe('subscribedTopics', () => {
  it('reads back the topics of an encoded subscription', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 10 }), (topics) => {
      expect(subscribedTopics(encodeSubscription(topics))).toEqual(topics);
    }));
  });

  it('reads the bytes a Java consumer sends (v0: version, topic array, null user data)', () => {
    const bytes = Buffer.from([0, 0, 0, 0, 0, 2, 0, 1, 0x61, 0, 2, 0x62, 0x63, 0xff, 0xff, 0xff, 0xff]);
    expect(subscribedTopics(bytes)).toEqual(['a', 'bc']);
  });

  it('returns null instead of throwing on truncated or random bytes', () => {
    const valid = encodeSubscription(['orders', 'payments']);
    for (let length = 0; length < 2 + 4 + 2 + 6 + 2 + 8; length++) expect(subscribedTopics(valid.subarray(0, length))).toBeNull();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const topics = subscribedTopics(bytes);
      return topics === null || Array.isArray(topics);
    }));
  });

  it('refuses a topic count larger than the bytes can hold before allocating', () => {
    const bytes = Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0]);
    expect(subscribedTopics(bytes)).toBeNull();
  });
});
