// The run's `timeout` reached in the middle of a step: the engine on the fake clock (only time
// matters) against a real HAProxy, and the bundle as a user meets it. Each asserts where traffic ends
// up (read back from HAProxy), the result, and that the reason names the input.
import { afterEach, describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/parse.js';
import { buildPlan } from '../../src/plan/build.js';
import { runEngine } from '../../src/engine/engine.js';
import { Timeline } from '../../src/ports/timeline.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHooks, ScriptedCheck, ok } from '../helpers/fakes.js';
import { haproxyAvailable, startHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { runBundle } from '../helpers/bundle.js';

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

describe.skipIf(!available)('fault: the run reaches its timeout mid-step', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function start() {
    const blue: AppServer = await startAppServer({ name: 'v1' });
    cleanup.push(() => blue.close());
    const green: AppServer = await startAppServer({ name: 'v2' });
    cleanup.push(() => green.close());
    const hp: RunningHaproxy = await startHaproxy({
      servers: { blue: blue.port, green: green.port },
      socket: 'unix',
    });
    cleanup.push(() => hp.stop());
    const router = new HaproxyRouter({
      kind: 'haproxy',
      sockets: [hp.socketAddress],
      blue: { backend: 'web', servers: ['blue'] },
      green: { backend: 'web', servers: ['green'] },
    });
    const inputs = {
      command: 'deploy',
      strategy: 'canary',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'min-requests': '0',
      'pr-comment': 'false',
    };
    return { hp, router, inputs };
  }

  it('timeout reached 2 minutes into the 5-minute second step: the step is cut off, the live slot restored, the reason names the timeout input', async () => {
    const { router, inputs } = await start();
    const parsed = parseInputs({
      ...inputs,
      'canary-steps': '10,50',
      interval: '5m',
      'probe-interval': '30s',
      timeout: '7m',
    });
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    const config = parsed.config;
    const clock = new FakeClock();
    const timeline = new Timeline();
    const check = new ScriptedCheck((ctx) => [ok(ctx.now)]);
    const began = clock.now();
    const out = await runEngine({
      config,
      plan: buildPlan(config),
      router: new HaproxyRouter(config.provider as ConstructorParameters<typeof HaproxyRouter>[0]),
      checks: [check],
      hooks: new FakeHooks(),
      clock,
      timeline,
      runId: 'timeout-run',
    });
    expect(out.result).toBe('failed');
    expect(out.reason).toBe('the run hit its timeout of 7m (input timeout); traffic restored to blue');
    expect(out.live).toBe('blue');
    // cut off at 7 minutes exactly, in step 2: the splits HAProxy was given, then blue back at 100%
    const back = timeline.events.find((e) => e.type === 'rollback');
    expect(back && back.at - began).toBe(7 * 60_000);
    const set = timeline.events.flatMap((e) => (e.type === 'weights' ? [e.applied.weights.green] : []));
    expect(set).toEqual([10, 50]);
    expect(timeline.events.some((e) => e.type === 'step-verdict' && e.step === 2)).toBe(false);
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    expect(await router.lockHolder()).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  }, 30_000);

  it('timeout reached mid-step through the bundle (a slow deploy hook ate the margin): result failed, the reason names the timeout input, the live slot back at 100%', async () => {
    const { router, inputs } = await start();
    // 4 s of holds fit in timeout 5s, as the plan checks; the 2 s deploy hook pushes the end past it,
    // so the timeout falls in the second step (about 4.3 s to 6.3 s into the run)
    const r = await runBundle({
      ...inputs,
      'canary-steps': '50',
      interval: '2s',
      'probe-interval': '500ms',
      'deploy-command': 'sleep 2',
      timeout: '5s',
    });
    expect(r.outputs.result, r.stdout).toBe('failed');
    expect(r.code).not.toBe(0);
    expect(r.outputs['rollback-reason'], r.stdout).toBe(
      'the run hit its timeout of 5s (input timeout); traffic restored to blue',
    );
    expect(r.stdout).toMatch(/step 1 · weights → blue 50% \/ green 50%/);
    expect(r.outputs['live-slot']).toBe('blue');
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    expect(await router.lockHolder()).toBeUndefined();
  }, 60_000);
});
