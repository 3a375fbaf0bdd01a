// Every statistical function against published or independently computed reference values.
// SciPy values: SciPy 1.17.1 (scipy.special, scipy.stats, scipy.integrate.quad at epsrel 1e-12).
import { describe, expect, it } from 'vitest';
import { betaIncLower, betaIncUpper, logBeta } from '../../../src/judge/stats/special.js';
import { binomialUpperTail } from '../../../src/judge/stats/binomial.js';
import {
  criticalCount,
  evidence,
  logEvidence,
  rateLowerBound,
  rateUpperBound,
  rejects,
} from '../../../src/judge/stats/bernoulli-mixture.js';
import { ascending, quantileLowerBound, quantileUpperBound } from '../../../src/judge/stats/quantiles.js';
import { hodgesLehmannOneSample, hodgesLehmannTwoSample } from '../../../src/judge/stats/hodges-lehmann.js';

const rel = (actual: number, expected: number, tol = 1e-9) =>
  expect(Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300)).toBeLessThan(tol);

describe('special functions (stdlib) against SciPy', () => {
  it('regularized incomplete beta, both tails', () => {
    // I_0.5(2, 3) = 11/16 exactly
    expect(betaIncLower(0.5, 2, 3)).toBeCloseTo(0.6875, 15);
    // scipy.special.betainc(0.5, 10, 0.3) = I_0.3(0.5, 10) (SciPy's argument order is a, b, x)
    rel(betaIncLower(0.3, 0.5, 10), 0.9916774951375363);
    rel(betaIncUpper(0.3, 0.5, 10), 1 - 0.9916774951375363, 1e-7);
  });
  it('log beta', () => {
    // scipy.special.betaln(2.5, 3.5), betaln(1000.5, 20.25)
    rel(logBeta(2.5, 3.5), -3.3018352699620523);
    rel(logBeta(1000.5, 20.25), -100.00159576215356);
  });
});

describe('exact binomial tail', () => {
  it('1 or more failures in 7 trials at 1% is 6.8%, not significant at 99% (the case in the issue)', () => {
    // 1 − 0.99^7; scipy.stats.binom.sf(0, 7, 0.01) = 0.06793465209301
    rel(binomialUpperTail(1, 7, 0.01), 1 - 0.99 ** 7);
    rel(binomialUpperTail(1, 7, 0.01), 0.06793465209301);
  });
  it('matches scipy.stats.binom.sf', () => {
    rel(binomialUpperTail(3, 20, 0.05), 0.07548367378849626);
    rel(binomialUpperTail(30, 1000, 0.01), 2.059988850971949e-7, 1e-7);
  });
  it('edges', () => {
    expect(binomialUpperTail(0, 5, 0.3)).toBe(1);
    expect(binomialUpperTail(6, 5, 0.3)).toBe(0);
    expect(binomialUpperTail(2, 5, 0)).toBe(0);
  });
});

describe('the mixture e-process M(k, n; p0)', () => {
  it('matches numerical integration of its definition (scipy.integrate.quad)', () => {
    const cases: [number, number, number, number][] = [
      [1, 7, 0.01, 1.9107142857142856],
      [2, 2, 0.01, 3367.0000000000005],
      [3, 10, 0.01, 821.0],
      [30, 1000, 0.01, 7116.323731638885],
      [12, 20, 0.5, 0.6408260470179974],
      [5, 40, 0.05, 0.7400543132250457],
      [14, 1000, 0.01, 0.01778845940801344],
    ];
    for (const [k, n, p0, m] of cases) rel(evidence(k, n, p0), m, 1e-8);
  });
  it('closed forms: M(0, n) = 1/(n+1); M(n, n) = (1 − p0^(n+1)) / ((n+1)(1−p0) p0^n)', () => {
    for (const n of [1, 5, 50, 1000])
      for (const p0 of [0.001, 0.01, 0.2, 0.5]) rel(evidence(0, n, p0), 1 / (n + 1), 1e-9);
    for (const n of [1, 2, 5, 10]) {
      for (const p0 of [0.01, 0.05, 0.5]) {
        rel(evidence(n, n, p0), (1 - p0 ** (n + 1)) / ((n + 1) * (1 - p0) * p0 ** n), 1e-9);
      }
    }
  });
  it('a 0% limit is broken by the first failure; a 100% limit never', () => {
    expect(logEvidence(1, 10, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(rejects(1, 10, 0, 0.01)).toBe(true);
    expect(rejects(10, 10, 1, 0.01)).toBe(false);
  });
  it('1 failure in 7 requests does not reject 1% at 99%; 2 in 2 does (M = 3367)', () => {
    expect(rejects(1, 7, 0.01, 0.01)).toBe(false);
    expect(rejects(2, 2, 0.01, 0.01)).toBe(true);
    expect(rejects(2, 2, 0.01, 1 / 3368)).toBe(false);
  });
  it('critical counts are the smallest k that rejects, non-decreasing in n, rising by at most 1 per trial', () => {
    let prev = 0;
    for (let n = 1; n <= 400; n++) {
      const k = criticalCount(n, 0.01, 0.005);
      if (k <= n) expect(rejects(k, n, 0.01, 0.005)).toBe(true);
      if (k - 1 >= 1) expect(rejects(k - 1, n, 0.01, 0.005)).toBe(false);
      expect(k).toBeGreaterThanOrEqual(prev);
      if (n > 1 && prev <= n - 1) expect(k - prev).toBeLessThanOrEqual(1);
      prev = k;
    }
    // and computed by brute force from logEvidence
    const brute = (n: number) => {
      for (let k = 1; k <= n; k++) if (logEvidence(k, n, 0.5) >= Math.log(200)) return k;
      return n + 1;
    };
    for (const n of [1, 7, 8, 20, 100, 333]) expect(criticalCount(n, 0.5, 0.005)).toBe(brute(n));
  });
});

describe('confidence bounds from inverting the test', () => {
  it('the lower bound is rejected and nothing above it is, and the evidence falls as p0 rises', () => {
    for (const [k, n] of [
      [1, 1],
      [10, 10],
      [3, 7],
      [30, 1000],
      [500, 1000],
    ] as const) {
      const lb = rateLowerBound(k, n, 0.01);
      expect(lb).toBeGreaterThan(0);
      expect(lb).toBeLessThan(k / n + 1e-12);
      expect(logEvidence(k, n, lb)).toBeGreaterThanOrEqual(Math.log(100) - 1e-9);
      expect(logEvidence(k, n, Math.min(lb * 1.001 + 1e-12, k / n))).toBeLessThan(Math.log(100) + 1e-6);
      let last = Number.POSITIVE_INFINITY;
      for (let i = 1; i <= 50; i++) {
        const e = logEvidence(k, n, ((k / n) * i) / 50);
        expect(e).toBeLessThanOrEqual(last + 1e-9);
        last = e;
      }
    }
  });
  it('10 failures in 10 requests: at least 53.6% with 99% confidence, a true statement', () => {
    const lb = rateLowerBound(10, 10, 0.01);
    // the bound solves M(10, 10; p) = 100 with the closed form above
    const m = (p: number) => (1 - p ** 11) / (11 * (1 - p) * p ** 10);
    rel(m(lb), 100, 1e-6);
    expect(lb).toBeCloseTo(0.536, 3);
  });
  it('no failure: lower bound 0; upper bound mirrors the lower one', () => {
    expect(rateLowerBound(0, 100, 0.01)).toBe(0);
    rel(rateUpperBound(3, 100, 0.01), 1 - rateLowerBound(97, 100, 0.01));
    expect(rateUpperBound(0, 1000, 0.01)).toBeLessThan(0.01);
  });
});

describe('quantile bounds from order statistics', () => {
  const samples = ascending(Array.from({ length: 200 }, (_, i) => (i * 37) % 200));
  it('the lower bound of a quantile is the k*-th largest sample, the upper the j*-th smallest', () => {
    const k = criticalCount(200, 0.5, 0.01);
    expect(quantileLowerBound(samples, 0.5, 0.01)).toBe(samples[200 - k]);
    const j = criticalCount(200, 0.5, 0.01);
    expect(quantileUpperBound(samples, 0.5, 0.01)).toBe(samples[j - 1]);
    // a 99% statement about the median of 0..199 brackets 99.5
    expect(quantileLowerBound(samples, 0.5, 0.01)!).toBeLessThan(99.5);
    expect(quantileUpperBound(samples, 0.5, 0.01)!).toBeGreaterThan(99.5);
  });
  it('too few samples: no statement', () => {
    expect(quantileLowerBound([1, 2, 3], 0.5, 0.01)).toBeUndefined();
    expect(quantileUpperBound([1, 2, 3], 0.99, 0.01)).toBeUndefined();
  });
  it('a high quantile is bounded below quickly: 2 of 3 samples above m already say p99 > m at 99%', () => {
    // at p99 ≤ m, P(at least 2 of 3 above m) ≤ 3·0.01² ≈ 0.0003
    expect(quantileLowerBound([1, 2, 3], 0.99, 0.01)).toBe(2);
  });
});

describe('Hodges–Lehmann estimates', () => {
  it('one sample: Hollander & Wolfe Table 3.1 (Hamilton depression scale, x − y) gives 0.46', () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    expect(hodgesLehmannOneSample(x.map((v, i) => v - y[i]!))).toBeCloseTo(0.46, 10);
  });
  it('two samples: Hollander & Wolfe Table 4.1 (permeability) gives 0.305', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    expect(hodgesLehmannTwoSample(x, y)).toBeCloseTo(0.305, 10);
  });
  it('empty samples: undefined; large samples are thinned, not refused', () => {
    expect(hodgesLehmannOneSample([])).toBeUndefined();
    expect(hodgesLehmannTwoSample([1], [])).toBeUndefined();
    const big = Array.from({ length: 5000 }, (_, i) => 10 + (i % 7));
    expect(hodgesLehmannOneSample(big)).toBeCloseTo(13, 0);
  });
});
