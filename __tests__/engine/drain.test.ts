// Drain before cleanup on the fake clock: read until the old slot has no open session, or drain-timeout.
import { describe, expect, it } from 'vitest';
import { drainPrevious } from '../../src/engine/drain.js';
import type { Deps } from '../../src/engine/context.js';
import { Timeline } from '../../src/ports/timeline.js';
import type { Config } from '../../src/config/types.js';
import { buildPlan } from '../../src/plan/build.js';
import { configWith } from '../helpers/config.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHooks, FakeRouter } from '../helpers/fakes.js';

function setUp(openSessions?: (now: number) => number | Error, provider?: Config['provider']) {
  const clock = new FakeClock();
  const router = new FakeRouter({ blue: 0, green: 100 });
  const reads: number[] = [];
  const counting = openSessions
    ? Object.assign(router, {
        openSessions: async () => {
          reads.push(clock.now());
          const n = openSessions(clock.now());
          if (n instanceof Error) throw n;
          return n;
        },
      })
    : router;
  const config = configWith(provider ? { provider } : {});
  const timeline = new Timeline();
  const deps: Deps = {
    config,
    plan: buildPlan(config),
    router: counting,
    checks: [],
    hooks: new FakeHooks(),
    clock,
    timeline,
    runId: 'r',
    signal: new AbortController().signal,
  };
  const t0 = clock.now();
  const warnings = () => timeline.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
  const phases = () => timeline.events.flatMap((e) => (e.type === 'phase' ? [e.detail ?? ''] : []));
  return { deps, clock, t0, reads, warnings, phases };
}

describe('drainPrevious', () => {
  it('returns as soon as the old slot has no open session', async () => {
    const { deps, clock, t0, warnings, phases } = setUp((now) =>
      now < Date.UTC(2026, 10, 22, 12, 0, 3) ? 2 : 0,
    );
    await drainPrevious(deps, 'blue', 30_000);
    expect(clock.now() - t0).toBe(3_000);
    expect(warnings()).toEqual([]);
    expect(phases()).toEqual([
      'blue has 2 open sessions; waiting for them to end, 0s/30s',
      'blue has no open session after 3s: cleanup-command runs',
    ]);
  });

  it('gives up at drain-timeout and says how many were still open, with progress every 5 s', async () => {
    const { deps, clock, t0, reads, warnings, phases } = setUp(() => 1);
    await drainPrevious(deps, 'blue', 12_000);
    expect(clock.now() - t0).toBe(12_000);
    expect(reads.length).toBe(12_000 / 250 + 1);
    expect(warnings()).toEqual([
      'drain-timeout (12s) passed with 1 open session still on blue: cleanup-command runs now and may cut them',
    ]);
    expect(phases()).toHaveLength(3);
  });

  it('keeps waiting when the count cannot be read, and says so', async () => {
    const { deps, clock, t0, warnings } = setUp(() => new Error('socket lost'));
    await drainPrevious(deps, 'blue', 2_000);
    expect(clock.now() - t0).toBe(2_000);
    expect(warnings()).toEqual([
      "drain-timeout (2s) passed without reading blue's open sessions (socket lost): cleanup-command runs now and may cut any still open",
    ]);
  });

  it.each<[Config['provider'], string]>([
    [
      { kind: 'alb', listenerArn: 'arn:l', blueTargetGroupArn: 'arn:b', greenTargetGroupArn: 'arn:g' },
      'ALB has no count of open connections per target group',
    ],
    [
      { kind: 'command', trafficCommand: 'x', statusCommand: 'y' },
      'provider command has no way to count open sessions',
    ],
  ])('where the load balancer cannot tell (%s), says so and waits drain-timeout', async (provider, why) => {
    const { deps, clock, t0, warnings } = setUp(undefined, provider);
    await drainPrevious(deps, 'blue', 30_000);
    expect(clock.now() - t0).toBe(30_000);
    expect(warnings()).toEqual([`${why}: waits drain-timeout (30s) before cleanup-command of blue`]);
  });

  it('stops when the run is cancelled', async () => {
    const { deps } = setUp(() => 1);
    const stop = new AbortController();
    stop.abort(new Error('the run was cancelled (SIGINT)'));
    await expect(drainPrevious({ ...deps, signal: stop.signal }, 'blue', 30_000)).rejects.toThrow(
      'cancelled',
    );
  });
});

describe('the plan', () => {
  it('drains before cleanup-command only, and counts drain-timeout in the total', () => {
    const plan = buildPlan(
      configWith({
        strategy: { name: 'blue-green', strategy: { kind: 'blue-green' } },
        intervalMs: 60_000,
        keepPreviousMs: 60_000,
        drainTimeoutMs: 30_000,
        hooks: { cleanup: 'c' },
      }),
    );
    expect(plan.phases.map((p) => p.kind)).toEqual(['shift', 'keep-previous', 'drain', 'cleanup']);
    expect(plan.totalMs).toBe(150_000);
    expect(buildPlan(configWith({ drainTimeoutMs: 30_000 })).phases.some((p) => p.kind === 'drain')).toBe(
      false,
    );
    expect(
      buildPlan(configWith({ drainTimeoutMs: 0, hooks: { cleanup: 'c' } })).phases.some(
        (p) => p.kind === 'drain',
      ),
    ).toBe(false);
  });
});
