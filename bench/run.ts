// `npm run bench`: runs every benchmark at full counts, prints the table, writes bench/results.json.
// The bundle's cold start is measured under this node and under Node 24 (the runner's), found through
// `npx -y -p node@24 node` unless GLIDEPATH_BENCH_NODE24 names a binary (empty: skip Node 24);
// GLIDEPATH_BENCH_ONLY=rollback-time,switch-method runs a subset.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL, runSuite } from './suite.js';
import { renderTable, writeReport } from './results.js';

const out =
  process.env.GLIDEPATH_BENCH_OUT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');
const only = process.env.GLIDEPATH_BENCH_ONLY?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);

function findNode24(): string | undefined {
  const given = process.env.GLIDEPATH_BENCH_NODE24;
  if (given !== undefined) return given || undefined;
  if (process.versions.node.split('.')[0] === '24') return undefined; // this node is Node 24 already
  // downloaded once into npm's cache, then found there
  const r = spawnSync('npx', ['-y', '-p', 'node@24', 'node', '-p', 'process.execPath'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  console.error(
    `Node 24 not found with npx (${(r.stderr || r.error?.message || '').trim()}): this node only`,
  );
  return undefined;
}

const node24 = findNode24();
const report = await runSuite({
  ...FULL,
  ...(node24 ? { node24 } : {}),
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
