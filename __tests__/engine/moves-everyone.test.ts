// Rollbacks that move everyone, through the engine: after every restore the slot traffic left is marked
// at once (before any hook), then watched for a bounded time; an on-call rollback moves clients off the
// slot it leaves without calling its version rejected, and a rollback back to it lifts that.
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/parse.js';
import type { Config, HookName, Slot } from '../../src/config/types.js';
import { buildPlan } from '../../src/plan/build.js';
import { runEngine } from '../../src/engine/engine.js';
import { LEFT_WATCH_CANCELLED_MS, LEFT_WATCH_MS } from '../../src/engine/left.js';
import type { Gate } from '../../src/ports/checks.js';
import type { HookEnv, HookResult } from '../../src/ports/hooks.js';
import type { RejectionNote, Weights } from '../../src/ports/traffic.js';
import { Timeline, type TimelineEventOf } from '../../src/ports/timeline.js';
import { formatEvent } from '../../src/report/progress.js';
import { renderSummary } from '../../src/report/summary.js';
import { statusLines } from '../../src/report/status.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHooks, FakeRouter, ScriptedCheck, bad, ok } from '../helpers/fakes.js';

/** A router that keeps requests per slot (the load balancer's counter) and what was done, in order. */
class CountingRouter extends FakeRouter {
  readonly calls: string[] = [];
  /** requests that keep reaching each slot per counter read (pinned clients the mark did not move) */
  leak: Record<Slot, number> = { blue: 0, green: 0 };
  private count: Record<Slot, number> = { blue: 0, green: 0 };
  left: { slot: Slot; note?: RejectionNote } | undefined;
  failLeftReads = false;

  override async set(w: Weights) {
    this.calls.push(`set ${w.blue}/${w.green}`);
    return super.set(w);
  }
  override async reject(slot: Slot, note?: RejectionNote) {
    this.calls.push(`reject ${slot}`);
    return super.reject(slot, note);
  }
  async evacuate(slot: Slot, note?: RejectionNote) {
    this.calls.push(`evacuate ${slot}`);
    this.drained.add(slot);
    this.left = note ? { slot, note } : { slot };
  }
  async evacuated(): Promise<Slot | undefined> {
    return this.left?.slot;
  }
  override async lift(slot: Slot) {
    this.calls.push(`lift ${slot}`);
    if (this.left?.slot === slot) {
      this.drained.delete(slot);
      this.left = undefined;
      return;
    }
    return super.lift(slot);
  }
  async slotRequests(slot: Slot): Promise<number> {
    this.calls.push(`count ${slot}`);
    if (this.failLeftReads) throw new Error('socket closed');
    this.count[slot] += this.leak[slot];
    return this.count[slot];
  }
}

/** Hooks that note when they ran, in the router's list of calls. */
class OrderedHooks extends FakeHooks {
  constructor(private readonly calls: string[]) {
    super();
  }
  override async run(hook: HookName, command: string, env: HookEnv): Promise<HookResult> {
    this.calls.push(`hook ${hook}`);
    return super.run(hook, command, env);
  }
}

function config(inputs: Record<string, string> = {}): Config {
  const r = parseInputs({
    provider: 'command',
    'traffic-command': 'true',
    'traffic-status-command': 'true',
    'canary-steps': '10',
    interval: '1m',
    'probe-interval': '10s',
    'rollback-command': './rollback.sh',
    ...inputs,
  });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

function setup(
  router: CountingRouter,
  inputs: Record<string, string> = {},
  opts: { healthy?: boolean; gates?: Gate[]; signal?: AbortSignal } = {},
) {
  const cfg = config(inputs);
  const timeline = new Timeline();
  const clock = new FakeClock();
  const run = () =>
    runEngine({
      config: cfg,
      plan: buildPlan(cfg),
      router,
      checks: [new ScriptedCheck((ctx) => [opts.healthy === false ? bad(ctx.now) : ok(ctx.now)])],
      hooks: new OrderedHooks(router.calls),
      clock,
      timeline,
      runId: 'run-7',
      runUrl: 'https://github.com/o/r/actions/runs/7',
      actor: 'alice',
      ...(opts.gates ? { gates: opts.gates } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  return { timeline, clock, run };
}

const leftOf = (t: Timeline) => t.last('left');

describe('after a restore', () => {
  it('a rollback marks the slot before the rollback hook, then watches it 2 s: 0 requests is the proof', async () => {
    const router = new CountingRouter();
    const { timeline, clock, run } = setup(router, {}, { healthy: false });
    const out = await run();
    expect(out.result).toBe('rolled-back');
    const from = router.calls.indexOf('set 100/0');
    expect(router.calls.slice(from)).toEqual([
      'set 100/0',
      'reject green',
      'count green',
      'count green',
      'hook rollback',
    ]);
    expect(clock.sleeps).toContain(LEFT_WATCH_MS);
    expect(leftOf(timeline)).toMatchObject({ slot: 'green', windowMs: 2000, requests: 0 });
    // the rollback event is noted once the mark is set: its time is when clients left too
    const events = timeline.events.map((e) => e.type);
    expect(events.indexOf('rollback')).toBeLessThan(events.indexOf('left'));
    expect(formatEvent(leftOf(timeline)!, {})).toBe(
      'traffic left: 0 requests reached green in the 2 s after the restore',
    );
    const summary = renderSummary({ events: timeline.events, secrets: [] });
    expect(summary).toContain('✅ 0 requests reached green in the 2 s after the restore.');
  });

  it('requests that still reach the slot are counted and said plainly, as a warning of what to look for', async () => {
    const router = new CountingRouter();
    router.leak.green = 7;
    const { timeline, run } = setup(router, {}, { healthy: false });
    await run();
    const left = leftOf(timeline)!;
    expect(left.requests).toBe(7);
    const line = formatEvent(left, {});
    expect(line).toMatch(/^7 requests reached green in the 2 s after the restore: clients still reach it \(/);
    expect(renderSummary({ events: timeline.events, secrets: [] })).toMatch(
      /⚠️ \*\*7 requests reached green in the 2 s after the restore: clients still reach it/,
    );
  });

  it('a counter that cannot be read is said, and changes nothing else', async () => {
    const router = new CountingRouter();
    router.failLeftReads = true;
    const { timeline, run } = setup(router, {}, { healthy: false });
    expect((await run()).result).toBe('rolled-back');
    expect(leftOf(timeline)).toMatchObject({ slot: 'green', error: 'socket closed' });
    expect(formatEvent(leftOf(timeline)!, {})).toBe(
      'could not count the requests that reached green after the restore: socket closed',
    );
  });

  it('after a cancellation the watch is shorter (the runner kills the process within seconds)', async () => {
    const router = new CountingRouter();
    const cancel = new AbortController();
    const { timeline, clock, run } = setup(router, { interval: '10m' }, { signal: cancel.signal });
    clock.onAdvance = (now) => {
      if (now > Date.UTC(2026, 10, 22, 12, 1)) cancel.abort(new Error('SIGTERM'));
    };
    const out = await run();
    expect(out.result).toBe('failed');
    expect(leftOf(timeline)).toMatchObject({ slot: 'green', windowMs: LEFT_WATCH_CANCELLED_MS, requests: 0 });
    expect(router.mark?.slot).toBe('green');
  });

  it('a restore that fails still tries the mark: MAINT on the slot moves its clients whatever the weights', async () => {
    const router = new CountingRouter();
    const { run } = setup(router, {}, { healthy: false });
    const original = router.set.bind(router);
    router.set = async (w) => {
      if (w.blue === 100) throw new Error('socket closed');
      return original(w);
    };
    const out = await run();
    expect(out.result).toBe('failed');
    expect(router.calls).toContain('reject green');
    expect(router.calls).not.toContain('count green');
  });

  it('a router without a request counter (ALB, Lambda: per-minute metrics) is not watched', async () => {
    const router = new CountingRouter();
    (router as { slotRequests?: unknown }).slotRequests = undefined;
    const { timeline, run } = setup(router, {}, { healthy: false });
    expect((await run()).result).toBe('rolled-back');
    expect(leftOf(timeline)).toBeUndefined();
  });
});

describe('an on-call rollback', () => {
  it('moves clients off the slot it leaves without calling its version rejected; a rollback back lifts that, no force needed', async () => {
    const router = new CountingRouter({ blue: 0, green: 100 });
    const first = setup(router, { command: 'rollback' });
    expect((await first.run()).result).toBe('rolled-back');
    expect(router.weights).toEqual({ blue: 100, green: 0 });
    expect(router.calls).toEqual([
      'set 100/0',
      'evacuate green',
      'count green',
      'count green',
      'hook rollback',
    ]);
    expect(router.left).toMatchObject({
      slot: 'green',
      note: {
        reason: 'left by an on-call rollback by alice: blue took all traffic back',
        run: 'https://github.com/o/r/actions/runs/7',
      },
    });
    expect(router.mark).toBeUndefined();
    expect(leftOf(first.timeline)).toMatchObject({ slot: 'green', requests: 0 });

    router.calls.length = 0;
    const back = setup(router, { command: 'rollback' });
    const out = await back.run();
    expect(out, JSON.stringify(back.timeline.events.filter((e) => e.type === 'warning'))).toMatchObject({
      result: 'rolled-back',
      live: 'green',
    });
    expect(router.calls).toEqual([
      'lift green',
      'set 0/100',
      'evacuate blue',
      'count blue',
      'count blue',
      'hook rollback',
    ]);
    expect(router.left?.slot).toBe('blue');
  });

  it('a rollback back that a pre-traffic check stops puts the slot’s mark back, and moves nothing', async () => {
    const router = new CountingRouter({ blue: 100, green: 0 });
    router.left = { slot: 'green' };
    router.drained.add('green');
    const gate: Gate = { name: 'pre-traffic-urls', run: async () => 'GET http://green/health: status 503' };
    const out = await setup(router, { command: 'rollback' }, { gates: [gate] }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/pre-traffic check pre-traffic-urls failed on green/);
    expect(router.calls).toEqual(['lift green', 'evacuate green']);
    expect(router.weights).toEqual({ blue: 100, green: 0 });
    expect(router.left?.slot).toBe('green');
  });
});

describe('status', () => {
  it('names the slot an on-call rollback keeps out, and a rollback back as what to run', async () => {
    const router = new CountingRouter({ blue: 100, green: 0 });
    router.left = { slot: 'green' };
    router.drained.add('green');
    const { timeline, run } = setup(router, { command: 'status' });
    await run();
    const status = (timeline.last('status') as TimelineEventOf<'status'>).status;
    expect(status.left).toBe('green');
    const lines = statusLines(status, Date.now());
    expect(lines.find((l) => l.trimStart().startsWith('green'))).toMatch(
      /previous: kept out of service \(MAINT\) since the last rollback, so no pinned client stays on it; a rollback brings it back/,
    );
    expect(lines).toContainEqual(expect.stringMatching(/rollback switches all traffic back to green/));
  });
});
