// Smoke test: the whole bench runs with tiny counts and writes a well-formed results file (no timing assertions).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSuite } from '../../bench/suite.js';
import { renderTable, writeReport, type BenchReport } from '../../bench/results.js';
import { haproxyAvailable } from '../helpers/haproxy.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run bench, with tiny counts', () => {
  it('runs every benchmark and writes a results file where each figure has its workload', async () => {
    const lines: string[] = [];
    const report = await runSuite({
      rollbackRepeats: 1,
      rollbackRps: 200,
      switchRepeats: 1,
      coldStartRuns: 1,
      canarySteps: '50',
      stepInterval: '1s',
      switchWindowMs: 300,
      load: { concurrency: 2, pauseMs: 5, maxMs: 40_000 },
      log: (l) => lines.push(l),
    });
    const file = path.join(dir, 'results.json');
    writeReport(report, file);
    const back = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;

    expect(back.benchmarks.map((b) => b.id)).toEqual([
      'rollback-time',
      'zero-failures',
      'switch-method',
      'bundle-startup',
    ]);
    for (const b of back.benchmarks) {
      expect(b.error, `${b.id} threw:\n${lines.join('\n')}`).toBeUndefined();
      if (b.skipped) {
        // only the HAProxy benchmarks may skip, and only where haproxy is missing
        expect(haproxyAvailable()).toBe(false);
        expect(b.id).not.toBe('bundle-startup');
        continue;
      }
      expect(b.workload.length).toBeGreaterThan(20);
      expect(b.figures.length).toBeGreaterThan(0);
      for (const f of b.figures)
        expect(f.value === '' || (typeof f.value === 'number' && !Number.isFinite(f.value))).toBe(false);
    }
    const byId = Object.fromEntries(back.benchmarks.map((b) => [b.id, b]));
    const fig = (id: string, name: RegExp) => byId[id]!.figures.find((f) => name.test(f.name))?.value;

    // the bundle ran (a failing plan run throws inside the benchmark and would show as error)
    expect(fig('bundle-startup', /dist\/index\.js size/)).toEqual(expect.any(Number));
    expect(fig('bundle-startup', /plan cold start \(median of 1\)/)).toEqual(expect.any(Number));
    if (haproxyAvailable()) {
      expect(fig('rollback-time', /runs ending rolled-back/)).toBe('1/1');
      expect(fig('zero-failures', /canary: result/)).toBe('promoted');
      expect(fig('zero-failures', /blue-green: result/)).toBe('promoted');
      expect(fig('switch-method', /reload ÷ runtime API/)).toEqual(expect.any(Number));
    }
    const table = renderTable(back);
    for (const b of back.benchmarks) expect(table).toContain(b.skipped ? 'SKIPPED' : b.workload);
  }, 120_000);
});
