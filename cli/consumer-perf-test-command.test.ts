import { describe, expect, it } from 'vitest';
import { formatDate } from './consumer-perf-test-command.js';

describe('formatDate', () => {
  it("formats as Java's SimpleDateFormat does for kafka-consumer-perf-test's default pattern", () => {
    const ms = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
    expect(formatDate('yyyy-MM-dd HH:mm:ss:SSS', ms)).toBe('2026-01-02 03:04:05:006');
    expect(formatDate('HH:mm', ms)).toBe('03:04');
  });
});
