// Benchmark 4: what dist/ weighs (all of it, and what a start reads) and the cold start of
// `node dist/index.js` in plan mode beside a bare `node -e 0`, under this node and Node 24.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { roundMs, summarize } from './summary.js';
import type { BenchResult, Figure } from './results.js';
import { BUDGET_BYTES, distFiles, startupFiles, totalBytes } from '../scripts/dist-size.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(root, 'dist');
const MAIN = path.join(DIST, 'index.js');
/** the issue's goal: plan mode starts within this many ms of a bare `node -e 0` */
export const COLD_START_BUDGET_MS = 100;

export interface StartupOptions {
  runs: number;
  /** path of a Node 24 binary (GLIDEPATH_BENCH_NODE24), measured too when set */
  node24?: string;
  log: (line: string) => void;
}

/** The plan-mode inputs, hyphens kept, as the runner sets them. */
export const PLAN_INPUTS: Record<string, string> = {
  INPUT_COMMAND: 'plan',
  INPUT_PROVIDER: 'haproxy',
  'INPUT_HAPROXY-SOCKET': '/tmp/x.sock',
  'INPUT_BLUE-TARGET': 'be/blue',
  'INPUT_GREEN-TARGET': 'be/green',
};

export const planCommand = (node: string) =>
  `env ${Object.entries(PLAN_INPUTS)
    .map(([k, v]) => (k.includes('-') ? `'${k}=${v}'` : `${k}=${v}`))
    .join(' ')} GITHUB_OUTPUT=<file> GITHUB_STEP_SUMMARY=<file> ${node} dist/index.js`;

/** Wall time from spawn to exit, ms; throws when the process fails. */
function timeOnce(node: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(node, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${node} ${args.join(' ')} exited ${code}: ${err.slice(0, 500)}`));
    });
  });
}

async function coldStarts(node: string, runs: number): Promise<{ plan: number[]; bare: number[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-bench-start-'));
  try {
    const files = { GITHUB_OUTPUT: path.join(dir, 'output'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary') };
    const env = { PATH: process.env.PATH ?? '', HOME: dir, RUNNER_TEMP: dir, ...files, ...PLAN_INPUTS };
    const plan: number[] = [];
    const bare: number[] = [];
    // one untimed run of each first: the file cache is warm, as right after the runner downloads the action
    for (let i = 0; i <= runs; i++) {
      for (const f of Object.values(files)) writeFileSync(f, '');
      const p = await timeOnce(node, [MAIN], env);
      const b = await timeOnce(node, ['-e', '0'], { PATH: env.PATH });
      if (i > 0) {
        plan.push(p);
        bare.push(b);
      }
    }
    return { plan, bare };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sizes in bytes: every file that ships (the budget counts lazily loaded chunks too), and what a start reads. */
function sizeFigures(): { figures: Figure[]; files: Record<string, number> } {
  const files = distFiles(DIST);
  const bytes = new Map(files.map((f) => [f.file, f.bytes]));
  const sum = (names: string[]) => names.reduce((s, n) => s + (bytes.get(n) ?? 0), 0);
  const total = totalBytes(files);
  const main = startupFiles('index.js', DIST);
  const post = startupFiles('post/index.js', DIST);
  const atStart = new Set([...main, ...post, 'package.json', 'licenses.txt']);
  const lazy = files.filter((f) => !atStart.has(f.file));
  return {
    figures: [
      {
        name: `dist/ total: every file that ships (${files.length} files)`,
        value: total,
        unit: 'bytes',
        target: `< ${BUDGET_BYTES} bytes`,
        ok: total < BUDGET_BYTES,
      },
      { name: 'dist/index.js size', value: bytes.get('index.js') ?? 0, unit: 'bytes' },
      { name: 'dist/post/index.js size', value: bytes.get('post/index.js') ?? 0, unit: 'bytes' },
      {
        name: `read by a main start (entry + ${main.length - 1} static chunks)`,
        value: sum(main),
        unit: 'bytes',
      },
      {
        name: `read by a post start (entry + ${post.length - 1} static chunks)`,
        value: sum(post),
        unit: 'bytes',
      },
      { name: `chunks loaded only on demand (${lazy.length} files)`, value: totalBytes(lazy), unit: 'bytes' },
      { name: 'dist/licenses.txt', value: bytes.get('licenses.txt') ?? 0, unit: 'bytes' },
    ],
    files: Object.fromEntries(bytes),
  };
}

export async function benchBundleStartup(opts: StartupOptions): Promise<BenchResult> {
  const sizes = sizeFigures();
  const figures: Figure[] = sizes.figures;
  const samples: Record<string, unknown> = { distBytes: sizes.files };
  const nodes: [string, string][] = [[`node ${process.version}`, process.execPath]];
  if (opts.node24) {
    const v = spawnSync(opts.node24, ['-v'], { encoding: 'utf8' });
    if (v.status !== 0)
      throw new Error(`GLIDEPATH_BENCH_NODE24=${opts.node24} does not run: ${v.stderr || v.error?.message}`);
    nodes.push([`node ${v.stdout.trim()}`, opts.node24]);
  }
  for (const [label, bin] of nodes) {
    const { plan, bare } = await coldStarts(bin, opts.runs);
    const p = summarize(plan);
    const b = summarize(bare);
    opts.log(`  ${label}: plan median ${roundMs(p.median)} ms, node -e 0 median ${roundMs(b.median)} ms`);
    figures.push(
      { name: `${label}: plan cold start (median of ${p.n})`, value: roundMs(p.median), unit: 'ms' },
      { name: `${label}: plan cold start min–max`, value: `${roundMs(p.min)}–${roundMs(p.max)}`, unit: 'ms' },
      { name: `${label}: bare \`node -e 0\` (median)`, value: roundMs(b.median), unit: 'ms' },
      {
        name: `${label}: plan − bare node (medians)`,
        value: roundMs(p.median - b.median),
        unit: 'ms',
        target: `≤ ${COLD_START_BUDGET_MS} ms`,
        ok: p.median - b.median <= COLD_START_BUDGET_MS,
      },
      {
        name: `${label}: plan ÷ bare node (this run)`,
        value: Math.round((p.median / b.median) * 10) / 10,
        unit: '×',
      },
    );
    samples[label] = { planMs: plan.map(roundMs), bareMs: bare.map(roundMs), command: planCommand(bin) };
  }
  if (!opts.node24) samples.node24 = 'not measured: no Node 24 binary (GLIDEPATH_BENCH_NODE24)';
  return {
    id: 'bundle-startup',
    title: 'Bundle size and cold start in plan mode',
    workload:
      `${planCommand('node')}; ${opts.runs} timed runs after 1 untimed, spawn → exit wall time, ` +
      'alternating with `node -e 0` as the bare-startup baseline' +
      (opts.node24 ? '' : '; Node 24 not measured (no Node 24 binary)') +
      '; sizes: every file under dist/, and the files an entry imports statically (read before it runs)',
    driver: 'bundle: node dist/index.js with INPUT_* env',
    figures,
    samples,
  };
}
