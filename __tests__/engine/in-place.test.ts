// provider none on the fake clock: what runs, in which order, and how each way of not making it ends.
import { describe, expect, it } from 'vitest';
import { runInPlace } from '../../src/engine/in-place.js';
import { runCleanup } from '../../src/engine/cleanup.js';
import { buildPlan } from '../../src/plan/build.js';
import { Timeline } from '../../src/ports/timeline.js';
import type { Gate } from '../../src/ports/checks.js';
import type { Config } from '../../src/config/types.js';
import { configWith } from '../helpers/config.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHooks, ScriptedCheck, bad, ok } from '../helpers/fakes.js';

const MIN = 60_000;

function setUp(
  over: Partial<Config> = {},
  opts: { exitCodes?: ConstructorParameters<typeof FakeHooks>[0]; check?: 'ok' | 'bad'; gates?: Gate[] } = {},
) {
  const config = configWith({
    provider: { kind: 'none' },
    intervalMs: 2 * MIN,
    hooks: { backup: 'b', deploy: 'd', smoke: 's', verify: 'v', rollback: 'r', cleanup: 'c' },
    ...over,
  });
  const clock = new FakeClock();
  const hooks = new FakeHooks(opts.exitCodes ?? {});
  const check = new ScriptedCheck((ctx) => [opts.check === 'bad' ? bad(ctx.now) : ok(ctx.now)]);
  const timeline = new Timeline();
  const deps = {
    config,
    plan: buildPlan(config),
    checks: [check],
    hooks,
    clock,
    timeline,
    runId: 'r1',
    gates: opts.gates ?? [],
  };
  return { deps, hooks, clock, timeline, check };
}

describe('runInPlace (provider none)', () => {
  it('promoted: backup, deploy, smoke, verify, then the checks for one interval; no slot anywhere', async () => {
    const { deps, hooks, clock, check } = setUp();
    const t0 = clock.now();
    const out = await runInPlace(deps);
    expect(out).toEqual({ result: 'promoted' });
    expect(hooks.runs.map((r) => r.hook)).toEqual(['backup', 'deploy', 'smoke', 'verify']);
    for (const r of hooks.runs) expect(r.env).toEqual({});
    expect(clock.now() - t0).toBe(2 * MIN);
    expect(check.calls).toBe((2 * MIN) / 5000);
    // cleanup-command never runs after a deploy: there is no previous slot
    expect(hooks.runs.some((r) => r.hook === 'cleanup')).toBe(false);
  });

  it('a failed verdict runs rollback-command: rolled-back, nothing moved', async () => {
    const { deps, hooks, timeline } = setUp({}, { check: 'bad' });
    const out = await runInPlace(deps);
    expect(out.result).toBe('rolled-back');
    expect(out.reason).toMatch(/the new version is broken.*; rollback-command ran$/);
    expect(out.live).toBeUndefined();
    expect(hooks.runs.map((r) => r.hook)).toEqual(['backup', 'deploy', 'smoke', 'verify', 'rollback']);
    expect(timeline.events.some((e) => e.type === 'weights' || e.type === 'rollback')).toBe(false);
  });

  it('without rollback-command the run fails, and says the version was judged', async () => {
    const { deps } = setUp({ hooks: { deploy: 'd' } }, { check: 'bad' });
    const out = await runInPlace(deps);
    expect(out).toMatchObject({ result: 'failed', judged: true });
    expect(out.reason).toMatch(/the platform keeps running the new version \(no rollback-command\)$/);
  });

  it('a failing rollback-command fails the run and names it', async () => {
    const { deps } = setUp({}, { exitCodes: { smoke: 1, rollback: 3 } });
    const out = await runInPlace(deps);
    expect(out).toMatchObject({ result: 'failed', judged: true });
    expect(out.reason).toBe('smoke-command exited with code 1; rollback-command exited with code 3');
  });

  it('a deploy hook that failed is not rolled back: nothing of it was checked', async () => {
    const { deps, hooks } = setUp({}, { exitCodes: { deploy: 2 } });
    const out = await runInPlace(deps);
    expect(out).toEqual({
      result: 'failed',
      reason: 'deploy-command exited with code 2; nothing was checked',
    });
    expect(hooks.runs.map((r) => r.hook)).toEqual(['backup', 'deploy']);
  });

  it('a gate about the run (no {url}) fails without judging the version, after rollback-command', async () => {
    const gate: Gate = {
      name: '{url}',
      aboutRun: true,
      run: async () => 'health-urls uses {url}, but no hook handed back a URL',
    };
    const { deps, hooks } = setUp(
      { hooks: { backup: 'b', deploy: 'd', verify: 'v', rollback: 'r' } },
      { gates: [gate] },
    );
    const out = await runInPlace(deps);
    expect(out.result).toBe('failed');
    expect(out.judged).toBeUndefined();
    expect(out.reason).toMatch(/^pre-traffic check \{url\} failed: health-urls uses \{url\}/);
    // the gates run before the first probe even without a pre-traffic phase, and before verify
    expect(hooks.runs.map((r) => r.hook)).toEqual(['backup', 'deploy', 'rollback']);
  });

  it('the run timeout during the bake fails the run (a fault) after rollback-command', async () => {
    const { deps, hooks } = setUp({ timeoutMs: MIN });
    const out = await runInPlace(deps);
    expect(out.result).toBe('failed');
    expect(out.judged).toBeUndefined();
    expect(out.reason).toMatch(/the run hit its timeout of 1m \(input timeout\); rollback-command ran$/);
    expect(hooks.runs.at(-1)!.hook).toBe('rollback');
  });
});

describe('runCleanup (command cleanup)', () => {
  it('runs cleanup-command with no slot variables: removed', async () => {
    const { deps, hooks, timeline } = setUp({ command: 'cleanup' });
    const out = await runCleanup({ ...deps, routerDescription: 'none' });
    expect(out).toEqual({ result: 'removed', reason: 'cleanup-command removed the preview' });
    expect(hooks.runs).toEqual([{ hook: 'cleanup', env: {} }]);
    expect(timeline.last('run-end')?.result).toBe('removed');
  });

  it('a failing cleanup-command fails the run: the preview may still be running', async () => {
    const { deps } = setUp({ command: 'cleanup' }, { exitCodes: { cleanup: 1 } });
    const out = await runCleanup({ ...deps, routerDescription: 'none' });
    expect(out).toMatchObject({
      result: 'failed',
      reason: 'cleanup-command exited with code 1; the preview may still be running',
    });
  });
});
