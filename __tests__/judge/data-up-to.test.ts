import { describe, expect, it } from 'vitest';
import { judge } from '../../src/judge/thresholds.js';
import { formatMeasures } from '../../src/report/progress.js';

const limits = { maxErrorRate: 1, minRequests: 0, compareToStable: false, maxUnhealthyTargets: 0 };

describe('freshness of late metrics', () => {
  it('the verdict says how fresh CloudWatch data was, and the log line shows it', () => {
    const at = Date.UTC(2026, 10, 22, 12, 5, 0);
    const v = judge(
      [
        {
          kind: 'traffic',
          at,
          slot: 'green',
          source: 'alb',
          requests: 100,
          errors5xx: 0,
          dataUpTo: Date.UTC(2026, 10, 22, 12, 2, 0),
        },
        {
          kind: 'traffic',
          at,
          slot: 'green',
          source: 'alb',
          requests: 100,
          errors5xx: 0,
          dataUpTo: Date.UTC(2026, 10, 22, 12, 3, 0),
        },
      ],
      limits,
      'green',
    );
    expect(v.measures.dataUpTo).toBe(Date.UTC(2026, 10, 22, 12, 3, 0));
    expect(formatMeasures(v.measures).join(' · ')).toContain('metrics up to 12:03:00');
  });

  it('sources without lag (HAProxy) say nothing about freshness', () => {
    const v = judge(
      [{ kind: 'traffic', at: 0, slot: 'green', source: 'haproxy', requests: 50, errors5xx: 0 }],
      limits,
      'green',
    );
    expect(v.measures.dataUpTo).toBeUndefined();
  });
});

describe('decisive clauses', () => {
  it('a failing verdict names only the failing clauses in decisive; the reason keeps the context', () => {
    const v = judge(
      [
        { kind: 'traffic', at: 0, slot: 'green', source: 'haproxy', requests: 100, errors5xx: 25 },
        {
          kind: 'probe',
          at: 0,
          url: 'http://127.0.0.1/health',
          via: 'service',
          ok: true,
          status: 200,
          latencyMs: 3,
        },
      ],
      limits,
      'green',
    );
    expect(v.status).toBe('fail');
    expect(v.decisive).toBe('green error rate 25% (25 of 100 requests, HAProxy) is above the 1% limit');
    expect(v.reason).toContain('probes ok');
  });
});
