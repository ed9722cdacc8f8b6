import { formatResults } from './report-text.js';
import { produceLabel, type E2eResults } from './results.js';

/**
 * A self-contained HTML report (no scripts, no external files) with inline SVG
 * charts: broker throughput over the whole produce run, latency
 * percentiles against offered load, and each load's percentile curve (from
 * its HdrHistogram, as HdrHistogram's plotter draws `.hgrm` files). Written as well-formed XHTML so a plain
 * XML parser can check it.
 */
export function renderHtml(r: E2eResults): string {
  return `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<title>Freshet bench:e2e ${escape(r.date)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
svg { background: #fff; border: 1px solid #ddd; }
.axis { stroke: #888; } .grid { stroke: #eee; } text { font-size: 11px; fill: #444; }
</style>
</head>
<body>
<h1>Freshet end-to-end benchmark</h1>
<p>${escape(r.date)}, ${r.machine.cores} cores (${escape(r.machine.cpuModel)}), Node ${escape(r.machine.node)}, commit ${escape(r.machine.commit)}, broker ${escape(r.broker.bootstrap)} (${escape(r.broker.config)}).</p>
<h2>Produce throughput over time</h2>
${throughputChart(r)}
<h2>Latency against offered load</h2>
${latencyChart(r)}
<h2>Latency percentile curves</h2>
${percentileCurveChart(r)}
<h2>Figures</h2>
<pre>${escape(formatResults(r))}</pre>
</body>
</html>
`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const width = 900;
const height = 320;
const margin = { left: 60, right: 20, top: 20, bottom: 40 };
const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

interface Series {
  name: string;
  points: Array<[number, number]>;
}

function chart(title: string, xLabel: string, yLabel: string, series: Series[], options: { markers?: Array<[number, string]>; logY?: boolean } = {}): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<p>${escape(title)}: nothing measured.</p>`;
  const xMax = Math.max(...all.map((p) => p[0])) || 1;
  const plotHeight = height - margin.top - margin.bottom;
  const x = (v: number): number => margin.left + ((width - margin.left - margin.right) * v) / xMax;
  let y: (v: number) => number;
  let yTicks: number[];
  if (options.logY === true) {
    // Latencies span decades: one grid line per power of ten.
    const positive = all.map((p) => p[1]).filter((v) => v > 0);
    const low = Math.floor(Math.log10(Math.min(...positive, 1)));
    const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...positive, 1))));
    y = (v: number): number => height - margin.bottom - (plotHeight * (Math.log10(Math.max(v, 10 ** low)) - low)) / (high - low);
    yTicks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
  } else {
    const yMax = niceMax(Math.max(...all.map((p) => p[1])));
    y = (v: number): number => height - margin.bottom - (plotHeight * v) / yMax;
    yTicks = Array.from({ length: 5 }, (_, i) => (yMax * i) / 4);
  }
  const parts: string[] = [];
  for (const v of yTicks) {
    parts.push(`<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${y(v)}" y2="${y(v)}"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(v) + 4}" text-anchor="end">${round(v)}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const v = (xMax * i) / 5;
    parts.push(`<text x="${x(v)}" y="${height - margin.bottom + 16}" text-anchor="middle">${round(v)}</text>`);
  }
  for (const [at, label] of options.markers ?? []) {
    parts.push(`<line class="grid" x1="${x(at)}" x2="${x(at)}" y1="${margin.top}" y2="${height - margin.bottom}"/>`);
    parts.push(`<text x="${x(at) + 2}" y="${margin.top + 10}" transform="rotate(90 ${x(at) + 2} ${margin.top + 10})">${escape(label)}</text>`);
  }
  parts.push(`<line class="axis" x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}"/>`);
  parts.push(`<line class="axis" x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}"/>`);
  parts.push(`<text x="${(width + margin.left) / 2}" y="${height - 6}" text-anchor="middle">${escape(xLabel)}</text>`);
  parts.push(`<text x="14" y="${height / 2}" transform="rotate(-90 14 ${height / 2})" text-anchor="middle">${escape(yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = colors[i % colors.length]!;
    const d = s.points.map(([px, py], j) => `${j === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    for (const [px, py] of s.points.length <= 12 ? s.points : []) parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${color}"/>`);
    // The legend sits top left, where rising curves leave room.
    parts.push(`<text x="${margin.left + 8}" y="${margin.top + 14 * (i + 1)}" fill="${color}">${escape(s.name)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"><title>${escape(title)}</title>${parts.join('')}</svg>`;
}

/** The produce runs laid end to end: MB/s the log dir grew by, one marker per matrix point. */
function throughputChart(r: E2eResults): string {
  const points: Array<[number, number]> = [];
  const markers: Array<[number, string]> = [];
  let offset = 0;
  for (const p of r.produce) {
    markers.push([offset, produceLabel(p)]);
    for (const [t, v] of p.series) points.push([offset + t, v]);
    offset += Math.max(p.seconds, p.series.at(-1)?.[0] ?? 0);
  }
  const series: Series[] = [{ name: 'broker log dir growth, MB/s', points }];
  return chart('Produce throughput over time', 'seconds of produce runs', 'MB/s', series, { markers: r.produce.length <= 24 ? markers : [] });
}

function latencyChart(r: E2eResults): string {
  const at = (pick: (l: E2eResults['latency'][number]) => number): Array<[number, number]> =>
    r.latency.map((l) => [l.offeredRecordsPerSec, pick(l) / 1000] as [number, number]).filter(([, v]) => Number.isFinite(v));
  return chart('Latency percentiles against offered load', 'offered records/s', 'ms (log scale)', [
    { name: 'produce p50', points: at((l) => l.produce.p50Us) },
    { name: 'produce p99', points: at((l) => l.produce.p99Us) },
    { name: 'produce p99.9', points: at((l) => l.produce.p999Us) },
    { name: 'end-to-end p50', points: at((l) => l.endToEnd.p50Us) },
    { name: 'end-to-end p99', points: at((l) => l.endToEnd.p99Us) },
    { name: 'end-to-end p99.9', points: at((l) => l.endToEnd.p999Us) },
  ], { logY: true });
}

/** Latency against percentile, the x axis in nines (1 = p90, 2 = p99, 3 = p99.9, ...). */
function percentileCurveChart(r: E2eResults): string {
  const nines = (percentile: number): number => -Math.log10(Math.max(1e-6, 1 - percentile / 100));
  const curve = (points: Array<[number, number]>): Array<[number, number]> => points.map(([p, us]) => [nines(p), us / 1000] as [number, number]).filter(([, v]) => v > 0);
  return chart('Produce latency by percentile', 'percentile in nines (1 = p90, 2 = p99, 3 = p99.9, 4 = p99.99)', 'ms (log scale)',
    r.latency.map((l) => ({ name: `produce at ${Math.round(l.loadFraction * 100)}% of peak`, points: curve(l.curves.produce) })),
    { logY: true });
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= v)!;
}

function round(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.01 || v === 0 ? v.toFixed(2) : v.toPrecision(1);
}
