import Benchmark from 'benchmark';

/** One measured operation. `bytes` turns ops/s into MB/s; `baseline` is the group's yardstick. */
export interface BenchCase {
  name: string;
  fn: () => unknown;
  async?: boolean;
  bytes?: number;
  baseline?: boolean;
}

export interface BenchGroupOptions {
  setup?: () => Promise<void> | void;
  teardown?: () => Promise<void> | void;
}

export interface BenchGroup {
  title: string;
  cases: BenchCase[];
  options: BenchGroupOptions;
}

export interface BenchRow {
  group: string;
  name: string;
  opsPerSec: number;
  rmePercent: number;
  samples: number;
  meanUs: number;
  mbPerSec: number | null;
  ratioToBaseline: number | null;
}

export function benchGroup(title: string, cases: BenchCase[], options: BenchGroupOptions = {}): BenchGroup {
  if (cases.filter((c) => c.baseline).length > 1) throw new Error(`${title}: at most one baseline per group`);
  return { title, cases, options };
}

const maxTimeS = Number(process.env.BENCH_MAX_TIME_S ?? 2);
/** Runs only the cases whose name contains this (and the baseline), to iterate on one case. */
const caseFilter = process.env.BENCH_CASE;

function measure(c: BenchCase): Promise<Benchmark> {
  return new Promise((resolve, reject) => {
    const bench = c.async
      ? new Benchmark(c.name, {
          defer: true,
          maxTime: maxTimeS,
          fn: (deferred: Benchmark.Deferred) => {
            (c.fn() as Promise<unknown>).then(
              () => deferred.resolve(),
              (error: unknown) => reject(error),
            );
          },
        })
      : new Benchmark(c.name, { maxTime: maxTimeS, fn: c.fn });
    bench.on('complete', () => (bench.error ? reject(bench.error) : resolve(bench)));
    bench.run({ async: true });
  });
}

/** Runs a group's cases one after another (never concurrently: they share 2 cores). */
export async function runGroup(group: BenchGroup, onRow: (row: BenchRow) => void = () => {}): Promise<BenchRow[]> {
  await group.options.setup?.();
  const rows: BenchRow[] = [];
  try {
    for (const c of group.cases) {
      if (caseFilter !== undefined && !c.baseline && !c.name.includes(caseFilter)) continue;
      const b = await measure(c);
      const row: BenchRow = {
        group: group.title,
        name: c.name,
        opsPerSec: b.hz,
        rmePercent: b.stats.rme,
        samples: b.stats.sample.length,
        meanUs: b.stats.mean * 1e6,
        mbPerSec: c.bytes === undefined ? null : (b.hz * c.bytes) / 1e6,
        ratioToBaseline: null,
      };
      rows.push(row);
      onRow(row);
    }
  } finally {
    await group.options.teardown?.();
  }
  const baselineName = group.cases.find((c) => c.baseline)?.name;
  const baseline = rows.find((row) => row.name === baselineName);
  if (baseline) {
    // Cases that move bytes compare bandwidth: their operations may move more or fewer bytes than the baseline's.
    for (const row of rows) {
      row.ratioToBaseline = row.mbPerSec !== null && baseline.mbPerSec !== null ? row.mbPerSec / baseline.mbPerSec : row.opsPerSec / baseline.opsPerSec;
    }
  }
  return rows;
}
