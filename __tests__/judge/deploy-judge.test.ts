// The deploy's judge on hand-made readings: what decides, when, and the words it uses.
import { describe, expect, it } from 'vitest';
import { DeployJudge } from '../../src/judge/deploy-judge.js';
import type { JudgeSetup } from '../../src/judge/setup.js';
import type { Limits, Signal, TestId } from '../../src/judge/types.js';
import { rateLowerBound } from '../../src/judge/stats/bernoulli-mixture.js';
import { formatMeasures } from '../../src/report/progress.js';
import { formatPercentAbove, formatShiftAbove } from '../../src/judge/format-stats.js';
import { limits, probe, traffic } from './signal-builders.js';

function judgeWith(over: Partial<Limits> = {}, tests: TestId[] = ['error-limit'], realTraffic = true) {
  const setup: JudgeSetup = { limits: limits(over), target: 'green', tests, realTraffic };
  const j = new DeployJudge(setup);
  j.beginStep(5);
  return j;
}

describe('errors against the limit', () => {
  it('1 error in 7 requests against 1% is no rollback, and the reason gives the exact chance (6.8%)', () => {
    const j = judgeWith();
    expect(j.observe([traffic('green', 7, 1)])).toBeUndefined();
    const { verdict } = j.evaluate();
    expect(verdict.reason).toContain(
      'green error rate 14.3% (1 of 7 requests over the deploy, HAProxy) is above the 1% limit, not conclusively yet: at 1% exactly, 1 or more failures in 7 requests happen 6.8% of the time',
    );
    expect(verdict.reason).not.toMatch(/confidence/);
  });

  it('a version failing every request is rolled back at its second failed request, with a true bound', () => {
    const j = judgeWith();
    expect(j.observe([traffic('green', 1, 1)])).toBeUndefined();
    const d = j.observe([traffic('green', 1, 1)]);
    expect(d?.cause).toBe('verdict');
    const lower = rateLowerBound(2, 2, 0.01) * 100;
    expect(lower).toBeGreaterThan(1);
    expect(d?.reason).toBe(
      `green error rate 100% (2 of 2 requests over the deploy, HAProxy) is above the 1% limit: at least ${formatPercentAbove(lower, 1)} with 99% confidence (sequential test)`,
    );
  });

  it('the budget is split: with two tests each gets half of 1 − confidence, so evidence must be stronger', () => {
    // M(2, 2; 1%) = 3367: enough at α = 1/3000, not at α = 1/4000
    const one = judgeWith({ confidence: 1 - 1 / 3000 });
    one.observe([traffic('green', 2, 2)]);
    expect(one.decision).toBeDefined();
    const two = judgeWith({ confidence: 1 - 2 / 4000 }, ['error-limit', 'compare-errors']);
    two.observe([traffic('green', 2, 2)]);
    expect(two.decision).toBeUndefined();
  });

  it('the test runs over the whole deploy: evidence from step 1 carries into step 2', () => {
    const j = judgeWith({ maxErrorRate: 2 });
    for (let i = 0; i < 5; i++) j.observe([traffic('green', 100, 3)]);
    expect(j.decision).toBeUndefined();
    expect(j.endOfStep(1).status).toBe('pass');
    j.beginStep(25);
    let decided = false;
    for (let i = 0; i < 20 && !decided; i++) decided = j.observe([traffic('green', 100, 6)]) !== undefined;
    expect(decided).toBe(true);
    expect(j.decision?.reason).toMatch(/of \d+ requests over the deploy/);
  });

  it('healthy traffic under the limit never fails, and a step with min-requests passes', () => {
    const j = judgeWith();
    for (let i = 0; i < 200; i++)
      expect(j.observe([traffic('green', 50, i % 10 === 0 ? 1 : 0)])).toBeUndefined();
    expect(j.endOfStep(1)).toMatchObject({ status: 'pass' });
    expect(j.endOfStep(1).reason).toMatch(/^10000 requests on green in step 1 \(min-requests 20\)/);
  });
});

describe('the end of a step', () => {
  it('fewer than min-requests over the whole step is inconclusive, never failed', () => {
    const j = judgeWith({ minRequests: 100 });
    for (let i = 0; i < 9; i++) j.observe([traffic('green', 10, 0)]);
    const v = j.endOfStep(1);
    expect(v.status).toBe('inconclusive');
    expect(v.decisive).toBe('only 90 requests on green in step 1, fewer than min-requests 100');
    j.observe([traffic('green', 10, 0)]);
    expect(j.endOfStep(1).status).toBe('pass');
  });

  it('a rate above the limit that is not conclusive does not hold the step back: the burden of proof is on rolling back', () => {
    const j = judgeWith();
    j.observe([traffic('green', 30, 1)]);
    expect(j.endOfStep(1).status).toBe('pass');
  });
});

describe('blast-radius budget', () => {
  it('more failed requests than max-failed-requests roll back at once, whatever the statistics', () => {
    const j = judgeWith({ maxFailedRequests: 3, maxErrorRate: 100 });
    expect(j.observe([traffic('green', 1000, 3)])).toBeUndefined();
    const d = j.observe([traffic('green', 10, 1)]);
    expect(d?.reason).toBe(
      'green served 4 failed requests during the deploy (HAProxy), more than max-failed-requests 3 (a budget, not a statistical test)',
    );
  });

  it('on per-minute sources it says how fresh the count is', () => {
    const j = judgeWith({ maxFailedRequests: 0, maxErrorRate: 100 });
    const d = j.observe([
      traffic('green', 100, 1, { source: 'alb', dataUpTo: Date.UTC(2026, 10, 22, 12, 3) }),
    ]);
    expect(d?.reason).toMatch(/ALB reports per minute, data up to 12:03:00 UTC/);
  });
});

describe('non-statistical rules: failure-threshold per source, in a row', () => {
  const url = 'http://127.0.0.1/health';
  it('a probe URL fails the deploy after failure-threshold failed probes in a row, and says so', () => {
    const j = judgeWith({}, [], false);
    j.observe([probe({ url, ok: false, status: 503, error: 'status 503 not in 200-299' })]);
    const first = j.evaluate();
    expect(first.decision).toBeUndefined();
    expect(first.verdict.reason).toContain('(1 of failure-threshold 2)');
    j.observe([probe({ url, ok: false, status: 503, error: 'status 503 not in 200-299' })]);
    const second = j.evaluate();
    expect(second.decision?.reason).toBe(
      `probe ${url} failed: status 503 not in 200-299, 2 probes in a row (failure-threshold 2)`,
    );
  });

  it('failures of different URLs are not "in a row"', () => {
    const j = judgeWith({}, [], false);
    j.observe([probe({ url: `${url}/a`, ok: false }), probe({ url: `${url}/b`, ok: true })]);
    j.evaluate();
    j.observe([probe({ url: `${url}/a`, ok: true }), probe({ url: `${url}/b`, ok: false })]);
    expect(j.evaluate().decision).toBeUndefined();
  });

  it('failure-threshold 1: one failed probe decides, and the reason does not claim a row', () => {
    const j = judgeWith({ failureThreshold: 1 }, [], false);
    j.observe([probe({ url, ok: false, error: 'connection refused' })]);
    expect(j.evaluate().decision?.reason).toBe(
      `probe ${url} failed: connection refused (failure-threshold 1)`,
    );
  });

  it('a probe of the live slot (a paired latency sample) never fails the new version', () => {
    const j = judgeWith({ failureThreshold: 1 }, [], false);
    j.observe([probe({ url, ok: false, via: 'slot', slot: 'blue', pair: 1 })]);
    expect(j.evaluate().decision).toBeUndefined();
  });

  it('monitoring faults alone stop the deploy as a fault, not a verdict', () => {
    const j = judgeWith({}, [], false);
    const fault: Signal = {
      kind: 'fault',
      at: 0,
      source: 'haproxy-stats',
      message: 'check haproxy-stats could not run: ECONNREFUSED',
    };
    j.observe([fault], ['haproxy-stats']);
    j.evaluate();
    j.observe([fault], ['haproxy-stats']);
    expect(j.evaluate().decision).toMatchObject({ cause: 'fault' });
  });
});

describe('compare-to-stable', () => {
  it('errors: a new slot clearly worse than the live one beyond the tolerance is rolled back, with both slots and the bound', () => {
    const j = judgeWith({ compareToStable: true, maxErrorRate: 100 }, ['error-limit', 'compare-errors']);
    let d;
    for (let i = 0; i < 50 && !d; i++) d = j.observe([traffic('green', 50, 3), traffic('blue', 950, 5)]);
    expect(d?.reason).toMatch(
      /^green error rate 6% \(\d+ of \d+\) vs blue 0\.5% \(\d+ of \d+\) at the same time: \+5\.5 points, at least \+\d\.\d points with 99% confidence, above the 0\.5-point tolerance \(max-error-rate-increase\)$/,
    );
  });

  it('errors: a degraded live slot never makes a bad new version pass: the fixed limit still applies', () => {
    const j = judgeWith({ compareToStable: true }, ['error-limit', 'compare-errors']);
    let d;
    for (let i = 0; i < 200 && !d; i++) d = j.observe([traffic('green', 50, 2), traffic('blue', 950, 38)]);
    expect(d?.reason).toMatch(/^green error rate 4% .* is above the 1% limit/);
  });

  it('latency: paired probes 30% slower are rolled back with the estimate and its bound', () => {
    const j = judgeWith({ compareToStable: true }, ['compare-latency']);
    let d;
    for (let i = 0; i < 100 && !d; i++) {
      const jitter = (i % 5) - 2;
      d = j.observe([
        probe({ via: 'slot', slot: 'green', pair: i, latencyMs: 65 + jitter }),
        probe({ via: 'slot', slot: 'blue', pair: i, latencyMs: 50 + jitter }),
      ]);
    }
    expect(d?.reason).toMatch(
      /^green p50 65ms vs blue 50ms \(\+30%, at least \+2\d% with 99% confidence\) exceeds the 20% tolerance \(max-latency-increase\); \d+ paired probes$/,
    );
  });

  it('latency: HAProxy averages only support a fixed comparison, and the reason says so', () => {
    const j = judgeWith({ compareToStable: true, maxErrorRate: 100 }, []);
    j.observe([
      traffic('green', 20, 0, { meanLatencyMs: 66 }),
      traffic('blue', 380, 0, { meanLatencyMs: 51 }),
    ]);
    const v = j.evaluate().verdict;
    expect(v.reason).toContain(
      "green mean 66ms vs blue 51ms (HAProxy, +29%) exceeds the 20% tolerance (max-latency-increase; a fixed comparison of HAProxy's rolling averages, no confidence stated)",
    );
    expect(v.reason).not.toMatch(/with 99% confidence/);
  });
});

describe('bounds read above the limit they cleared', () => {
  it('a lower bound of 1.04% against a 1% limit reads 1.04%, not 1%', () => {
    expect(formatPercentAbove(1.0412, 1)).toBe('1.04%');
    expect(formatPercentAbove(6.02, 1)).toBe('6%');
    const pct = { kind: 'percent', value: 20, text: '20%' } as const;
    expect(formatShiftAbove(0.203, pct)).toBe('+20.3%');
    expect(formatShiftAbove(0.29, pct)).toBe('+29%');
    expect(formatShiftAbove(25.4, { kind: 'ms', value: 25, text: '25ms' })).toBe('+25.4ms');
  });

  it('latency in the first fifth of the first step is warm-up: a slow start is not judged', () => {
    const j = new DeployJudge({
      limits: limits({ compareToStable: true }),
      target: 'green',
      tests: ['compare-latency'],
      realTraffic: true,
    });
    j.beginStep(5, {}, { startedAt: 0, holdMs: 100_000 });
    for (let i = 0; i < 40; i++) {
      const at = i * 500; // 0 … 19.5 s: all inside the first 20 s
      expect(
        j.observe([
          probe({ at, via: 'slot', slot: 'green', pair: i, latencyMs: 90 }),
          probe({ at, via: 'slot', slot: 'blue', pair: i, latencyMs: 50 }),
        ]),
      ).toBeUndefined();
    }
    let d;
    for (let i = 40; i < 80 && !d; i++) {
      const at = 20_000 + i * 500;
      d = j.observe([
        probe({ at, via: 'slot', slot: 'green', pair: i, latencyMs: 90 }),
        probe({ at, via: 'slot', slot: 'blue', pair: i, latencyMs: 50 }),
      ]);
    }
    // a slowness that lasts past the warm-up is judged
    expect(d?.reason).toMatch(/^green p50 90ms vs blue 50ms \(\+80%/);
  });
});

describe('measures for the log line', () => {
  it('late sources say how fresh the data was', () => {
    const j = judgeWith();
    j.observe([traffic('green', 100, 0, { source: 'alb', dataUpTo: Date.UTC(2026, 10, 22, 12, 2) })]);
    j.observe([traffic('green', 100, 0, { source: 'alb', dataUpTo: Date.UTC(2026, 10, 22, 12, 3) })]);
    const v = j.evaluate().verdict;
    expect(v.measures.dataUpTo).toBe(Date.UTC(2026, 10, 22, 12, 3));
    expect(formatMeasures(v.measures).join(' · ')).toContain('metrics up to 12:03:00');
  });
  it('HAProxy says nothing about freshness; the step counts are the step’s', () => {
    const j = judgeWith();
    j.observe([traffic('green', 50, 0)]);
    const v = j.evaluate().verdict;
    expect(v.measures).toMatchObject({ requests: 50, errors: 0, errorSource: 'haproxy' });
    expect(v.measures.dataUpTo).toBeUndefined();
  });
});
