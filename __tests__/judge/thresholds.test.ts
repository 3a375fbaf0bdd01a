// Table tests for the judge: each criterion's pass / fail / inconclusive, the padding rule, reason order.
import { describe, expect, it } from 'vitest';
import { judge } from '../../src/judge/thresholds.js';
import type { Limits, Signal, VerdictStatus } from '../../src/judge/types.js';
import { alarm, command, failedProbe, limits, probe, probes, targets, traffic } from './signal-builders.js';

const p99 = (maxMs: number, text: string): Limits['maxLatency'] => ({ percentile: 99, maxMs, text });

interface Row {
  name: string;
  signals: Signal[];
  limits?: Partial<Limits>;
  status: VerdictStatus;
  reason: string;
}

function table(rows: Row[]) {
  it.each(rows)('$name', ({ signals, limits: over, status, reason }) => {
    const v = judge(signals, limits(over), 'green');
    expect(v.reason).toBe(reason);
    expect(v.status).toBe(status);
  });
}

describe('a. real-traffic error rate', () => {
  table([
    {
      name: 'fails above the limit',
      signals: [traffic('green', 250, 12)],
      status: 'fail',
      reason: 'green error rate 4.8% (12 of 250 requests, HAProxy) is above the 1% limit',
    },
    {
      name: 'passes below the limit',
      signals: [traffic('green', 480, 1)],
      status: 'pass',
      reason: 'green error rate 0.2% (1 of 480, HAProxy) within 1%',
    },
    {
      name: 'passes exactly at the limit',
      signals: [traffic('green', 200, 2)],
      status: 'pass',
      reason: 'green error rate 1% (2 of 200, HAProxy) within 1%',
    },
    {
      name: 'passes exactly at a limit that is not a round float',
      signals: [traffic('green', 700, 7)],
      limits: { maxErrorRate: 1 },
      status: 'pass',
      reason: 'green error rate 1% (7 of 700, HAProxy) within 1%',
    },
    {
      name: 'sums every reading of the target slot in the window',
      signals: [traffic('green', 100, 1), traffic('green', 150, 11)],
      status: 'fail',
      reason: 'green error rate 4.8% (12 of 250 requests, HAProxy) is above the 1% limit',
    },
    {
      name: 'ignores the other slot',
      signals: [traffic('blue', 100, 50), traffic('green', 100, 0)],
      status: 'pass',
      reason: 'green error rate 0% (0 of 100, HAProxy) within 1%',
    },
    {
      name: 'names ALB as the source',
      signals: [traffic('green', 1000, 30, { source: 'alb' })],
      status: 'fail',
      reason: 'green error rate 3% (30 of 1000 requests, ALB) is above the 1% limit',
    },
    {
      name: 'is inconclusive below min-requests when successes could still save it',
      signals: [traffic('green', 7, 0)],
      status: 'inconclusive',
      reason: 'only 7 requests on green, fewer than min-requests 20',
    },
    {
      name: 'fails below min-requests when even padding with successes stays above the limit',
      signals: [traffic('green', 10, 4)],
      status: 'fail',
      reason:
        'green error rate 40% (4 of 10 requests, HAProxy) is above the 1% limit, and would be even if the 10 requests missing to min-requests 20 all succeeded',
    },
    {
      name: 'padding exactly to the limit stays inconclusive',
      signals: [traffic('green', 7, 2)],
      limits: { maxErrorRate: 10 },
      status: 'inconclusive',
      reason: 'only 7 requests on green, fewer than min-requests 20',
    },
    {
      name: 'padding just above the limit fails',
      signals: [traffic('green', 7, 3)],
      limits: { maxErrorRate: 10 },
      status: 'fail',
      reason:
        'green error rate 42.9% (3 of 7 requests, HAProxy) is above the 10% limit, and would be even if the 13 requests missing to min-requests 20 all succeeded',
    },
    {
      name: 'zero requests is inconclusive',
      signals: [traffic('green', 0, 0)],
      status: 'inconclusive',
      reason: 'only 0 requests on green, fewer than min-requests 20',
    },
    {
      name: 'min-requests 0 accepts an idle window',
      signals: [traffic('green', 0, 0)],
      limits: { minRequests: 0 },
      status: 'pass',
      reason: 'green error rate 0% (0 of 0, HAProxy) within 1%',
    },
    {
      name: 'shows tiny rates without rounding them to zero',
      signals: [traffic('green', 50_000, 10)],
      limits: { maxErrorRate: 0.01 },
      status: 'fail',
      reason: 'green error rate 0.02% (10 of 50000 requests, HAProxy) is above the 0.01% limit',
    },
  ]);

  it('fills the measures', () => {
    const v = judge([traffic('green', 250, 12), probe()], limits(), 'green');
    expect(v.measures).toMatchObject({ requests: 250, errors: 12, errorRate: 4.8, errorSource: 'haproxy' });
  });
});

describe('b. probes', () => {
  table([
    {
      name: 'all ok passes',
      signals: probes(14),
      status: 'pass',
      reason: '14/14 probes ok',
    },
    {
      name: 'one failure of 14 is above 1% and quotes the first failure',
      signals: [
        ...probes(13),
        failedProbe(),
        failedProbe({ url: 'http://other/', error: 'connection refused' }),
      ],
      status: 'fail',
      reason:
        '2 of 15 probes failed (13.3%), above the 1% limit, first http://app.test/health: status 503 not in 200-299',
    },
    {
      name: 'failures within a generous limit pass and say so',
      signals: [...probes(13), failedProbe()],
      limits: { maxErrorRate: 10 },
      status: 'pass',
      reason: '13/14 probes ok (1 failed, within 10%)',
    },
    {
      name: 'a single failing probe fails: probes need no min-requests',
      signals: [failedProbe({ error: 'timed out after 3s', status: undefined })],
      status: 'fail',
      reason:
        '1 of 1 probes failed (100%), above the 1% limit, first http://app.test/health: timed out after 3s',
    },
  ]);

  it('reports the probe failure rate as the error rate when there is no traffic signal', () => {
    const v = judge([...probes(3), failedProbe()], limits(), 'green');
    expect(v.measures).toMatchObject({
      requests: 4,
      errors: 1,
      errorRate: 25,
      errorSource: 'probes',
      probesOk: 3,
      probesFailed: 1,
    });
  });

  it('keeps the traffic error rate when there is one', () => {
    const v = judge([traffic('green', 100, 0), failedProbe()], limits(), 'green');
    expect(v.measures).toMatchObject({ requests: 100, errors: 0, errorSource: 'haproxy', probesFailed: 1 });
  });
});

describe('c. latency', () => {
  const maxLatency = p99(200, 'p99<200ms');
  table([
    {
      name: 'prefers the target traffic percentile (ALB)',
      signals: [
        traffic('green', 100, 0, { source: 'alb', latencyPercentilesMs: { 99: 350 }, meanLatencyMs: 10 }),
        probe({ via: 'slot', latencyMs: 5 }),
      ],
      limits: { maxLatency },
      status: 'fail',
      reason:
        'green p99 350ms (ALB) is above the p99<200ms limit; green error rate 0% (0 of 100, ALB) within 1%; 1/1 probes ok',
    },
    {
      name: 'then the slot probes, nearest rank',
      signals: [
        ...probes(9, { via: 'slot', latencyMs: 100 }),
        probe({ via: 'slot', latencyMs: 612 }),
        traffic('green', 100, 0, { meanLatencyMs: 10 }),
        traffic('blue', 100, 0, { source: 'alb', latencyPercentilesMs: { 99: 999 } }),
      ],
      limits: { maxLatency },
      status: 'fail',
      reason:
        'green p99 612ms (slot probes) is above the p99<200ms limit; green error rate 0% (0 of 100, HAProxy) within 1%; 10/10 probes ok',
    },
    {
      name: 'then the HAProxy mean, said as a mean',
      signals: [traffic('green', 100, 0, { meanLatencyMs: 240.4 }), probe({ latencyMs: 5 })],
      limits: { maxLatency },
      status: 'fail',
      reason:
        'green mean 240ms (HAProxy) is above the p99<200ms limit; green error rate 0% (0 of 100, HAProxy) within 1%; 1/1 probes ok',
    },
    {
      name: 'then the service probes',
      signals: [...probes(4, { latencyMs: 180 })],
      limits: { maxLatency: p99(2000, 'p99<2s') },
      status: 'pass',
      reason: '4/4 probes ok; p99 180ms (service probes) within 2s',
    },
    {
      name: 'ignores failed probes: a fast 503 does not lower the percentile',
      signals: [
        probe({ via: 'slot', latencyMs: 300 }),
        ...Array.from({ length: 5 }, () => failedProbe({ via: 'slot', latencyMs: 1 })),
      ],
      limits: { maxLatency, maxErrorRate: 100 },
      status: 'fail',
      reason:
        'green p99 300ms (slot probes) is above the p99<200ms limit; 1/6 probes ok (5 failed, within 100%)',
    },
    {
      name: 'exactly at the limit passes',
      signals: [traffic('green', 100, 0, { meanLatencyMs: 200 })],
      limits: { maxLatency },
      status: 'pass',
      reason: 'green error rate 0% (0 of 100, HAProxy) within 1%; mean 200ms (HAProxy) within 200ms',
    },
    {
      name: 'no latency source is inconclusive',
      signals: [traffic('green', 100, 0)],
      limits: { maxLatency },
      status: 'inconclusive',
      reason:
        'no latency data for green to check p99<200ms; green error rate 0% (0 of 100, HAProxy) within 1%',
    },
    {
      name: 'uses the percentile the limit names',
      signals: [traffic('green', 100, 0, { source: 'alb', latencyPercentilesMs: { 95: 150, 99: 900 } })],
      limits: { maxLatency: { percentile: 95, maxMs: 500, text: 'p95<500ms' } },
      status: 'pass',
      reason: 'green error rate 0% (0 of 100, ALB) within 1%; p95 150ms (ALB) within 500ms',
    },
  ]);

  it('fills latency measures', () => {
    const v = judge(
      probes(3, { via: 'slot', latencyMs: 42 }),
      limits({ maxLatency: p99(100, 'p99<100ms') }),
      'green',
    );
    expect(v.measures).toMatchObject({ latencyMs: 42, latencyLabel: 'p99 (slot probes)' });
  });

  it('takes the worst reading of a window', () => {
    const v = judge(
      [traffic('green', 50, 0, { meanLatencyMs: 90 }), traffic('green', 50, 0, { meanLatencyMs: 310 })],
      limits({ maxLatency: p99(300, 'p99<300ms') }),
      'green',
    );
    expect(v.status).toBe('fail');
    expect(v.measures.latencyMs).toBe(310);
  });
});

describe('d. alarms', () => {
  table([
    {
      name: 'an alarm in ALARM fails with its reason',
      signals: [
        alarm('api-5xx', 'ALARM', { reason: 'Threshold Crossed: 1 datapoint [12.0] was greater than 5.0' }),
        alarm('cpu', 'OK'),
      ],
      status: 'fail',
      reason: 'alarm api-5xx (Threshold Crossed: 1 datapoint [12.0] was greater than 5.0) is in ALARM',
    },
    {
      name: 'several alarms in ALARM are all named',
      signals: [alarm('api-5xx', 'ALARM'), alarm('latency', 'ALARM', { reason: 'too slow' })],
      status: 'fail',
      reason: 'alarms api-5xx, latency (too slow) are in ALARM',
    },
    {
      name: 'ALARM earlier in the window still fails',
      signals: [alarm('api-5xx', 'ALARM', { at: 1 }), alarm('api-5xx', 'OK', { at: 2 })],
      status: 'fail',
      reason: 'alarm api-5xx is in ALARM',
    },
    {
      name: 'INSUFFICIENT_DATA is inconclusive',
      signals: [alarm('api-5xx', 'INSUFFICIENT_DATA'), alarm('cpu', 'OK')],
      status: 'inconclusive',
      reason: 'alarm api-5xx has INSUFFICIENT_DATA',
    },
    {
      name: 'INSUFFICIENT_DATA that became OK passes',
      signals: [alarm('api-5xx', 'INSUFFICIENT_DATA', { at: 1 }), alarm('api-5xx', 'OK', { at: 2 })],
      status: 'pass',
      reason: 'alarm api-5xx OK',
    },
    {
      name: 'OK alarms pass',
      signals: [alarm('a', 'OK'), alarm('b', 'OK')],
      status: 'pass',
      reason: '2 alarms OK',
    },
  ]);

  it('truncates a long alarm reason', () => {
    const v = judge([alarm('x', 'ALARM', { reason: 'y'.repeat(500) })], limits(), 'green');
    expect(v.reason.length).toBeLessThan(200);
    expect(v.reason).toContain('…');
  });
});

describe('e. targets', () => {
  table([
    {
      name: 'unhealthy targets above the limit fail with their reasons',
      signals: [targets('green', 4, 2, ['Target.ResponseCodeMismatch', 'Target.ResponseCodeMismatch'])],
      status: 'fail',
      reason: '2 of 4 green targets unhealthy (Target.ResponseCodeMismatch), above max-unhealthy-targets 0',
    },
    {
      name: 'unhealthy targets within the limit pass',
      signals: [targets('green', 4, 1, ['Target.Timeout'])],
      limits: { maxUnhealthyTargets: 1 },
      status: 'pass',
      reason: '3/4 green targets healthy (1 unhealthy, within max-unhealthy-targets 1)',
    },
    {
      name: 'the other slot does not count',
      signals: [targets('blue', 4, 4, ['Target.Timeout']), targets('green', 2, 0)],
      status: 'pass',
      reason: '2/2 green targets healthy',
    },
    {
      name: 'the latest reading counts',
      signals: [targets('green', 2, 0, [], 5), targets('green', 2, 2, ['Elb.InitialHealthChecking'], 1)],
      status: 'pass',
      reason: '2/2 green targets healthy',
    },
    {
      name: 'an empty slot fails',
      signals: [targets('green', 0, 0)],
      status: 'fail',
      reason: 'green has no registered targets',
    },
  ]);
});

describe('f. check command', () => {
  table([
    {
      name: 'non-zero exit fails with the last non-empty output line',
      signals: [command(0), command(2, 'checking...\nerror: db down\n\n  \n')],
      status: 'fail',
      reason: 'check command exited 2: error: db down',
    },
    {
      name: 'non-zero exit without output',
      signals: [command(1, '')],
      status: 'fail',
      reason: 'check command exited 1 with no output',
    },
    {
      name: 'exit 0 passes',
      signals: [command(0, 'fine')],
      status: 'pass',
      reason: 'check command ok',
    },
  ]);
});

describe('g. compare-to-stable', () => {
  table([
    {
      name: 'fails when green is significantly and materially worse than blue',
      signals: [traffic('green', 1000, 8), traffic('blue', 1000, 1)],
      limits: { compareToStable: true },
      status: 'fail',
      reason:
        "green error rate 0.8% is significantly above blue's 0.1% (z 2.34 > 1.645, 0.7 points > the 0.5 allowed); green error rate 0.8% (8 of 1000, HAProxy) within 1%",
    },
    {
      name: 'is skipped when off',
      signals: [traffic('green', 1000, 8), traffic('blue', 1000, 1)],
      status: 'pass',
      reason: 'green error rate 0.8% (8 of 1000, HAProxy) within 1%',
    },
    {
      name: 'is inconclusive when the stable side is short of min-requests',
      signals: [traffic('green', 1000, 0), traffic('blue', 5, 0)],
      limits: { compareToStable: true },
      status: 'inconclusive',
      reason:
        'only 5 requests on blue, fewer than min-requests 20 to compare green with blue; green error rate 0% (0 of 1000, HAProxy) within 1%',
    },
    {
      name: 'needs traffic on both slots',
      signals: [traffic('green', 1000, 0)],
      limits: { compareToStable: true },
      status: 'pass',
      reason: 'green error rate 0% (0 of 1000, HAProxy) within 1%',
    },
  ]);

  it('reports the stable error rate', () => {
    const v = judge(
      [traffic('green', 1000, 8), traffic('blue', 1000, 1)],
      limits({ compareToStable: true }),
      'green',
    );
    expect(v.measures.stableErrorRate).toBeCloseTo(0.1);
  });

  it('judges blue against green when blue is the target', () => {
    const v = judge(
      [traffic('blue', 1000, 80), traffic('green', 1000, 1)],
      limits({ compareToStable: true, maxErrorRate: 50 }),
      'blue',
    );
    expect(v.status).toBe('fail');
    expect(v.reason).toMatch(/^blue error rate 8% is significantly above green's 0.1%/);
  });
});

describe('the verdict', () => {
  it('is inconclusive with no signals at all', () => {
    const v = judge([], limits(), 'green');
    expect(v).toEqual({
      status: 'inconclusive',
      reason: 'no data: nothing was measured in this window',
      measures: {},
    });
  });

  it('is inconclusive when nothing is about the target slot', () => {
    const v = judge([traffic('blue', 100, 0), targets('blue', 2, 0)], limits(), 'green');
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toBe('no data about green in this window');
  });

  it('puts failing clauses first, then inconclusive, then passing, each group in criteria order', () => {
    const v = judge(
      [
        ...probes(14),
        traffic('green', 250, 12),
        alarm('cpu', 'INSUFFICIENT_DATA'),
        targets('green', 3, 0),
        command(3, 'boom'),
      ],
      limits({ maxLatency: p99(2000, 'p99<2s') }),
      'green',
    );
    expect(v.status).toBe('fail');
    expect(v.reason).toBe(
      [
        'green error rate 4.8% (12 of 250 requests, HAProxy) is above the 1% limit',
        'check command exited 3: boom',
        'alarm cpu has INSUFFICIENT_DATA',
        '14/14 probes ok',
        'p99 20ms (service probes) within 2s',
        '3/3 green targets healthy',
      ].join('; '),
    );
  });

  it('passes with every clause when all pass', () => {
    const v = judge(
      [traffic('green', 480, 1), ...probes(14, { via: 'slot', latencyMs: 180 })],
      limits({ maxLatency: p99(2000, 'p99<2s') }),
      'green',
    );
    expect(v.status).toBe('pass');
    expect(v.reason).toBe(
      'green error rate 0.2% (1 of 480, HAProxy) within 1%; 14/14 probes ok; p99 180ms (slot probes) within 2s',
    );
  });

  it('an inconclusive criterion keeps an otherwise passing verdict inconclusive', () => {
    const v = judge([traffic('green', 7, 0), ...probes(3)], limits(), 'green');
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toBe('only 7 requests on green, fewer than min-requests 20; 3/3 probes ok');
  });
});
