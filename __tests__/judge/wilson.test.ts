import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { wilsonLowerBound } from '../../src/judge/wilson.js';
import { judge } from '../../src/judge/thresholds.js';

const limits = { maxErrorRate: 1, minRequests: 20, compareToStable: false, maxUnhealthyTargets: 0 };
const traffic = (requests: number, errors5xx: number) => [
  {
    kind: 'traffic' as const,
    at: 0,
    slot: 'green' as const,
    source: 'haproxy' as const,
    requests,
    errors5xx,
  },
];

describe('wilsonLowerBound', () => {
  it.each([
    [0, 100, 0],
    [10, 10, 78.7],
    [2, 100, 0.69],
    [50, 1000, 3.97],
  ])('%d of %d → about %d%%', (k, n, expected) => {
    expect(wilsonLowerBound(k, n)).toBeCloseTo(expected, 1);
  });

  it('is never above the observed rate and grows with the sample at a fixed rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const k = Math.round(n * r);
        const lower = wilsonLowerBound(k, n);
        expect(lower).toBeLessThanOrEqual((k / n) * 100 + 1e-9);
        expect(wilsonLowerBound(k * 4, n * 4)).toBeGreaterThanOrEqual(lower - 1e-9);
      }),
    );
  });
});

describe('judge, evaluation scope', () => {
  it('a 2-in-100 blip above a 1% limit is inconclusive for one evaluation, but fails a step', () => {
    const e = judge(traffic(100, 2), limits, 'green', { scope: 'evaluation' });
    expect(e.status).toBe('inconclusive');
    expect(e.reason).toMatch(/too few requests to be sure \(99% lower bound 0\.\d+%\)/);
    expect(judge(traffic(100, 2), limits, 'green').status).toBe('fail');
  });

  it('a broken version fails the first evaluation', () => {
    const v = judge(traffic(10, 10), limits, 'green', { scope: 'evaluation' });
    expect(v.status).toBe('fail');
    expect(v.decisive).toMatch(
      /green error rate 100% \(10 of 10 requests, HAProxy\) is above the 1% limit \(at least 6\d\.\d% with 99% confidence\)/,
    );
  });

  it('within the limit passes in both scopes', () => {
    expect(judge(traffic(500, 2), limits, 'green', { scope: 'evaluation' }).status).toBe('pass');
    expect(judge(traffic(500, 2), limits, 'green').status).toBe('pass');
  });
});
