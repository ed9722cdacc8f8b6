// `npm run bench [-- <filter>...] [--json out.json]`: runs every bench/*.bench.ts
// (or those whose file name contains a filter) and prints one table.
import { execSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { formatTable } from './table.js';
import { runGroup, type BenchGroup, type BenchRow } from './harness.js';

const args = process.argv.slice(2);
const jsonIndex = args.indexOf('--json');
const jsonPath = jsonIndex >= 0 ? args[jsonIndex + 1] : undefined;
if (jsonIndex >= 0 && jsonPath === undefined) throw new Error('--json needs a file path');
const filters = jsonIndex >= 0 ? args.filter((_, i) => i !== jsonIndex && i !== jsonIndex + 1) : args;

const dir = new URL('.', import.meta.url);
const files = readdirSync(dir)
  .filter((name) => /\.bench\.(ts|js)$/.test(name))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

const rows: BenchRow[] = [];
for (const file of files) {
  const group = (await import(new URL(file, dir).href)) as { default: BenchGroup };
  process.stderr.write(`# ${group.default.title} (${file})\n`);
  rows.push(
    ...(await runGroup(group.default, (row) =>
      process.stderr.write(`  ${row.name}: ${row.opsPerSec.toFixed(1)} ops/s\n`),
    )),
  );
}

console.log(
  formatTable(
    ['group', 'case', 'ops/s', '±%', 'mean µs', 'MB/s', 'vs baseline'],
    rows.map((r) => [
      r.group,
      r.name,
      r.opsPerSec.toFixed(1),
      r.rmePercent.toFixed(1),
      r.meanUs.toFixed(2),
      r.mbPerSec === null ? '' : r.mbPerSec.toFixed(1),
      r.ratioToBaseline === null ? '' : `${r.ratioToBaseline.toFixed(2)}x`,
    ]),
  ),
);

if (jsonPath !== undefined) {
  const machine = {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    commit: gitCommit(),
  };
  writeFileSync(jsonPath, JSON.stringify({ machine, date: new Date().toISOString(), rows }, null, 2));
  process.stderr.write(`wrote ${jsonPath}\n`);
}

function gitCommit(): string {
  try {
    return execSync('git rev-parse HEAD', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
