import { describe, expect, it, vi } from 'vitest';
import { parseInputs } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { buildPlan } from '../../src/plan/build.js';
import { runEngine } from '../../src/engine/engine.js';
import { type Gate } from '../../src/ports/checks.js';
import { Timeline } from '../../src/ports/timeline.js';
import type { Check } from '../../src/ports/checks.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHooks, FakeRouter, ScriptedCheck, bad, ok } from '../helpers/fakes.js';

function config(inputs: Record<string, string> = {}): Config {
  const r = parseInputs({
    provider: 'command',
    'traffic-command': 'true',
    'traffic-status-command': 'true',
    interval: '1m',
    'probe-interval': '10s',
    ...inputs,
  });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

function setup(
  opts: {
    inputs?: Record<string, string>;
    checks?: Check[];
    router?: FakeRouter;
    hooks?: FakeHooks;
    gates?: Gate[];
    signal?: AbortSignal;
  } = {},
) {
  const cfg = config(opts.inputs);
  const router = opts.router ?? new FakeRouter();
  const clock = new FakeClock();
  const timeline = new Timeline();
  const hooks = opts.hooks ?? new FakeHooks();
  const splits: unknown[] = [];
  const run = () =>
    runEngine({
      config: cfg,
      plan: buildPlan(cfg),
      router,
      checks: opts.checks ?? [new ScriptedCheck((ctx) => [ok(ctx.now)])],
      hooks,
      clock,
      timeline,
      runId: 'test-run',
      gates: opts.gates,
      signal: opts.signal,
      onSplit: (s) => splits.push(s),
    });
  return { cfg, router, clock, timeline, hooks, splits, run };
}

const greens = (r: FakeRouter) => r.writes.map((w) => w.green);

describe('engine: deploy', () => {
  it('promotes a healthy canary through every step and holds each for interval', async () => {
    const { router, clock, timeline, run } = setup({ inputs: { 'canary-steps': '5,25,50' } });
    const start = clock.now();
    const out = await run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green', previous: 'blue', weight: 100 });
    expect(greens(router)).toEqual([5, 25, 50, 100]);
    // four holds of one minute, evaluated every 10 s
    expect(clock.now() - start).toBe(4 * 60_000);
    expect(timeline.events.filter((e) => e.type === 'evaluation')).toHaveLength(4 * 6);
    expect(
      timeline.events
        .filter((e) => e.type === 'step-verdict')
        .map((e) => e.type === 'step-verdict' && e.verdict.status),
    ).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('deploys to blue when green is live', async () => {
    const router = new FakeRouter({ blue: 0, green: 100 });
    const { run } = setup({ router, inputs: { strategy: 'blue-green' } });
    const out = await run();
    expect(out).toMatchObject({ result: 'promoted', live: 'blue', previous: 'green' });
    expect(router.writes).toEqual([{ blue: 100, green: 0 }]);
  });

  it('rolls back after failure-threshold consecutive failed evaluations and says why', async () => {
    const check = new ScriptedCheck((ctx) =>
      ctx.weight >= 25 ? [bad(ctx.now, 'checkout returns 500')] : [ok(ctx.now)],
    );
    const { router, hooks, timeline, run } = setup({
      inputs: { 'canary-steps': '5,25,50', 'rollback-command': 'echo back' },
      checks: [check],
    });
    const out = await run();
    expect(out.result).toBe('rolled-back');
    expect(out.live).toBe('blue');
    expect(out.reason).toMatch(/checkout returns 500/);
    expect(out.reason).toMatch(/checkout returns 500, 2 runs in a row \(failure-threshold 2\)$/);
    expect(greens(router)).toEqual([5, 25, 0]);
    expect(router.weights).toEqual({ blue: 100, green: 0 });
    expect(hooks.runs.map((r) => r.hook)).toEqual(['rollback']);
    const evals = timeline.events.filter((e) => e.type === 'evaluation' && e.step === 2);
    expect(evals).toHaveLength(2);
  });

  it('a lone failed evaluation below the threshold does not roll back', async () => {
    const check = new ScriptedCheck((ctx, call) => (call === 3 ? [bad(ctx.now)] : [ok(ctx.now)]));
    const { run } = setup({ checks: [check], inputs: { 'canary-steps': '10' } });
    expect((await run()).result).toBe('promoted');
  });

  it('extends an inconclusive step once, then fails for lack of data', async () => {
    // 3 requests per evaluation: never reaches min-requests 100 over a step
    const check = new ScriptedCheck((ctx) => [
      { kind: 'traffic', at: ctx.now, slot: ctx.target, source: 'haproxy', requests: 1, errors5xx: 0 },
    ]);
    const { router, timeline, run } = setup({
      checks: [check],
      inputs: { 'canary-steps': '10', 'min-requests': '100' },
    });
    const out = await run();
    // too little traffic to judge is no verdict on the version: failed, never rolled-back or promoted
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /^not enough data to judge green after extending step 1: only \d+ requests on green in step 1, fewer than min-requests 100.*; green was not judged unhealthy\. To judge it, lower min-requests \(now 100\).*; traffic restored to blue$/,
    );
    expect(router.weights).toEqual({ blue: 100, green: 0 });
    // it reads as a stop for lack of data, not as a rollback on a verdict
    expect(timeline.events.find((e) => e.type === 'rollback')).toMatchObject({ cause: 'no-data' });
    expect(timeline.events.filter((e) => e.type === 'warning').length).toBe(1);
    expect(timeline.events.filter((e) => e.type === 'evaluation')).toHaveLength(12);
  });

  it('an inconclusive step that gathers enough data in its extension passes', async () => {
    const check = new ScriptedCheck((ctx) => [
      { kind: 'traffic', at: ctx.now, slot: ctx.target, source: 'haproxy', requests: 10, errors5xx: 0 },
    ]);
    const { run } = setup({ checks: [check], inputs: { 'canary-steps': '10', 'min-requests': '100' } });
    expect((await run()).result).toBe('promoted');
  });

  it('stops at hold-at with traffic split and result held', async () => {
    const { router, splits, run } = setup({ inputs: { 'canary-steps': '5,25,50', 'hold-at': '25' } });
    const out = await run();
    expect(out).toMatchObject({ result: 'held', live: 'blue', previous: 'green', weight: 25 });
    expect(router.weights).toEqual({ blue: 75, green: 25 });
    expect(splits.at(-1)).toEqual({ live: 'blue', target: 'green', weights: { blue: 75, green: 25 } });
  });

  it('refuses to deploy over a split and moves nothing', async () => {
    const router = new FakeRouter({ blue: 75, green: 25 });
    router.marked = 'green';
    const { run } = setup({ router });
    const out = await run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/already in progress.*promote.*abort/);
    expect(router.writes).toEqual([]);
  });

  it('backup and deploy hooks failing: nothing moves', async () => {
    for (const hook of ['backup', 'deploy'] as const) {
      const hooks = new FakeHooks({ [hook]: 3 });
      const { router, run } = setup({ hooks, inputs: { 'backup-command': 'b', 'deploy-command': 'd' } });
      const out = await run();
      expect(out.result).toBe('failed');
      expect(out.reason).toContain(`${hook}-command exited with code 3; no traffic was moved`);
      expect(router.writes).toEqual([]);
    }
  });

  it('hooks get the slots and weight', async () => {
    const hooks = new FakeHooks();
    const { run } = setup({
      hooks,
      inputs: {
        strategy: 'blue-green',
        'deploy-command': 'd',
        'verify-command': 'v',
        'cleanup-command': 'c',
        'keep-previous': '5m',
      },
    });
    expect((await run()).result).toBe('promoted');
    expect(hooks.runs).toEqual([
      { hook: 'deploy', env: { target: 'green', live: 'blue', weight: 0 } },
      { hook: 'verify', env: { target: 'green', live: 'green', weight: 100, previous: 'blue' } },
      { hook: 'cleanup', env: { target: 'green', live: 'green', weight: 100, previous: 'blue' } },
    ]);
  });

  it('checks failing while the load balancer cannot be read are a fault, not a verdict on the new version', async () => {
    const router = new FakeRouter();
    // the load balancer is gone at 25%: every probe through it fails, and so does the next read of
    // it; it answers again for the restore
    let gone = false;
    const read = router.read.bind(router);
    router.read = async () => {
      if (!gone) return read();
      gone = false;
      throw new Error('router unreachable');
    };
    const check = new ScriptedCheck((ctx) => {
      if (ctx.weight < 25) return [ok(ctx.now)];
      gone = true;
      return [bad(ctx.now, 'connection refused')];
    });
    const { run } = setup({ router, inputs: { 'canary-steps': '5,25,50' }, checks: [check] });
    const out = await run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /^the load balancer stopped answering during step 2 \(router unreachable\); what failed meanwhile is not held against green: .*connection refused.*; traffic restored to blue$/,
    );
    expect(router.weights).toEqual({ blue: 100, green: 0 });
    expect(router.mark?.note?.reason).toMatch(/^not verified: the load balancer stopped answering/);
  });

  it('a failing verify hook at 100% rolls back', async () => {
    const hooks = new FakeHooks({ verify: 1 });
    const { router, run } = setup({ hooks, inputs: { strategy: 'blue-green', 'verify-command': 'v' } });
    const out = await run();
    expect(out.result).toBe('rolled-back');
    expect(out.reason).toMatch(/verify-command exited with code 1/);
    expect(router.weights).toEqual({ blue: 100, green: 0 });
  });

  it('a failing pre-traffic gate: nothing moves and the reason names it', async () => {
    const gate: Gate = {
      name: 'pre-traffic probes',
      run: async ({ target }) => `GET http://127.0.0.1:1/${target}/health: connection refused`,
    };
    const { router, run } = setup({
      gates: [gate],
      inputs: { 'pre-traffic-urls': 'http://127.0.0.1:1/{slot}/health' },
    });
    const out = await run();
    expect(out.result).toBe('failed');
    expect(out.reason).toContain('http://127.0.0.1:1/green/health');
    expect(router.writes).toEqual([]);
  });

  it('drift between steps: restores the live slot and names both weights', async () => {
    const router = new FakeRouter();
    const { clock, timeline, run } = setup({ router, inputs: { 'canary-steps': '10,50' } });
    clock.onAdvance = (now) => {
      // someone re-applies their IaC during step 1
      if (router.writes.length === 1 && now > 0) router.weights = { blue: 70, green: 30 };
    };
    const out = await run();
    expect(out.result).toBe('failed');
    expect(out.reason).toContain(
      'expected blue 90% / green 10% but found blue 70% / green 30%; traffic restored to blue',
    );
    expect(router.weights).toEqual({ blue: 100, green: 0 });
    expect(timeline.events.some((e) => e.type === 'drift')).toBe(true);
  });

  it('a router fault mid-shift restores the live slot (with retries) and fails', async () => {
    const router = new FakeRouter();
    const check = new ScriptedCheck((ctx) => {
      if (ctx.weight === 50) router.failSets = 2; // the next set (to 100) fails, then the first restore attempt
      return [ok(ctx.now)];
    });
    const { run } = setup({ router, checks: [check], inputs: { 'canary-steps': '10,50' } });
    const out = await run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/fault: socket closed; traffic restored to blue/);
    expect(router.weights).toEqual({ blue: 100, green: 0 });
  });

  it('when the live slot cannot be restored it says where traffic was left', async () => {
    const router = new FakeRouter();
    const check = new ScriptedCheck((ctx) => {
      if (ctx.weight === 10) {
        router.failSets = 100;
        router.failReads = true;
      }
      return [bad(ctx.now)];
    });
    const { run } = setup({ router, checks: [check], inputs: { 'canary-steps': '10,50' } });
    const out = await run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/could not restore blue to 100%/);
    expect(out.reason).toMatch(/last seen at blue 90% \/ green 10%/);
    expect(out.reason).toMatch(/set blue to 100% by hand/);
  });

  it('cancellation mid-hold puts the live slot back', async () => {
    const cancel = new AbortController();
    const check = new ScriptedCheck((ctx, call) => {
      if (call === 2) cancel.abort(new Error('the run was cancelled (SIGTERM)'));
      return [ok(ctx.now)];
    });
    const { router, run } = setup({
      checks: [check],
      signal: cancel.signal,
      inputs: { 'canary-steps': '10,50' },
    });
    const out = await run();
    expect(out.result).toBe('failed');
    expect(out.reason).toContain('SIGTERM');
    expect(router.weights).toEqual({ blue: 100, green: 0 });
  });

  it('timeout bounds the whole run: a check that hangs is cut off and the live slot restored', async () => {
    const hanging = new ScriptedCheck(() => new Promise(() => {}));
    const { router, clock, run } = setup({
      checks: [hanging],
      inputs: {
        'canary-steps': '10',
        timeout: '300ms',
        'probe-timeout': '50ms',
        'probe-interval': '100ms',
        interval: '100ms',
      },
    });
    const running = run();
    // the engine waits on the hanging check; virtual time moves on without it
    await vi.waitFor(() => expect(hanging.calls).toBe(1));
    await clock.advance(1000);
    const out = await running;
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/timeout of 300ms \(input timeout\)/);
    expect(router.weights).toEqual({ blue: 100, green: 0 });
    // no timer of the run is left behind
    expect(clock.pendingTimers).toBe(0);
  });

  it('a check slower than probe-interval is never read twice at once, and every read is judged', async () => {
    let inFlight = 0;
    let most = 0;
    const clocks: FakeClock[] = [];
    // answers in 1 s with probe-interval 500ms (probe-timeout 2s)
    const slow = new ScriptedCheck(async (ctx) => {
      most = Math.max(most, ++inFlight);
      await clocks[0]!.sleep(1000);
      inFlight--;
      return [ok(ctx.now)];
    });
    const s = setup({
      checks: [slow],
      inputs: { 'canary-steps': '50', interval: '5s', 'probe-interval': '500ms', 'probe-timeout': '2s' },
    });
    clocks.push(s.clock);
    expect((await s.run()).result).toBe('promoted');
    expect(most).toBe(1);
    const evaluations = s.timeline.events.filter((e) => e.type === 'evaluation');
    expect(evaluations.length).toBe(slow.calls);
    // two 5 s steps, one read a second: about five each
    expect(slow.calls).toBeGreaterThanOrEqual(8);
    expect(slow.calls).toBeLessThanOrEqual(12);
  });

  it('all-at-once switches in one step and still evaluates once', async () => {
    const { router, timeline, run } = setup({ inputs: { strategy: 'all-at-once' } });
    expect((await run()).result).toBe('promoted');
    expect(greens(router)).toEqual([100]);
    expect(timeline.events.filter((e) => e.type === 'evaluation')).toHaveLength(1);
  });
});

describe('engine: promote, abort, rollback, status', () => {
  it('promote continues a held canary from its weight', async () => {
    const router = new FakeRouter({ blue: 75, green: 25 });
    const { run } = setup({
      router,
      inputs: { command: 'promote', 'canary-steps': '5,25,50', 'hold-at': '25' },
    });
    const out = await run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green', previous: 'blue' });
    expect(greens(router)).toEqual([50, 100]);
  });

  it('promote with nothing in progress changes nothing', async () => {
    const { router, run } = setup({ inputs: { command: 'promote' } });
    expect((await run()).result).toBe('unchanged');
    expect(router.writes).toEqual([]);
  });

  it('abort sends everything back to the live slot', async () => {
    const router = new FakeRouter({ blue: 75, green: 25 });
    router.marked = 'green';
    const { run } = setup({ router, inputs: { command: 'abort' } });
    const out = await run();
    expect(out).toMatchObject({ result: 'aborted', live: 'blue', previous: 'green', weight: 0 });
    expect(router.weights).toEqual({ blue: 100, green: 0 });
  });

  it('rollback switches to the previous slot in one write', async () => {
    const router = new FakeRouter({ blue: 0, green: 100 });
    const { run } = setup({ router, inputs: { command: 'rollback' } });
    const out = await run();
    expect(out).toMatchObject({ result: 'rolled-back', live: 'blue', previous: 'green' });
    expect(router.writes).toEqual([{ blue: 100, green: 0 }]);
  });

  it('a manual rollback after an automatic one refuses to send traffic to the rejected version', async () => {
    const router = new FakeRouter();
    const failing = new ScriptedCheck((ctx) => [bad(ctx.now, 'v2 is broken')]);
    const first = setup({ router, checks: [failing], inputs: { 'canary-steps': '10' } });
    expect((await first.run()).result).toBe('rolled-back');
    expect([...router.drained]).toEqual(['green']);
    const writes = router.writes.length;

    const oncall = setup({ router, inputs: { command: 'rollback' } });
    const out = await oncall.run();
    expect(out.result).toBe('failed');
    // the refusal says why the slot is rejected: the note kept with the mark
    expect(out.reason).toMatch(
      /^nothing was moved: green is marked rejected: rolled back: check command exited 1: v2 is broken.*\(run test-run, \d{4}-\d\d-\d\d \d\d:\d\d UTC\).*force: true/,
    );
    expect(router.writes.length).toBe(writes);
    expect(router.weights).toEqual({ blue: 100, green: 0 });
  });

  it('an aborted canary is rejected too; the next deploy readies the slot again', async () => {
    const router = new FakeRouter({ blue: 75, green: 25 });
    router.marked = 'green';
    expect((await setup({ router, inputs: { command: 'abort' } }).run()).result).toBe('aborted');
    expect([...router.drained]).toEqual(['green']);
    const out = await setup({ router, inputs: { 'canary-steps': '10' } }).run();
    expect(out.result).toBe('promoted');
    expect(router.drained.size).toBe(0);
  });

  it('status reads and changes nothing', async () => {
    const router = new FakeRouter({ blue: 90, green: 10 });
    router.marked = 'green';
    const { run } = setup({ router, inputs: { command: 'status' } });
    const out = await run();
    expect(out).toMatchObject({ result: 'unchanged', live: 'blue', weight: 10 });
    expect(out.reason).toMatch(/in progress/);
    expect(router.writes).toEqual([]);
  });

  it('both slots at 0 is refused', async () => {
    const { router, run } = setup({ router: new FakeRouter({ blue: 0, green: 0 }) });
    const out = await run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/both slots have weight 0/);
    expect(router.writes).toEqual([]);
  });
});

describe('engine: which slot is new, restores, drift and failure streaks', () => {
  it('promote knows the new slot from the router, even when it holds more than half the traffic', async () => {
    const router = new FakeRouter({ blue: 25, green: 75 });
    router.marked = 'green';
    const out = await setup({ router, inputs: { command: 'promote', 'canary-steps': '10,50,75' } }).run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green', previous: 'blue' });
    expect(greens(router)).toEqual([100]);
    expect(router.marked).toBeUndefined();
  });

  it('without a note from the router or a matching hold-at, a split is never guessed', async () => {
    const router = new FakeRouter({ blue: 25, green: 75 });
    for (const command of ['promote', 'abort']) {
      const out = await setup({ router, inputs: { command, 'canary-steps': '10,50,75' } }).run();
      expect(out.result).toBe('failed');
      expect(out.reason).toMatch(/nothing says which slot is new/);
    }
    expect(router.writes).toEqual([]);
    const byHoldAt = await setup({
      router,
      inputs: { command: 'abort', 'canary-steps': '10,50,75', 'hold-at': '75' },
    }).run();
    expect(byHoldAt).toMatchObject({ result: 'aborted', live: 'blue' });
  });

  it('a deploy held above half is promoted by a job without hold-at: the router remembers the target', async () => {
    const router = new FakeRouter();
    const held = await setup({ router, inputs: { 'canary-steps': '25,75', 'hold-at': '75' } }).run();
    expect(held.result).toBe('held');
    expect(router.marked).toBe('green');
    const out = await setup({ router, inputs: { command: 'promote', 'canary-steps': '25,75' } }).run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green' });
  });

  it('compare-to-stable does not fail the 100% step for lack of stable traffic', async () => {
    const check = new ScriptedCheck((ctx) => [
      { kind: 'traffic', at: ctx.now, slot: ctx.target, source: 'haproxy', requests: 50, errors5xx: 0 },
      {
        kind: 'traffic',
        at: ctx.now,
        slot: ctx.live,
        source: 'haproxy',
        requests: ctx.weight >= 100 ? 0 : 50,
        errors5xx: 0,
      },
    ]);
    const out = await setup({
      checks: [check],
      inputs: { 'canary-steps': '10', 'compare-to-stable': 'true' },
    }).run();
    expect(out.result).toBe('promoted');
  });

  it('a failed restore keeps the saved split for the post step', async () => {
    const router = new FakeRouter();
    const check = new ScriptedCheck((ctx) => {
      router.failSets = 100;
      return [bad(ctx.now)];
    });
    const { splits, run } = setup({ router, checks: [check], inputs: { 'canary-steps': '10' } });
    const out = await run();
    expect(out.result).toBe('failed');
    expect(splits.at(-1)).toEqual({ live: 'blue', target: 'green', weights: { blue: 90, green: 10 } });
  });

  it('cancellation during keep-previous does not undo a verified promotion', async () => {
    const cancel = new AbortController();
    const { router, clock, run } = setup({
      signal: cancel.signal,
      inputs: { strategy: 'blue-green', 'keep-previous': '30m', 'cleanup-command': 'c' },
    });
    clock.onAdvance = () => {
      if (router.weights.green === 100 && clock.sleeps.at(-1) === 30 * 60_000)
        cancel.abort(new Error('the run was cancelled (SIGTERM)'));
    };
    const out = await run();
    expect(out.result).toBe('promoted');
    expect(out.reason).toMatch(/cut short: the run was cancelled \(SIGTERM\)/);
    expect(router.weights).toEqual({ blue: 0, green: 100 });
  });

  it('drift during the last hold is caught before reporting promoted', async () => {
    const router = new FakeRouter();
    const { clock, run } = setup({ router, inputs: { strategy: 'blue-green' } });
    clock.onAdvance = () => {
      if (router.weights.green === 100) router.weights = { blue: 100, green: 0 }; // IaC re-applied
    };
    const out = await run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/expected blue 0% \/ green 100% but found blue 100% \/ green 0%/);
  });

  it('one failed last evaluation neither rolls back alone nor slips into a passing step', async () => {
    // evaluations 0..5 in step 1 (1m / 10s); only the 6th, the last of the hold, fails
    const check = new ScriptedCheck((ctx, call) => (call === 5 ? [bad(ctx.now)] : [ok(ctx.now)]));
    const { timeline, run } = setup({ checks: [check], inputs: { 'canary-steps': '10' } });
    expect((await run()).result).toBe('promoted');
    const step1 = timeline.events.filter((e) => e.type === 'evaluation' && e.step === 1);
    expect(step1).toHaveLength(7); // one more evaluation settled the streak
  });

  it('a first write that fails after partly applying is still undone', async () => {
    const router = new FakeRouter();
    router.set = async (w) => {
      router.weights = { ...w }; // applied, then the connection dropped
      throw new Error('socket hang up');
    };
    const restore = FakeRouter.prototype.set.bind(router);
    let calls = 0;
    const original = router.set;
    router.set = async (w) => (calls++ === 0 ? original(w) : restore(w));
    const out = await setup({ router, inputs: { 'canary-steps': '10' } }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/fault: socket hang up.*traffic restored to blue/);
    expect(router.weights).toEqual({ blue: 100, green: 0 });
  });

  it('a failing rollback-command fails the run even though traffic is restored', async () => {
    const check = new ScriptedCheck((ctx) => [bad(ctx.now)]);
    const hooks = new FakeHooks({ rollback: 4 });
    const out = await setup({
      hooks,
      checks: [check],
      inputs: { 'canary-steps': '10', 'rollback-command': 'r', 'fail-on-rollback': 'false' },
    }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/but rollback-command exited with code 4$/);
  });

  it('promote does not run the pre-traffic gates again', async () => {
    const router = new FakeRouter({ blue: 75, green: 25 });
    router.marked = 'green';
    let gateRuns = 0;
    const gate: Gate = { name: 'g', run: async () => (gateRuns++, 'would fail') };
    const out = await setup({
      router,
      gates: [gate],
      inputs: { command: 'promote', 'hold-at': '25', 'canary-steps': '25' },
    }).run();
    expect(out.result).toBe('promoted');
    expect(gateRuns).toBe(0);
  });
});

describe("engine: rejected slots, monitoring faults and the router's notes", () => {
  it('any deploy that ends unverified marks its target rejected; one that failed before the deploy hook does not', async () => {
    const smokeFails = new FakeRouter();
    await setup({
      router: smokeFails,
      hooks: new FakeHooks({ smoke: 1 }),
      inputs: { 'smoke-command': 's' },
    }).run();
    expect([...smokeFails.drained]).toEqual(['green']);

    const cancel = new AbortController();
    const cancelled = new FakeRouter();
    const check = new ScriptedCheck((ctx, call) => {
      if (call === 1) cancel.abort(new Error('the run was cancelled (SIGINT)'));
      return [ok(ctx.now)];
    });
    const out = await setup({ router: cancelled, checks: [check], signal: cancel.signal }).run();
    expect(out.result).toBe('failed');
    expect([...cancelled.drained]).toEqual(['green']);

    const backupFails = new FakeRouter();
    const early = await setup({
      router: backupFails,
      hooks: new FakeHooks({ backup: 1 }),
      inputs: { 'backup-command': 'b', 'deploy-command': 'd' },
    }).run();
    expect(early.result).toBe('failed');
    expect(backupFails.drained.size).toBe(0); // green still holds the previous version: a fair rollback target
  });

  it('a check that cannot run is a monitoring fault: failed, not rolled-back, whatever fail-on-rollback says', async () => {
    const broken: Check = {
      name: 'cloudwatch',
      collect: async () => {
        throw new Error('CloudWatch unreachable');
      },
    };
    const out = await setup({
      checks: [broken],
      inputs: { 'canary-steps': '10', 'fail-on-rollback': 'false' },
    }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /check cloudwatch could not run: CloudWatch unreachable.*traffic restored to blue/,
    );
  });

  it('promote after the held canary was undone outside Glidepath fails and says so', async () => {
    const router = new FakeRouter();
    expect((await setup({ router, inputs: { 'canary-steps': '10,50', 'hold-at': '10' } }).run()).result).toBe(
      'held',
    );
    router.weights = { blue: 100, green: 0 }; // IaC re-applied
    const out = await setup({ router, inputs: { command: 'promote', 'canary-steps': '10,50' } }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/the deploy held on green was undone outside Glidepath/);
    expect(router.marked).toBeUndefined();
  });

  it('a note that contradicts hold-at is not trusted', async () => {
    const router = new FakeRouter({ blue: 90, green: 10 });
    router.marked = 'blue'; // stale
    const out = await setup({
      router,
      inputs: { command: 'promote', 'canary-steps': '10,50', 'hold-at': '10' },
    }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/note names blue as the new slot but hold-at 10% matches green/);
    expect(router.writes).toEqual([]);
  });

  it('a deploy whose target cannot be noted fails before any traffic moves', async () => {
    const router = new FakeRouter();
    router.markTarget = async () => {
      throw new Error('Throttling: Rate exceeded');
    };
    const out = await setup({ router }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/Throttling: Rate exceeded; no traffic was moved/);
    expect(router.writes).toEqual([]);
  });

  it('a manual rollback whose gate throws fails cleanly, nothing moved', async () => {
    const router = new FakeRouter({ blue: 0, green: 100 });
    const gate: Gate = {
      name: 'target-health',
      run: async () => {
        throw new Error('DescribeTargetHealth timed out');
      },
    };
    const out = await setup({ router, gates: [gate], inputs: { command: 'rollback' } }).run();
    expect(out).toMatchObject({ result: 'failed', live: 'green' });
    expect(out.reason).toMatch(/DescribeTargetHealth timed out; nothing was moved/);
    expect(router.writes).toEqual([]);
  });

  it('one unreadable answer after the verified last step does not undo the deploy', async () => {
    const router = new FakeRouter();
    const { clock, timeline, run } = setup({ router, inputs: { strategy: 'blue-green' } });
    clock.onAdvance = () => {
      router.failReads = router.weights.green === 100;
    };
    const out = await run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green' });
    expect(router.weights).toEqual({ blue: 0, green: 100 });
    expect(
      timeline.events.some((e) => e.type === 'warning' && /could not read the weights back/.test(e.message)),
    ).toBe(true);
  });
});
