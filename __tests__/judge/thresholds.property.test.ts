// Properties of the judge over generated windows of signals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Slot } from '../../src/config/types.js';
import { formatLimitPercent } from '../../src/judge/format.js';
import { judge } from '../../src/judge/thresholds.js';
import type { Limits, Signal } from '../../src/judge/types.js';

const slot = fc.constantFrom<Slot>('blue', 'green');
const at = fc.integer({ min: 0, max: 1_000_000 });

const trafficArb = fc
  .record({
    at,
    slot,
    source: fc.constantFrom<'haproxy' | 'alb'>('haproxy', 'alb'),
    requests: fc.integer({ min: 0, max: 5000 }),
    errorShare: fc.double({ min: 0, max: 1, noNaN: true }),
    meanLatencyMs: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
    p99: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
  })
  .map(({ requests, errorShare, p99, meanLatencyMs, ...rest }): Signal => ({
    kind: 'traffic',
    ...rest,
    requests,
    errors5xx: Math.floor(requests * errorShare),
    ...(meanLatencyMs !== undefined && { meanLatencyMs }),
    ...(p99 !== undefined && { latencyPercentilesMs: { 99: p99 } }),
  }));

const probeArb = fc
  .record({
    at,
    ok: fc.boolean(),
    via: fc.constantFrom<'service' | 'slot'>('service', 'slot'),
    latencyMs: fc.integer({ min: 0, max: 5000 }),
  })
  .map(({ ok, ...rest }): Signal => ({
    kind: 'probe',
    url: 'http://app.test/health',
    ok,
    ...rest,
    ...(ok ? { status: 200 } : { status: 503, error: 'status 503 not in 200-299' }),
  }));

const alarmArb = fc.record({
  kind: fc.constant('alarm' as const),
  at,
  name: fc.constantFrom('a', 'b', 'c'),
  state: fc.constantFrom<'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>('OK', 'ALARM', 'INSUFFICIENT_DATA'),
});

const targetsArb = fc
  .record({
    at,
    slot,
    total: fc.integer({ min: 0, max: 10 }),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ total, share, ...rest }): Signal => ({
    kind: 'targets',
    ...rest,
    total,
    unhealthy: Math.floor(total * share),
    reasons: ['Target.Timeout'],
  }));

const commandArb = fc.record({
  kind: fc.constant('command' as const),
  at,
  command: fc.constant('./check.sh'),
  exitCode: fc.constantFrom(0, 0, 1, 2),
  output: fc.constantFrom('', 'ok', 'line\nerror: bad'),
});

const signalArb: fc.Arbitrary<Signal> = fc.oneof(trafficArb, probeArb, alarmArb, targetsArb, commandArb);

const limitsArb: fc.Arbitrary<Limits> = fc.record({
  maxErrorRate: fc.oneof(fc.constantFrom(0, 0.5, 1, 5, 100), fc.double({ min: 0, max: 100, noNaN: true })),
  minRequests: fc.integer({ min: 0, max: 200 }),
  compareToStable: fc.boolean(),
  maxUnhealthyTargets: fc.integer({ min: 0, max: 3 }),
  maxLatency: fc.option(
    fc.integer({ min: 1, max: 3000 }).map((maxMs) => ({ percentile: 99, maxMs, text: `p99<${maxMs}ms` })),
    { nil: undefined },
  ),
});

/** A signal that is bad news for `target`; targets readings come last so they are the latest. */
const failingSignalArb = (target: Slot): fc.Arbitrary<Signal> =>
  fc.oneof(
    probeArb.map((p) => ({ ...p, ok: false, status: 503, error: 'status 503 not in 200-299' }) as Signal),
    alarmArb.map((a) => ({ ...a, state: 'ALARM' }) as Signal),
    commandArb.map((c) => ({ ...c, exitCode: 1 }) as Signal),
    // more unhealthy targets than limitsArb ever tolerates (max 3)
    fc.integer({ min: 4, max: 10 }).map((total): Signal => ({
      kind: 'targets',
      at: 2_000_000,
      slot: target,
      total,
      unhealthy: total,
      reasons: ['Target.Timeout'],
    })),
    fc.integer({ min: 1, max: 5000 }).map((n): Signal => ({
      kind: 'traffic',
      at: 0,
      slot: target,
      source: 'haproxy',
      requests: n,
      errors5xx: n,
    })),
  );

describe('judge properties', () => {
  it('adding a failing signal never turns fail into anything else', () => {
    fc.assert(
      fc.property(
        fc.array(signalArb, { maxLength: 30 }),
        limitsArb,
        slot,
        slot.chain((t) =>
          fc.tuple(fc.constant(t), fc.array(failingSignalArb(t), { minLength: 1, maxLength: 3 })),
        ),
        (signals, limits, _unused, [target, bad]) => {
          const before = judge(signals, limits, target);
          fc.pre(before.status === 'fail');
          expect(judge([...signals, ...bad], limits, target).status).toBe('fail');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('an error rate exactly at the limit passes (traffic)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        slot,
        (requests, share, target) => {
          const errors = Math.floor(requests * share);
          const maxErrorRate = (errors / requests) * 100;
          const v = judge(
            [{ kind: 'traffic', at: 0, slot: target, source: 'alb', requests, errors5xx: errors }],
            { maxErrorRate, minRequests: requests, compareToStable: false, maxUnhealthyTargets: 0 },
            target,
          );
          expect(v.status).toBe('pass');
        },
      ),
    );
  });

  it('a probe failure rate exactly at the limit passes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (total, share) => {
          const failed = Math.floor(total * share);
          const signals: Signal[] = Array.from({ length: total }, (_, i) => ({
            kind: 'probe',
            at: 0,
            url: 'http://x/',
            via: 'service',
            ok: i >= failed,
            latencyMs: 1,
          }));
          const limits = {
            maxErrorRate: (failed / total) * 100,
            minRequests: 20,
            compareToStable: false,
            maxUnhealthyTargets: 0,
          };
          expect(judge(signals, limits, 'green').status).toBe('pass');
        },
      ),
    );
  });

  it('a failing verdict names a limit in its first clause', () => {
    const metricArb = fc.oneof(trafficArb, probeArb, targetsArb);
    fc.assert(
      fc.property(
        fc.array(metricArb, { minLength: 1, maxLength: 20 }),
        limitsArb,
        slot,
        (signals, limits, target) => {
          const v = judge(signals, limits, target);
          fc.pre(v.status === 'fail');
          const first = v.reason.split('; ')[0] ?? '';
          const named = [
            `${formatLimitPercent(limits.maxErrorRate)} limit`,
            limits.maxLatency ? `${limits.maxLatency.text} limit` : undefined,
            `max-unhealthy-targets ${limits.maxUnhealthyTargets}`,
            '0.5 allowed',
            'has no registered targets',
          ].filter((s): s is string => s !== undefined);
          expect(
            named.some((s) => first.includes(s)),
            first,
          ).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a passing reason carries no failing or inconclusive clause', () => {
    fc.assert(
      fc.property(fc.array(signalArb, { maxLength: 30 }), limitsArb, slot, (signals, limits, target) => {
        const v = judge(signals, limits, target);
        expect(v.reason.length).toBeGreaterThan(0);
        if (v.status === 'pass')
          expect(v.reason).not.toMatch(
            /is above|in ALARM|INSUFFICIENT|only \d+ requests|exited|unhealthy, above|no registered|no latency/,
          );
      }),
      { numRuns: 1000 },
    );
  });
});
