import { vi } from 'vitest';

/**
 * Polls `probe` (vi.waitFor) until it gives something other than undefined or false, and returns
 * that; on time-out the error names `what` and shows `details()` (what the clients saw).
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
  details: () => string = () => '',
): Promise<T> {
  return vi.waitFor(
    async () => {
      const found = await probe();
      if (found === undefined || found === false) throw new Error(`timed out waiting for ${what}\n${details()}`);
      return found;
    },
    { timeout: timeoutMs, interval: 50 },
  );
}
