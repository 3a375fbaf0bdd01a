// The bundled action against a real HAProxy and real app servers on loopback, under load from a second process.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { haproxyAvailable, freePort, type RunningHaproxy } from '../helpers/haproxy.js';
import { type AppServer } from '../helpers/app-server.js';
import { startBlueGreen } from '../helpers/blue-green.js';
import { BundleProcess, MAIN, runBundle, runPost } from '../helpers/bundle.js';
import { startLoad } from '../helpers/load-process.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';

const available = haproxyAvailable();
if (!available) {
  if (process.env.GLIDEPATH_REQUIRE_HAPROXY)
    throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');
  console.warn(
    '\n!!! haproxy is not installed: SKIPPING the end-to-end HAProxy deploy tests (apt-get install -y haproxy) !!!\n',
  );
}

describe.skipIf(!available)('bundled action on real HAProxy', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;
  let router: HaproxyRouter;
  let base: Record<string, string>;

  beforeEach(async () => {
    ({ blue, green, hp, router } = await startBlueGreen());
    base = {
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '5,25,50',
      interval: '2s',
      'probe-interval': '500ms',
      'probe-timeout': '400ms',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'health-urls': `${hp.frontendUrl}/health`,
      'min-requests': '10',
    };
  });

  afterEach(async () => {
    await hp.stop();
    await blue.close();
    await green.close();
  });

  it('promotes a healthy canary 5,25,50 under constant load with 0 failed client requests', async () => {
    const load = await startLoad(hp.frontendUrl);
    const r = await runBundle(base);
    const seen = await load.stop();
    expect(r.outputs.result, r.stdout).toBe('promoted');
    expect(r.code).toBe(0);
    expect(r.outputs['live-slot']).toBe('green');
    expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
    expect(seen.failures, JSON.stringify(seen.firstFailures)).toBe(0);
    expect(seen.requests).toBeGreaterThan(500);
    expect(seen.byVersion.v2).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/step 1\/4 · green 5%/);
    expect(r.summary).toMatch(/Promoted/i);
  }, 60_000);

  it('rolls back a canary whose new slot answers 20% 500s, naming the error rate and the limit; a manual rollback then refuses the rejected slot', async () => {
    green.set({ errorRate: 0.2 });
    const load = await startLoad(hp.frontendUrl);
    const r = await runBundle(base);
    await load.stop();
    expect(r.outputs.result, r.stdout).toBe('rolled-back');
    expect(r.code).not.toBe(0);
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    expect(r.outputs['rollback-reason']).toMatch(/error rate [\d.]+%.*1% limit/);
    expect(r.outputs['live-slot']).toBe('blue');

    // on-call presses rollback afterwards: green holds the rejected version (drained), nothing moves
    const oncall = await runBundle({ ...base, command: 'rollback' });
    expect(oncall.outputs.result).toBe('failed');
    expect(oncall.outputs['rollback-reason']).toMatch(
      /nothing was moved: green is marked rejected: rolled back: green error rate .* force: true/,
    );
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });

    // a fixed v2 deploys to green again: the drain is lifted before traffic shifts
    green.set({ errorRate: 0 });
    const load2 = await startLoad(hp.frontendUrl);
    const fixed = await runBundle(base);
    const seen = await load2.stop();
    expect(fixed.outputs.result, fixed.stdout).toBe('promoted');
    expect(seen.byVersion.v2).toBeGreaterThan(0);
    expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
  }, 90_000);

  it('fail-on-rollback: false keeps the step green when the live slot was restored', async () => {
    green.set({ errorRate: 0.2 });
    const load = await startLoad(hp.frontendUrl);
    const r = await runBundle({ ...base, 'fail-on-rollback': 'false' });
    await load.stop();
    expect(r.outputs.result).toBe('rolled-back');
    expect(r.code).toBe(0);
  }, 60_000);

  it('rolls back a latency regression (+400 ms) against max-latency p99<200ms', async () => {
    green.set({ extraLatencyMs: 400 });
    const load = await startLoad(hp.frontendUrl);
    const r = await runBundle({ ...base, 'max-latency': 'p99<200ms', 'probe-timeout': '450ms' });
    await load.stop();
    expect(r.outputs.result, r.stdout).toBe('rolled-back');
    expect(r.outputs['rollback-reason']).toMatch(/p99<200ms|200ms/);
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
  }, 60_000);

  it('blue-green: a failing pre-traffic URL moves nothing and the message names the URL', async () => {
    const closed = await freePort();
    const r = await runBundle({
      ...base,
      strategy: 'blue-green',
      'pre-traffic-urls': `http://127.0.0.1:${closed}/{slot}/health`,
    });
    expect(r.code).not.toBe(0);
    expect(r.outputs.result).toBe('failed');
    expect(r.outputs['rollback-reason']).toContain(`http://127.0.0.1:${closed}/green/health`);
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
  }, 30_000);

  it.each(['backup', 'deploy'])(
    'a failing %s hook moves nothing',
    async (hook) => {
      const r = await runBundle({
        ...base,
        [`${hook}-command`]: 'echo "about to fail on $GLIDEPATH_TARGET_SLOT"; exit 3',
      });
      expect(r.code).not.toBe(0);
      expect(r.outputs.result).toBe('failed');
      expect(r.outputs['rollback-reason']).toContain(
        `${hook}-command exited with code 3; no traffic was moved`,
      );
      expect(r.stdout).toContain('about to fail on green');
      expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    },
    30_000,
  );

  it('SIGTERM mid-canary: weights are back on the live slot within 5 s', async () => {
    const run = new BundleProcess(MAIN, { ...base, interval: '20s' });
    await run.waitFor(/step 1 · weights → blue 95% \/ green 5%/);
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    let restoredAt: number | undefined;
    while (Date.now() - t0 < 5000) {
      const w = (await router.read()).weights;
      if (w.blue === 100 && w.green === 0) {
        restoredAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await run.done;
    expect(restoredAt, `not restored within 5 s:\n${r.stdout}`).toBeDefined();
    expect(r.outputs.result).toBe('failed');
    expect(r.outputs['rollback-reason']).toMatch(/SIGTERM.*traffic restored to blue/);
    expect(r.code).not.toBe(0);
    // the runner gives a cancelled process little time: the watch after the restore is 1 s, and says so
    expect(r.stdout).toContain('traffic left: 0 requests reached green in the 1 s after the restore');
    expect((await router.read()).ineligible).toEqual(['green']);
    // main restored: the post step has nothing left to do
    const post = await runPost(base, r.state, r.dir);
    expect(post.code).toBe(0);
  }, 60_000);

  it('main killed with SIGKILL mid-canary: the post step restores the live slot from the saved state', async () => {
    const run = new BundleProcess(MAIN, { ...base, interval: '20s' });
    await run.waitFor(/step 1 · weights → blue 95% \/ green 5%/);
    run.child.kill('SIGKILL');
    const r = await run.done;
    expect((await router.read()).weights).toEqual({ blue: 95, green: 5 });
    const post = await runPost(base, r.state, r.dir);
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    expect(post.stdout).toMatch(/restoring blue to 100%/);
    // the post step marks green (MAINT: pinned clients move too) and watches that traffic left it
    expect((await router.read()).ineligible).toEqual(['green']);
    expect(post.stdout).toContain('traffic left: 0 requests reached green in the 2 s after the restore');
    // traffic is safe: the post step is green, and its warning says the deploy did not finish
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/::warning title=Glidepath restored the live slot::.*did not finish/);
  }, 60_000);

  it('a held deploy is left split by the post step, then promote finishes it', async () => {
    const load = await startLoad(hp.frontendUrl);
    const held = await runBundle({ ...base, 'hold-at': '25' });
    expect(held.outputs).toMatchObject({ result: 'held', weight: '25' });
    expect(held.code).toBe(0);
    const post = await runPost(base, held.state, held.dir);
    expect(post.code).toBe(0);
    expect((await router.read()).weights).toEqual({ blue: 75, green: 25 });
    const promoted = await runBundle({ ...base, command: 'promote', 'hold-at': '25' });
    const seen = await load.stop();
    expect(promoted.outputs.result, promoted.stdout).toBe('promoted');
    expect(seen.failures).toBe(0);
    expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
  }, 60_000);

  it('held above half (green 75%): a promote job without hold-at knows green is the new slot', async () => {
    const load = await startLoad(hp.frontendUrl);
    const held = await runBundle({ ...base, 'canary-steps': '25,75', 'hold-at': '75' });
    expect(held.outputs).toMatchObject({ result: 'held', weight: '75' });
    expect((await router.read()).weights).toEqual({ blue: 25, green: 75 });
    expect(await router.markedTarget()).toBe('green');
    // base has no hold-at: only HAProxy's own note says which slot is new
    const promoted = await runBundle({ ...base, 'canary-steps': '25,75', command: 'promote' });
    const seen = await load.stop();
    expect(promoted.outputs, promoted.stdout).toMatchObject({ result: 'promoted', 'live-slot': 'green' });
    expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
    expect(await router.markedTarget()).toBeUndefined();
    expect(seen.failures).toBe(0);
  }, 60_000);

  it('HAProxy gone mid-shift: the run fails loudly and says what state traffic was left in', async () => {
    const run = new BundleProcess(MAIN, { ...base, interval: '20s' });
    await run.waitFor(/step 1 · weights → blue 95% \/ green 5%/);
    await hp.stop();
    const r = await run.done;
    expect(r.code).not.toBe(0);
    expect(r.outputs.result).toBe('failed');
    expect(r.outputs['rollback-reason']).toMatch(
      /could not restore blue to 100%.*last seen at blue 95% \/ green 5%.*may still be split/,
    );
    expect(r.stdout).toMatch(/::error::/);
  }, 60_000);
});
