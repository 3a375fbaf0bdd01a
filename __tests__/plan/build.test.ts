import { configWith, probeTargets } from '../helpers/config.js';
import { describe, expect, it } from 'vitest';
import type { Config, Strategy } from '../../src/config/types.js';
import type { Phase } from '../../src/plan/types.js';
import { buildPlan, continuePlan, promotePlan } from '../../src/plan/build.js';

const MIN = 60_000;

const withStrategy = (
  strategy: Strategy,
  name: string = strategy.kind,
  extra: Partial<Config> = {},
): Config => configWith({ strategy: { name, strategy }, ...extra });

type Shift = Extract<Phase, { kind: 'shift' }>;
const shifts = (phases: Phase[]): Shift[] => phases.filter((p): p is Shift => p.kind === 'shift');
const weightsOf = (phases: Phase[]): number[] => shifts(phases).map((p) => p.weight);
const holdsOf = (phases: Phase[]): number[] => shifts(phases).map((p) => p.holdMs);
const kinds = (phases: Phase[]): string[] => phases.map((p) => p.kind);

describe('buildPlan: shift weights and holds per strategy', () => {
  it.each<[string, Strategy, number, number[], number[]]>([
    ['blue-green', { kind: 'blue-green' }, 2 * MIN, [100], [2 * MIN]],
    [
      'canary 10,50',
      { kind: 'canary', steps: [10, 50] },
      5 * MIN,
      [10, 50, 100],
      [5 * MIN, 5 * MIN, 5 * MIN],
    ],
    ['canary single step', { kind: 'canary', steps: [5] }, 30_000, [5, 100], [30_000, 30_000]],
    [
      'linear 10 every 1m',
      { kind: 'linear', increment: 10 },
      MIN,
      [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
      Array(10).fill(MIN),
    ],
    [
      'linear 30 (last step shorter)',
      { kind: 'linear', increment: 30 },
      MIN,
      [30, 60, 90, 100],
      Array(4).fill(MIN),
    ],
    ['linear 50', { kind: 'linear', increment: 50 }, MIN, [50, 100], [MIN, MIN]],
    ['linear 33', { kind: 'linear', increment: 33 }, MIN, [33, 66, 99, 100], Array(4).fill(MIN)],
    ['all-at-once holds 0', { kind: 'all-at-once' }, 5 * MIN, [100], [0]],
  ])('%s', (_name, strategy, intervalMs, weights, holds) => {
    const plan = buildPlan(withStrategy(strategy, strategy.kind, { intervalMs }));
    expect(weightsOf(plan.phases)).toEqual(weights);
    expect(holdsOf(plan.phases)).toEqual(holds);
    expect(plan.totalMs).toBe(holds.reduce((a, b) => a + b, 0));
    expect(shifts(plan.phases).map((s) => [s.step, s.of])).toEqual(
      weights.map((_, i) => [i + 1, weights.length]),
    );
    expect(plan.holdAt).toBeUndefined();
  });

  it('Linear10PercentEvery1Minute-shaped config: 10 steps of one minute, 10 minutes in all', () => {
    const plan = buildPlan(
      withStrategy({ kind: 'linear', increment: 10 }, 'Linear10PercentEvery1Minute', { intervalMs: MIN }),
    );
    expect(shifts(plan.phases)).toHaveLength(10);
    expect(plan.totalMs).toBe(10 * MIN);
    expect(plan.strategy).toBe('Linear10PercentEvery1Minute (linear)');
  });

  it('Canary10Percent5Minutes-shaped config: 10% for 5m, then 100% verified for 5m', () => {
    const plan = buildPlan(
      withStrategy({ kind: 'canary', steps: [10] }, 'CodeDeployDefault.ECSCanary10Percent5Minutes', {
        intervalMs: 5 * MIN,
      }),
    );
    expect(weightsOf(plan.phases)).toEqual([10, 100]);
    expect(plan.totalMs).toBe(10 * MIN);
  });

  it('uses the strategy kind as label when the name is the kind or empty', () => {
    expect(buildPlan(withStrategy({ kind: 'blue-green' })).strategy).toBe('blue-green');
    expect(buildPlan(withStrategy({ kind: 'blue-green' }, '')).strategy).toBe('blue-green');
  });

  it('never moves backwards or past 100 on a hand-built canary with bad steps', () => {
    const plan = buildPlan(withStrategy({ kind: 'canary', steps: [50, 20, 0, 100, 120, 70] }));
    expect(weightsOf(plan.phases)).toEqual([50, 70, 100]);
  });
});

describe('buildPlan: phases around the shifts', () => {
  it('orders every phase: backup, deploy, pre-traffic, shifts, keep-previous, cleanup', () => {
    const plan = buildPlan(
      configWith({
        hooks: {
          backup: 'pg_dump > b.sql',
          deploy: './deploy.sh',
          smoke: './smoke.sh',
          cleanup: './cleanup.sh',
          verify: './verify.sh',
        },
        preTrafficUrls: probeTargets('http://127.0.0.1:8081/{slot}/health'),
        keepPreviousMs: 10 * MIN,
      }),
    );
    expect(kinds(plan.phases)).toEqual([
      'backup',
      'deploy',
      'pre-traffic',
      'shift',
      'shift',
      'shift',
      'keep-previous',
      'drain',
      'cleanup',
    ]);
    expect(plan.phases[0]).toEqual({ kind: 'backup', command: 'pg_dump > b.sql' });
    expect(plan.phases[1]).toEqual({ kind: 'deploy', command: './deploy.sh' });
    expect(plan.phases[2]).toEqual({
      kind: 'pre-traffic',
      urls: ['http://127.0.0.1:8081/{slot}/health'],
      smoke: './smoke.sh',
    });
    expect(plan.phases[6]).toEqual({ kind: 'keep-previous', holdMs: 10 * MIN });
    expect(plan.phases[7]).toEqual({ kind: 'drain', holdMs: 30_000 });
    expect(plan.phases[8]).toEqual({ kind: 'cleanup', command: './cleanup.sh' });
    expect(plan.totalMs).toBe(3 * 5 * MIN + 10 * MIN + 30_000);
  });

  it('has only shifts when no hooks, no pre-traffic URLs and no keep-previous', () => {
    expect(kinds(buildPlan(configWith()).phases)).toEqual(['shift', 'shift', 'shift']);
  });

  it.each<[string, Partial<Config>, string[]]>([
    ['pre-traffic from URLs alone', { preTrafficUrls: probeTargets('http://x/{slot}') }, ['pre-traffic']],
    ['pre-traffic from smoke alone', { hooks: { smoke: 'true' } }, ['pre-traffic']],
    ['backup only', { hooks: { backup: 'true' } }, ['backup']],
    ['deploy only', { hooks: { deploy: 'true' } }, ['deploy']],
    ['verify and rollback hooks add no phase', { hooks: { verify: 'true', rollback: 'true' } }, []],
  ])('%s', (_name, overrides, before) => {
    expect(kinds(buildPlan(configWith(overrides)).phases)).toEqual([...before, 'shift', 'shift', 'shift']);
  });

  it('pre-traffic without smoke has no smoke key', () => {
    const phase = buildPlan(configWith({ preTrafficUrls: probeTargets('http://x/{slot}') })).phases[0];
    expect(phase).toEqual({ kind: 'pre-traffic', urls: ['http://x/{slot}'] });
  });

  it('keep-previous alone, and cleanup alone', () => {
    expect(kinds(buildPlan(configWith({ keepPreviousMs: 1000 })).phases).slice(-1)).toEqual([
      'keep-previous',
    ]);
    expect(kinds(buildPlan(configWith({ hooks: { cleanup: 'true' } })).phases).slice(-1)).toEqual([
      'cleanup',
    ]);
  });
});

describe('buildPlan: checks during each hold', () => {
  it('command provider with probes: health probes (failure-threshold in a row, per URL), no real-traffic metric', () => {
    const plan = buildPlan(configWith({ healthUrls: probeTargets('http://a', 'http://b') }));
    // changed by issue 9: probes are health checks judged by failure-threshold, not an error rate
    expect(shifts(plan.phases)[0]!.checks).toEqual(['health probes (2 URLs)']);
  });

  it('command provider with nothing configured checks nothing', () => {
    expect(shifts(buildPlan(configWith()).phases)[0]!.checks).toEqual([]);
  });

  it('HAProxy: probes, real-traffic 5xx, latency, check-command; verify-command only at 100%', () => {
    const plan = buildPlan(
      configWith({
        provider: {
          kind: 'haproxy',
          sockets: [{ kind: 'unix', path: '/run/h.sock' }],
          blue: { backend: 'app', servers: ['blue'] },
          green: { backend: 'app', servers: ['green'] },
        },
        healthUrls: probeTargets('http://a'),
        maxErrorRate: 2.5,
        minRequests: 50,
        maxLatency: { percentile: 99, maxMs: 2000, text: 'p99<2s' },
        compareToStable: true,
        checkCommand: './check.sh',
        hooks: { verify: './verify.sh' },
      }),
    );
    const [first, , last] = shifts(plan.phases);
    expect(first!.checks[0]).toBe('health probes (1 URL)');
    expect(first!.checks[1]).toBe(
      'HAProxy real-traffic 5xx ≤ 2.5% (sequential, 99% confidence; min 50 requests per step)',
    );
    expect(first!.checks).toContain(
      'compared with the live slot (5xx within +0.5 points, latency within 20%)',
    );
    expect(first!.checks.find((c) => c.startsWith('p99 < '))).toBeDefined();
    expect(first!.checks).toContain('check-command');
    expect(first!.checks).not.toContain('verify-command');
    expect(last!.weight).toBe(100);
    expect(last!.checks).toEqual([...first!.checks, 'verify-command']);
  });

  it('ALB: real-traffic 5xx, alarms, target health with tolerance', () => {
    const base: Partial<Config> = {
      provider: {
        kind: 'alb',
        listenerArn: 'arn:l',
        blueTargetGroupArn: 'arn:b',
        greenTargetGroupArn: 'arn:g',
      },
      cloudwatchAlarms: ['a', 'b', 'c'],
    };
    const strict = shifts(buildPlan(configWith(base)).phases)[0]!.checks;
    expect(strict).toEqual([
      'ALB real-traffic 5xx ≤ 1% (sequential, 99% confidence; min 20 requests per step)',
      'CloudWatch alarms (3)',
      'target health',
    ]);
    const lenient = shifts(buildPlan(configWith({ ...base, maxUnhealthyTargets: 2 })).phases)[0]!.checks;
    expect(lenient).toContain('target health (≤ 2 unhealthy)');
    const budget = shifts(
      buildPlan(configWith({ ...base, maxFailedRequests: 10, confidence: 0.999 })).phases,
    )[0]!.checks;
    expect(budget).toContain('at most 10 failed requests on the new slot');
    expect(budget[0]).toBe(
      'ALB real-traffic 5xx ≤ 1% (sequential, 99.9% confidence; min 20 requests per step)',
    );
  });
});

describe('buildPlan: hold-at', () => {
  const full: Partial<Config> = {
    hooks: { backup: 'b', deploy: 'd', cleanup: 'c' },
    keepPreviousMs: 10 * MIN,
    intervalMs: MIN,
  };

  it('stops at the step whose weight is hold-at, keeps its hold, drops keep-previous and cleanup', () => {
    const plan = buildPlan(
      withStrategy({ kind: 'linear', increment: 10 }, 'linear', { ...full, holdAt: 30 }),
    );
    expect(kinds(plan.phases)).toEqual(['backup', 'deploy', 'shift', 'shift', 'shift']);
    expect(weightsOf(plan.phases)).toEqual([10, 20, 30]);
    expect(holdsOf(plan.phases)).toEqual([MIN, MIN, MIN]);
    expect(shifts(plan.phases).map((s) => `${s.step}/${s.of}`)).toEqual(['1/3', '2/3', '3/3']);
    expect(plan.holdAt).toBe(30);
    expect(plan.totalMs).toBe(3 * MIN);
  });

  it('hold-at 100 reaches 100 but still leaves the old slot up', () => {
    const plan = buildPlan(configWith({ ...full, holdAt: 100 }));
    expect(weightsOf(plan.phases)).toEqual([10, 50, 100]);
    expect(kinds(plan.phases)).not.toContain('keep-previous');
    expect(kinds(plan.phases)).not.toContain('cleanup');
  });

  it('hold-at between planned weights stops exactly at hold-at rather than overshooting', () => {
    const plan = buildPlan(configWith({ holdAt: 25 }));
    expect(weightsOf(plan.phases)).toEqual([10, 25]);
  });

  it('ignoreHoldAt plans the whole way', () => {
    const plan = buildPlan(configWith({ ...full, holdAt: 10 }), { ignoreHoldAt: true });
    expect(weightsOf(plan.phases)).toEqual([10, 50, 100]);
    expect(kinds(plan.phases).slice(-3)).toEqual(['keep-previous', 'drain', 'cleanup']);
    expect(plan.holdAt).toBeUndefined();
  });
});

describe('continuePlan / promotePlan', () => {
  const cfg = configWith({
    strategy: { name: 'linear', strategy: { kind: 'linear', increment: 20 } },
    intervalMs: MIN,
    hooks: { backup: 'b', deploy: 'd', smoke: 's', cleanup: 'c' },
    preTrafficUrls: probeTargets('http://x/{slot}'),
    keepPreviousMs: 2 * MIN,
    holdAt: 40,
  });

  it('keeps the shifts above the held weight and the tail, renumbered', () => {
    const plan = continuePlan(buildPlan(cfg, { ignoreHoldAt: true }), 40);
    expect(kinds(plan.phases)).toEqual(['shift', 'shift', 'shift', 'keep-previous', 'drain', 'cleanup']);
    expect(weightsOf(plan.phases)).toEqual([60, 80, 100]);
    expect(shifts(plan.phases).map((s) => `${s.step}/${s.of}`)).toEqual(['1/3', '2/3', '3/3']);
    // drain-timeout (30 s by default) counts as its longest
    expect(plan.totalMs).toBe(3 * MIN + 2 * MIN + 30_000);
    expect(plan.holdAt).toBeUndefined();
  });

  it('promotePlan is continuePlan over the full plan', () => {
    expect(promotePlan(cfg, 40)).toEqual(continuePlan(buildPlan(cfg, { ignoreHoldAt: true }), 40));
  });

  it('from a weight between steps continues with the next planned one', () => {
    expect(weightsOf(promotePlan(cfg, 50).phases)).toEqual([60, 80, 100]);
  });

  it('from 100 only the tail remains', () => {
    expect(kinds(promotePlan(cfg, 100).phases)).toEqual(['keep-previous', 'drain', 'cleanup']);
  });

  it('refuses a plan that itself stops at hold-at, saying how to build the right one', () => {
    expect(() => continuePlan(buildPlan(cfg), 40)).toThrow(/hold-at 40%.*ignoreHoldAt/);
  });
});
