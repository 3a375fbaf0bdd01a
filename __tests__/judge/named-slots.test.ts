// The judge with named slots (Lambda versions), the realised split beside the weight, and Lambda's
// error rate: (Errors + Throttles) / (Invocations + Throttles), said so in the reason.
import { describe, expect, it } from 'vitest';
import { judge } from '../../src/judge/thresholds.js';
import { limits, traffic } from './signal-builders.js';

const labels = { blue: 'version 7', green: 'version 8' };

/** A Lambda reading as the metrics check builds it: throttles folded into requests and errors. */
const lambda = (slot: 'blue' | 'green', invocations: number, errors: number, throttles: number) =>
  traffic(slot, invocations + throttles, errors + throttles, { source: 'lambda', throttles });

describe('judge: named slots', () => {
  it('names the target by its label in a failing error rate', () => {
    const v = judge([traffic('green', 200, 20)], limits(), 'green', { labels });
    expect(v.status).toBe('fail');
    expect(v.decisive).toBe('version 8 error rate 10% (20 of 200 requests, HAProxy) is above the 1% limit');
  });

  it('compare-to-stable names both versions', () => {
    const v = judge(
      [traffic('green', 1000, 80), traffic('blue', 9000, 9)],
      limits({ compareToStable: true, maxErrorRate: 50 }),
      'green',
      { labels, targetWeight: 10 },
    );
    expect(v.status).toBe('fail');
    expect(v.decisive).toMatch(/^version 8 error rate 8% is significantly above version 7's 0\.1% /);
  });

  it('without labels the slots keep their colours', () => {
    const v = judge([traffic('green', 10, 0)], limits(), 'green');
    expect(v.reason).toBe('only 10 requests on green, fewer than min-requests 20');
  });
});

describe('judge: realised share', () => {
  it('is the target part of both slots’ requests', () => {
    const v = judge([traffic('green', 82, 0), traffic('blue', 918, 0)], limits(), 'green');
    expect(v.measures.targetShare).toBeCloseTo(8.2, 10);
  });

  it('is absent when only one slot was measured or nothing flowed', () => {
    expect(judge([traffic('green', 82, 0)], limits(), 'green').measures.targetShare).toBeUndefined();
    expect(
      judge([traffic('green', 0, 0), traffic('blue', 0, 0)], limits(), 'green').measures.targetShare,
    ).toBeUndefined();
  });
});

describe('judge: Lambda error rate', () => {
  it('counts throttles as failed requests and says how the rate was made', () => {
    // 95 invocations with 1 error, 5 throttled: (1 + 5) / (95 + 5) = 6%
    const v = judge([lambda('green', 95, 1, 5)], limits({ maxErrorRate: 5 }), 'green', { labels });
    expect(v.status).toBe('fail');
    expect(v.decisive).toBe(
      'version 8 error rate 6% ((Errors 1 + Throttles 5) / (Invocations 95 + Throttles 5), Lambda) is above the 5% limit',
    );
    expect(v.measures).toMatchObject({ requests: 100, errors: 6, errorRate: 6, errorSource: 'lambda' });
  });

  it('a passing Lambda window says the same formula', () => {
    const v = judge([lambda('green', 400, 2, 0), lambda('blue', 3600, 0, 0)], limits(), 'green', { labels });
    expect(v.status).toBe('pass');
    expect(v.reason).toBe(
      'version 8 error rate 0.5% ((Errors 2 + Throttles 0) / (Invocations 400 + Throttles 0), Lambda) within 1%',
    );
    expect(v.measures.targetShare).toBe(10);
  });

  it('throttles alone fail a step: nothing was invoked, yet callers were refused', () => {
    const v = judge([lambda('green', 0, 0, 30)], limits(), 'green', { labels });
    expect(v.status).toBe('fail');
    expect(v.decisive).toMatch(
      /^version 8 error rate 100% \(\(Errors 0 \+ Throttles 30\) \/ \(Invocations 0 \+ Throttles 30\), Lambda\)/,
    );
  });
});
