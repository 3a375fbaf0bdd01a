// The bench's pure pieces: medians, the split segments read from HAProxy samples, and the results-file check.
import { describe, expect, it } from 'vitest';
import { summarize } from '../../bench/summary.js';
import { segments } from '../../bench/split-sampler.js';
import { assertWellFormed, renderTable, type BenchReport } from '../../bench/results.js';

describe('summarize', () => {
  it.each([
    [[3, 1, 2], { n: 3, median: 2, min: 1, max: 3 }],
    [[4, 1, 3, 2], { n: 4, median: 2.5, min: 1, max: 4 }],
    [[7], { n: 1, median: 7, min: 7, max: 7 }],
  ])('%j → %j', (values, expected) => {
    expect(summarize(values)).toEqual(expected);
  });

  it('refuses an empty list with a message', () => {
    expect(() => summarize([])).toThrow(/no values/);
  });
});

describe('segments', () => {
  const s = (at: number, green: number, reqBlue: number, reqGreen: number) => ({
    at,
    weight: { blue: 100 - green, green },
    req: { blue: reqBlue, green: reqGreen },
  });

  it('measures each weight between its own samples, leaving out the change and the interval after it', () => {
    const out = segments([
      s(0, 0, 0, 0),
      s(100, 0, 100, 0),
      s(200, 10, 190, 5), // changed in (100,200]: left out; requests in flight may finish here
      s(300, 10, 280, 15), // from here on: 10% measured
      s(400, 10, 370, 25),
    ]);
    expect(out).toEqual([
      {
        weights: { blue: 100, green: 0 },
        requests: { blue: 100, green: 0 },
        greenSharePct: 0,
        durationMs: 100,
      },
      {
        weights: { blue: 90, green: 10 },
        requests: { blue: 90, green: 10 },
        greenSharePct: 10,
        durationMs: 100,
      },
    ]);
  });

  it('drops a weight with no interval left to measure', () => {
    // 0% and 50% seen once; 100% seen three times, of which the first follows the change
    expect(
      segments([
        s(0, 0, 0, 0),
        s(100, 50, 10, 10),
        s(200, 100, 10, 60),
        s(300, 100, 10, 110),
        s(400, 100, 10, 160),
      ]),
    ).toEqual([
      {
        weights: { blue: 0, green: 100 },
        requests: { blue: 0, green: 50 },
        greenSharePct: 100,
        durationMs: 100,
      },
    ]);
  });
});

describe('assertWellFormed and renderTable', () => {
  const report = (): BenchReport => ({
    generatedAt: new Date(0).toISOString(),
    command: 'npm run bench',
    machine: { node: 'v20', platform: 'linux', cpus: 2, cpuModel: 'cpu' },
    totalMs: 1,
    benchmarks: [
      {
        id: 'x',
        title: 'X',
        workload: 'ten requests',
        driver: 'bundle',
        figures: [{ name: 'median', value: 5, unit: 'ms', target: '< 9 ms', ok: true }],
      },
      {
        id: 'y',
        title: 'Y',
        workload: '(not run)',
        driver: '(not run)',
        figures: [],
        skipped: 'haproxy is not installed',
      },
    ],
  });

  it('accepts a report and prints each workload, figure and verdict', () => {
    const r = report();
    expect(() => assertWellFormed(r)).not.toThrow();
    const t = renderTable(r);
    expect(t).toContain('workload: ten requests');
    expect(t).toMatch(/median\s+5 ms\s+< 9 ms\s+ok/);
    expect(t).toContain('SKIPPED: haproxy is not installed');
  });

  it.each([
    [
      'a figure that is not a finite number',
      (r: BenchReport) => (r.benchmarks[0]!.figures[0]!.value = Number.NaN),
      /x \/ median is NaN/,
    ],
    ['a benchmark without figures', (r: BenchReport) => (r.benchmarks[0]!.figures = []), /x has no figures/],
    ['a benchmark without workload', (r: BenchReport) => (r.benchmarks[0]!.workload = ''), /x lacks/],
    ['no benchmarks', (r: BenchReport) => (r.benchmarks = []), /no benchmarks/],
  ])('rejects %s', (_what, spoil, message) => {
    const r = report();
    spoil(r);
    expect(() => assertWellFormed(r)).toThrow(message);
  });
});
