// Runs every benchmark in turn with the given counts and gathers one report; run.ts and the smoke test call it.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { haproxyAvailable } from '../__tests__/helpers/haproxy.js';
import { benchRollbackTime } from './rollback-time.js';
import { benchZeroFailures } from './zero-failures.js';
import { benchSwitchMethod } from './switch-method.js';
import { benchBundleStartup } from './bundle-startup.js';
import { HAPROXY_BIN } from './master-worker-haproxy.js';
import type { LoadOptions } from './load.js';
import type { BenchReport, BenchResult } from './results.js';

export interface SuiteOptions {
  rollbackRepeats: number;
  /** requests per second through HAProxy during each rollback run */
  rollbackRps: number;
  switchRepeats: number;
  coldStartRuns: number;
  canarySteps: string;
  stepInterval: string;
  switchWindowMs: number;
  load: LoadOptions;
  node24?: string;
  /** subset of benchmark ids to run; all when absent */
  only?: string[];
  log: (line: string) => void;
}

/** The counts `npm run bench` uses: about a minute and a half on two cores. */
export const FULL: Omit<SuiteOptions, 'log'> = {
  rollbackRepeats: 5,
  rollbackRps: 500,
  switchRepeats: 5,
  coldStartRuns: 10,
  canarySteps: '5,25,50',
  stepInterval: '2s',
  switchWindowMs: 1000,
  load: { concurrency: 4, pauseMs: 2, maxMs: 90_000 },
};

interface Entry {
  id: string;
  title: string;
  needsHaproxy: boolean;
  run: () => Promise<BenchResult>;
}

export async function runSuite(opts: SuiteOptions): Promise<BenchReport> {
  const started = performance.now();
  const hasHaproxy = haproxyAvailable();
  const entries: Entry[] = [
    {
      id: 'rollback-time',
      title: 'Rollback time',
      needsHaproxy: true,
      run: () => benchRollbackTime({ repeats: opts.rollbackRepeats, rps: opts.rollbackRps, log: opts.log }),
    },
    {
      id: 'zero-failures',
      title: 'Failed client requests during deploys',
      needsHaproxy: true,
      run: () =>
        benchZeroFailures({
          canarySteps: opts.canarySteps,
          interval: opts.stepInterval,
          load: opts.load,
          log: opts.log,
        }),
    },
    {
      id: 'switch-method',
      title: 'HAProxy switch: runtime API vs reload',
      needsHaproxy: true,
      run: () =>
        benchSwitchMethod({
          repeats: opts.switchRepeats,
          load: opts.load,
          warmupMs: 300,
          windowMs: opts.switchWindowMs,
          log: opts.log,
        }),
    },
    {
      id: 'bundle-startup',
      title: 'Bundle size and cold start',
      needsHaproxy: false,
      run: () =>
        benchBundleStartup({
          runs: opts.coldStartRuns,
          ...(opts.node24 ? { node24: opts.node24 } : {}),
          log: opts.log,
        }),
    },
  ];
  const benchmarks: BenchResult[] = [];
  for (const e of entries) {
    if (opts.only && !opts.only.includes(e.id)) continue;
    const base = { id: e.id, title: e.title, workload: '(not run)', driver: '(not run)', figures: [] };
    if (e.needsHaproxy && !hasHaproxy) {
      benchmarks.push({ ...base, skipped: 'haproxy is not installed (apt-get install -y haproxy)' });
      continue;
    }
    opts.log(`${e.title}…`);
    const t0 = performance.now();
    try {
      benchmarks.push(await e.run());
    } catch (err) {
      benchmarks.push({ ...base, error: err instanceof Error ? err.message : String(err) });
    }
    opts.log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const cpus = os.cpus();
  const hv = hasHaproxy
    ? spawnSync(HAPROXY_BIN, ['-v'], { encoding: 'utf8' }).stdout?.split('\n')[0]
    : undefined;
  return {
    generatedAt: new Date().toISOString(),
    command: 'npm run bench',
    machine: {
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      ...(hv ? { haproxy: hv.replace(/ - https.*$/, '').replace(/ \d{4}\/\d\d\/\d\d$/, '') } : {}),
    },
    totalMs: Math.round(performance.now() - started),
    benchmarks,
  };
}
