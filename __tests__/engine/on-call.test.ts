// On-call commands through the engine: the rejected mark's note, force: true, the lock's first words,
// and the weights every outcome reports as read back.
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { buildPlan } from '../../src/plan/build.js';
import { runEngine } from '../../src/engine/engine.js';
import type { Gate } from '../../src/ports/checks.js';
import { Timeline } from '../../src/ports/timeline.js';
import { formatEvent } from '../../src/report/progress.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHooks, FakeRouter, ScriptedCheck, ok } from '../helpers/fakes.js';

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

function setup(router: FakeRouter, inputs: Record<string, string>, gates?: Gate[]) {
  const cfg = config(inputs);
  const timeline = new Timeline();
  const run = () =>
    runEngine({
      config: cfg,
      plan: buildPlan(cfg),
      router,
      checks: [new ScriptedCheck((ctx) => [ok(ctx.now)])],
      hooks: new FakeHooks(),
      clock: new FakeClock(),
      timeline,
      runId: 'run-7',
      runUrl: 'https://github.com/o/r/actions/runs/7',
      actor: 'alice',
      ...(gates ? { gates } : {}),
    });
  return { timeline, run };
}

/** blue live, green aborted at 25% by alice: what on-call finds after an abort */
async function aborted(): Promise<FakeRouter> {
  const router = new FakeRouter({ blue: 75, green: 25 });
  router.marked = 'green';
  expect((await setup(router, { command: 'abort' }).run()).result).toBe('aborted');
  return router;
}

describe('the rejected mark keeps a note', () => {
  it('an abort marks the slot with who aborted, at which weight, in which run and when', async () => {
    const router = await aborted();
    expect(router.mark).toEqual({
      slot: 'green',
      note: {
        run: 'https://github.com/o/r/actions/runs/7',
        at: expect.any(Number),
        reason: 'aborted by alice at 25%',
      },
    });
  });

  it('a rollback refuses the rejected slot, showing the note and the way past it', async () => {
    const router = await aborted();
    const writes = router.writes.length;
    const out = await setup(router, { command: 'rollback' }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /^nothing was moved: green is marked rejected: aborted by alice at 25% \(run https:\/\/github\.com\/o\/r\/actions\/runs\/7, .* UTC\).*force: true/,
    );
    expect(router.writes.length).toBe(writes);
  });

  it('status shows the mark and its note, and offers the next commands', async () => {
    const router = await aborted();
    const { timeline, run } = setup(router, { command: 'status' });
    await run();
    const status = timeline.events.find((e) => e.type === 'status');
    expect(status).toMatchObject({
      type: 'status',
      status: {
        live: 'blue',
        rejected: { slot: 'green', note: { reason: 'aborted by alice at 25%' } },
        lock: 'none',
      },
    });
  });
});

describe('force: true', () => {
  it('lifts Glidepath’s own mark and rolls back, saying it was forced and by whom', async () => {
    const router = await aborted();
    const { timeline, run } = setup(router, { command: 'rollback', force: 'true' });
    const out = await run();
    expect(out).toMatchObject({ result: 'rolled-back', live: 'green', previous: 'blue', weight: 0 });
    expect(out.reason).toMatch(
      /^rolled back on request, forced by alice past Glidepath's rejected mark \(aborted by alice at 25%/,
    );
    expect(router.weights).toEqual({ blue: 0, green: 100 });
    expect(router.mark).toBeUndefined();
    const forced = timeline.events.find((e) => e.type === 'force');
    expect(forced).toMatchObject({ slot: 'green', by: 'alice', lifted: { slot: 'green' } });
    expect(formatEvent(forced!)).toMatch(/^FORCED by alice: lifted Glidepath's rejected mark on green/);
  });

  it('probes the slot first: a failing pre-traffic check moves nothing and puts the mark back', async () => {
    const router = await aborted();
    const before = router.mark;
    const gate: Gate = { name: 'pre-traffic-urls', run: async () => 'GET http://green/health: status 503' };
    const out = await setup(router, { command: 'rollback', force: 'true' }, [gate]).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/pre-traffic check pre-traffic-urls failed on green.*traffic stays on blue/);
    expect(router.weights).toEqual({ blue: 100, green: 0 });
    expect(router.mark).toEqual(before);
  });

  it('never overrides an operator’s MAINT: refused, nothing moved, the mark kept', async () => {
    const router = await aborted();
    router.heldOut.set('green', 'MAINT');
    const writes = router.writes.length;
    const out = await setup(router, { command: 'rollback', force: 'true' }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /nothing was moved: force: true lifts only Glidepath's own rejected mark, and green is in MAINT/,
    );
    expect(router.writes.length).toBe(writes);
    expect(router.mark?.slot).toBe('green');
  });

  it('never sends traffic to a DOWN server: the lift is undone and nothing moves', async () => {
    const router = await aborted();
    router.heldOut.set('green', 'DOWN');
    const writes = router.writes.length;
    const out = await setup(router, { command: 'rollback', force: 'true' }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/green still cannot take traffic .*its mark is back/);
    expect(router.writes.length).toBe(writes);
    expect(router.mark?.slot).toBe('green');
  });

  it('does not lift a drain Glidepath did not set (no mark): refused, force or not', async () => {
    const router = new FakeRouter({ blue: 100, green: 0 });
    router.drained.add('green'); // an operator's drain: no note
    const out = await setup(router, { command: 'rollback', force: 'true' }).run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /green cannot take traffic .*Glidepath has no rejected mark on it.*never overrides those, force or not/,
    );
    expect(router.writes).toEqual([]);
  });

  it.each(['deploy', 'promote', 'abort', 'status'])(
    'given to %s, says it does not apply',
    async (command) => {
      const router = new FakeRouter({ blue: 100, green: 0 });
      const { timeline, run } = setup(router, { command, force: 'true', 'canary-steps': '10' });
      await run();
      const warning = timeline.events.find((e) => e.type === 'warning');
      expect(warning).toMatchObject({
        message: expect.stringContaining(`force: true applies to command rollback only`),
      });
      expect(warning).toMatchObject({ message: expect.stringContaining(`no effect on ${command}`) });
    },
  );
});

describe('words', () => {
  it('an abort is announced as ABORT, never as ROLLBACK', async () => {
    const router = new FakeRouter({ blue: 75, green: 25 });
    router.marked = 'green';
    const { timeline, run } = setup(router, { command: 'abort' });
    await run();
    const back = timeline.events.find((e) => e.type === 'rollback')!;
    expect(formatEvent(back)).toMatch(
      /^ABORT: aborted by alice: blue has 100% again; the deploy to green stopped at 25%/,
    );
    expect(timeline.events.map((e) => formatEvent(e) ?? '').join('\n')).not.toMatch(/ROLLBACK/);
  });

  it('a load balancer out of reach: the first message is that the lock could not be taken', async () => {
    const router = new FakeRouter();
    Object.assign(router, {
      lock: async () => {
        throw new Error('connect ETIMEDOUT elasticloadbalancing');
      },
      unlock: async () => {
        throw new Error('connect ETIMEDOUT elasticloadbalancing');
      },
    });
    const { timeline, run } = setup(router, { command: 'deploy' });
    const out = await run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /^could not take the lock on fake router: connect ETIMEDOUT.*nothing was moved/,
    );
    const said = timeline.events.filter((e) => e.type === 'error' || e.type === 'warning');
    expect(said[0]).toMatchObject({
      type: 'error',
      message: expect.stringMatching(/^could not take the lock/),
    });
    expect(router.writes).toEqual([]);
  });
});
