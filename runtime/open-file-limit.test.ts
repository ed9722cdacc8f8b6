import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from './logger.js';
import { descriptorBudget, readOpenFileLimit } from './open-file-limit.js';

describe('descriptorBudget', () => {
  it('gives segment files half of what the reserve leaves by default and connections the rest', () => {
    const budget = descriptorBudget({ soft: 20_000, hard: 20_000 }, -1, 2147483647, createMemoryLogger());
    expect(budget).toEqual({ limit: 20_000, logOpenFiles: 9872, maxConnections: 9872 });
  });

  it('keeps an explicit log.max.open.files below the limit, and a lower max.connections as configured', () => {
    const log = createMemoryLogger();
    expect(descriptorBudget({ soft: 1024, hard: 4096 }, 5000, 100, log)).toEqual({ limit: 1024, logOpenFiles: 767, maxConnections: 1 });
    expect(log.lines.join('\n')).toContain('log.max.open.files=5000 leaves no descriptors under the open-file limit 1024');
    expect(descriptorBudget({ soft: 1024, hard: 4096 }, 200, 100, log)).toMatchObject({ logOpenFiles: 200, maxConnections: 100 });
  });

  it('reads this process limit from /proc on Linux', () => {
    const limit = readOpenFileLimit();
    if (process.platform !== 'linux') return expect(limit).toBeNull();
    expect(limit!.soft).toBeGreaterThan(0);
    expect(limit!.hard).toBeGreaterThanOrEqual(limit!.soft);
  });
});
