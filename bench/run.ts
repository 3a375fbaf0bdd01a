// `npm run bench`: runs every benchmark at full counts, prints the table, writes bench/results.json.
// GLIDEPATH_BENCH_NODE24=/path/to/node24 adds the bundle's cold start under Node 24;
// GLIDEPATH_BENCH_ONLY=rollback-time,switch-method runs a subset.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL, runSuite } from './suite.js';
import { renderTable, writeReport } from './results.js';

const out =
  process.env.GLIDEPATH_BENCH_OUT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');
const only = process.env.GLIDEPATH_BENCH_ONLY?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);

const report = await runSuite({
  ...FULL,
  ...(process.env.GLIDEPATH_BENCH_NODE24 ? { node24: process.env.GLIDEPATH_BENCH_NODE24 } : {}),
  ...(only?.length ? { only } : {}),
  log: (line) => console.error(line),
});
writeReport(report, out);
console.log(renderTable(report));
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
const missed = report.benchmarks.filter((b) => b.error || b.figures.some((f) => f.ok === false));
if (missed.length) {
  console.log(`targets missed or benchmarks failed: ${missed.map((b) => b.id).join(', ')}`);
  process.exitCode = 1;
}
