// The judge with named slots (Lambda versions), the realised split beside the weight, and Lambda's
// error rate: (Errors + Throttles) / (Invocations + Throttles), said so in the reason.
import { describe, expect, it } from 'vitest';
import { DeployJudge } from '../../src/judge/deploy-judge.js';
import type { Limits, TestId } from '../../src/judge/types.js';
import { limits, traffic } from './signal-builders.js';

const labels = { blue: 'version 7', green: 'version 8' };

/** A Lambda reading as the metrics check builds it: throttles folded into requests and errors. */
const lambda = (slot: 'blue' | 'green', invocations: number, errors: number, throttles: number) =>
  traffic(slot, invocations + throttles, errors + throttles, { source: 'lambda', throttles });

function judgeWith(over: Partial<Limits> = {}, tests: TestId[] = ['error-limit'], named = true) {
  const j = new DeployJudge({ limits: limits(over), target: 'green', tests, realTraffic: true });
  j.beginStep(10, named ? labels : {});
  return j;
}

describe('judge: named slots', () => {
  it('names the target by its label in a failing error rate', () => {
    const d = judgeWith().observe([traffic('green', 200, 20)]);
    expect(d?.reason).toMatch(
      /^version 8 error rate 10% \(20 of 200 requests over the deploy, HAProxy\) is above the 1% limit: at least [\d.]+% with 99% confidence/,
    );
  });

  it('compare-to-stable names both versions', () => {
    const j = judgeWith({ compareToStable: true, maxErrorRate: 50 }, ['compare-errors']);
    const d = j.observe([traffic('green', 1000, 80), traffic('blue', 9000, 9)]);
    expect(d?.reason).toMatch(
      /^version 8 error rate 8% \(80 of 1000\) vs version 7 0\.1% \(9 of 9000\) at the same time/,
    );
  });

  it('without labels the slots keep their colours', () => {
    const j = judgeWith({}, ['error-limit'], false);
    j.observe([traffic('green', 10, 0)]);
    expect(j.endOfStep(1).reason).toMatch(/^only 10 requests on green in step 1, fewer than min-requests 20/);
  });
});

describe('judge: realised share', () => {
  it('is the target part of both slots’ requests in the evaluation', () => {
    const j = judgeWith();
    j.observe([traffic('green', 82, 0), traffic('blue', 918, 0)]);
    expect(j.evaluate().verdict.measures.targetShare).toBeCloseTo(8.2, 10);
  });

  it('is the step’s so far: a window with no new minute keeps it, the step verdict carries it, a new step starts over', () => {
    const j = judgeWith();
    j.observe([traffic('green', 50, 0), traffic('blue', 950, 0)]);
    j.evaluate();
    j.observe([traffic('green', 150, 0), traffic('blue', 850, 0)]);
    expect(j.evaluate().verdict.measures.targetShare).toBeCloseTo(10, 10);
    // a late source with nothing new this time
    j.observe([traffic('green', 0, 0), traffic('blue', 0, 0)]);
    expect(j.evaluate().verdict.measures.targetShare).toBeCloseTo(10, 10);
    expect(j.endOfStep(1).measures.targetShare).toBeCloseTo(10, 10);
    j.beginStep(50, labels);
    j.observe([traffic('green', 480, 0), traffic('blue', 520, 0)]);
    expect(j.evaluate().verdict.measures.targetShare).toBeCloseTo(48, 10);
  });

  it('is absent when only one slot was measured or nothing flowed', () => {
    const a = judgeWith();
    a.observe([traffic('green', 82, 0)]);
    expect(a.evaluate().verdict.measures.targetShare).toBeUndefined();
    const b = judgeWith();
    b.observe([traffic('green', 0, 0), traffic('blue', 0, 0)]);
    expect(b.evaluate().verdict.measures.targetShare).toBeUndefined();
  });
});

describe('judge: Lambda error rate', () => {
  it('counts throttles as failed requests and says how the rate was made', () => {
    // 95 invocations with 1 error, 5 throttled: (1 + 5) / (95 + 5) = 6%
    const d = judgeWith({ maxErrorRate: 0.1 }).observe([lambda('green', 95, 1, 5)]);
    expect(d?.reason).toMatch(
      /^version 8 error rate 6% \(\(Errors 1 \+ Throttles 5\) \/ \(Invocations 95 \+ Throttles 5\) over the deploy, Lambda\) is above the 0.1% limit: at least [\d.]+% with 99% confidence \(sequential test\)$/,
    );
    expect(d?.verdict.measures).toMatchObject({
      requests: 100,
      errors: 6,
      errorRate: 6,
      errorSource: 'lambda',
    });
  });

  it('a passing Lambda window says the same formula', () => {
    const j = judgeWith();
    j.observe([lambda('green', 400, 2, 0), lambda('blue', 3600, 0, 0)]);
    const v = j.evaluate().verdict;
    expect(v.reason).toContain(
      'version 8 error rate 0.5% ((Errors 2 + Throttles 0) / (Invocations 400 + Throttles 0) over the deploy, Lambda) within 1%',
    );
    expect(v.measures.targetShare).toBe(10);
  });

  it('throttles alone fail: nothing was invoked, yet callers were refused', () => {
    const d = judgeWith().observe([lambda('green', 0, 0, 30)]);
    expect(d?.reason).toMatch(
      /^version 8 error rate 100% \(\(Errors 0 \+ Throttles 30\) \/ \(Invocations 0 \+ Throttles 30\) over the deploy, Lambda\)/,
    );
  });
});
