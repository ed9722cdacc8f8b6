import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface HotFunction {
  name: string;
  selfPercent: number;
}

/** The functions with the most self time in the `.cpuprofile` files of a directory (node --cpu-prof: one per thread). */
export function topFunctions(dir: string, limit = 15): HotFunction[] {
  const self = new Map<string, number>();
  let total = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (hits === 0) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      // Idle time is not CPU spent.
      if (functionName === '(idle)') continue;
      const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|work\/main)\//, '$1/')}:${lineNumber + 1}`;
      const name = `${functionName === '' ? '(anonymous)' : functionName}${where}`;
      self.set(name, (self.get(name) ?? 0) + hits);
      total += hits;
    }
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, hits]) => ({ name, selfPercent: (100 * hits) / Math.max(1, total) }));
}
