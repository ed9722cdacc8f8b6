import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`): the tests drive the system browser and download none. */
export const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

/**
 * Whether the browser tests should run: when Chromium is installed, and under CI=true also when it
 * is not (they fail, saying so). Elsewhere they skip with a printed reason.
 */
export function requireChromium(): boolean {
  if (chromiumPath !== undefined || process.env['CI'] === 'true') return true;
  console.warn('Chromium is not installed (apt-get install -y chromium): skipping the browser tests');
  return false;
}

export function launchChromium(): Promise<Browser> {
  if (chromiumPath === undefined) throw new Error('Chromium is not installed (apt-get install -y chromium); CI needs it');
  // No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}
