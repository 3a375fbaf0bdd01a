// Fault suite: the runner cancels (SIGINT, SIGTERM) or kills (SIGKILL, then the post step) the bundled
// action at every phase of a deploy on a real HAProxy. Each case asserts where traffic ends, read
// back from HAProxy, the result output and its words, and that the run lock is released.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyAvailable, startHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { BundleProcess, MAIN, runPost, type BundleRun } from '../helpers/bundle.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

type Phase = 'before the shift' | 'mid-step' | 'during a rollback' | 'during cleanup';

interface Fixture {
  hp: RunningHaproxy;
  router: HaproxyRouter;
  inputs: Record<string, string>;
  gate: string;
  /** the line main prints once it is in the phase */
  inPhase: RegExp;
}

const runEnv = { GITHUB_RUN_ID: '7001', GITHUB_RUN_ATTEMPT: '1', GITHUB_REPOSITORY: 'acme/shop' };

describe.skipIf(!available)('fault: the runner cancels or kills the action (bundle, real HAProxy)', () => {
  let blue: AppServer;
  let green: AppServer;
  let failing: AppServer;
  let dir: string;
  const started: RunningHaproxy[] = [];
  let n = 0;

  beforeAll(async () => {
    blue = await startAppServer({ name: 'v1' });
    green = await startAppServer({ name: 'v2' });
    failing = await startAppServer({ name: 'v2-broken', errorRate: 1 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-signals-'));
  });

  afterAll(async () => {
    // a SIGKILLed main leaves its hook running (it has its own process group): the gates end them
    for (let i = 1; i <= n; i++) writeFileSync(path.join(dir, `gate-${i}`), '');
    await Promise.all(started.map((h) => h.stop()));
    await blue?.close();
    await green?.close();
    await failing?.close();
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  });

  /** a fresh HAProxy (blue live) and the inputs that stop the deploy in `phase` until the gate opens */
  async function fixture(phase: Phase): Promise<Fixture> {
    const gate = path.join(dir, `gate-${++n}`);
    const wait = `while [ ! -e "${gate}" ]; do sleep 0.05; done`;
    // the slot probed: the broken one makes the judge roll back at the first step
    const probed = phase === 'during a rollback' ? failing : green;
    const hp = await startHaproxy({ servers: { blue: blue.port, green: probed.port }, socket: 'unix' });
    started.push(hp);
    const router = new HaproxyRouter({
      kind: 'haproxy',
      sockets: [hp.socketAddress],
      blue: { backend: 'web', servers: ['blue'] },
      green: { backend: 'web', servers: ['green'] },
    });
    const inputs: Record<string, string> = {
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '5',
      interval: phase === 'mid-step' ? '60s' : '1s',
      'probe-interval': '250ms',
      'probe-timeout': '1s',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'health-urls': `${probed.url}/health`,
      'min-requests': '0',
      'pr-comment': 'false',
      'hook-timeout': '5m',
    };
    if (phase === 'before the shift') inputs['deploy-command'] = wait;
    if (phase === 'during a rollback') inputs['rollback-command'] = wait;
    if (phase === 'during cleanup') inputs['cleanup-command'] = wait;
    const inPhase = {
      'before the shift': /::group::hook: deploy/,
      'mid-step': /step 1 · weights → blue 95% \/ green 5%/,
      'during a rollback': /::group::hook: rollback/,
      'during cleanup': /::group::hook: cleanup/,
    }[phase];
    return { hp, router, inputs, gate, inPhase };
  }

  const weights = async (f: Fixture) => (await f.router.read()).weights;

  /** starts main, waits until it is in `phase`, sends `signal`; for SIGKILL runs the post step too */
  async function interrupt(
    phase: Phase,
    signal: 'SIGTERM' | 'SIGINT' | 'SIGKILL',
  ): Promise<{ f: Fixture; main: BundleRun; post: BundleRun; tookMs: number }> {
    const f = await fixture(phase);
    const run = new BundleProcess(MAIN, f.inputs, { env: runEnv });
    await run.waitFor(f.inPhase, 30_000);
    // the lock is held in every phase: the run owns the backend until it ends
    expect((await f.router.lockHolder())?.run, run.stdout).toMatch(/^7001-1-\d+$/);
    const sent = Date.now();
    run.child.kill(signal);
    const main = await run.done;
    const tookMs = Date.now() - sent;
    const post = await runPost(f.inputs, main.state, main.dir, runEnv);
    // workflow commands escape % as %25; the runner shows the words unescaped
    for (const r of [main, post]) r.stdout = r.stdout.replaceAll('%25', '%');
    return { f, main, post, tookMs };
  }

  // SIGTERM and SIGINT (the runner cancels: SIGINT, then SIGTERM 7.5 s later) take the same path;
  // each has its own test, titled in full so the README's fault table can name it
  async function cancelBeforeShift(signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
    const { f, main, post } = await interrupt('before the shift', signal);
    expect(main.outputs.result, main.stdout).toBe('failed');
    expect(main.outputs['rollback-reason']).toBe(
      `deploy-command was stopped: the run was cancelled (${signal}); no traffic was moved`,
    );
    expect(main.stdout).toContain(
      `::warning::received ${signal}: stopping the run (traffic is not split: nothing to put back)`,
    );
    expect(main.outputs['live-slot']).toBe('blue');
    expect(main.code).not.toBe(0);
    expect(await weights(f)).toEqual({ blue: 100, green: 0 });
    expect(await f.router.lockHolder()).toBeUndefined();
    expect(post.code, post.stdout).toBe(0);
    expect(post.stdout).not.toMatch(/::(warning|error)/);
  }

  async function cancelMidStep(signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
    const { f, main, post } = await interrupt('mid-step', signal);
    expect(main.outputs.result, main.stdout).toBe('failed');
    expect(main.outputs['rollback-reason']).toMatch(
      new RegExp(`^the run was cancelled \\(${signal}\\).*; traffic restored to blue$`),
    );
    expect(main.outputs['live-slot']).toBe('blue');
    expect(main.stdout).toContain(`::warning::received ${signal}: putting traffic back on the live slot`);
    expect(main.code).not.toBe(0);
    expect(await weights(f)).toEqual({ blue: 100, green: 0 });
    expect(await f.router.lockHolder()).toBeUndefined();
    expect(post.code, post.stdout).toBe(0);
    expect(post.stdout).not.toMatch(/::(warning|error)/);
  }

  async function cancelDuringRollback(signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
    const { f, main, post, tookMs } = await interrupt('during a rollback', signal);
    // hook-timeout is 5m: only the bound after a cancellation ends it this soon (the runner kills at ~7.5 s)
    expect(tookMs).toBeGreaterThanOrEqual(5000);
    expect(tookMs).toBeLessThan(30_000);
    expect(main.outputs.result, main.stdout).toBe('failed');
    expect(main.outputs['rollback-reason']).toMatch(
      new RegExp(
        `^probe \\S+ failed: status 500 not in 200-299, 2 probes in a row \\(failure-threshold 2\\); but rollback-command was stopped: the run was cancelled \\(${signal}\\), and rollback-command gets 5s once the run is stopped$`,
      ),
    );
    expect(main.outputs['live-slot']).toBe('blue');
    expect(main.code).not.toBe(0);
    expect(await weights(f)).toEqual({ blue: 100, green: 0 });
    expect(await f.router.lockHolder()).toBeUndefined();
    expect(post.code, post.stdout).toBe(0);
  }

  async function cancelDuringCleanup(signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
    const { f, main, post } = await interrupt('during cleanup', signal);
    expect(main.outputs.result, main.stdout).toBe('promoted');
    expect(main.outputs['live-slot']).toBe('green');
    expect(main.stdout).toContain(
      `::warning::received ${signal}: stopping the run (traffic is not split: nothing to put back)`,
    );
    expect(main.stdout).toMatch(
      new RegExp(
        `^::warning::cleanup-command was stopped: the run was cancelled \\(${signal}\\) \\(the deploy itself is promoted\\)$`,
        'm',
      ),
    );
    expect(main.code).toBe(0);
    expect(await weights(f)).toEqual({ blue: 0, green: 100 });
    expect(await f.router.lockHolder()).toBeUndefined();
    expect(post.code, post.stdout).toBe(0);
  }

  describe('SIGTERM and SIGINT (the runner cancels)', () => {
    it(
      'SIGTERM before the shift (in the deploy hook): the hook is stopped, nothing moved, result failed, lock released',
      () => cancelBeforeShift('SIGTERM'),
      60_000,
    );
    it(
      'SIGTERM mid-step: blue is restored to 100%, result failed naming the signal, lock released',
      () => cancelMidStep('SIGTERM'),
      60_000,
    );
    it(
      "SIGTERM during a rollback (in the rollback hook): blue stays at 100%, the hook is stopped 5 s later (before the runner's kill), result failed naming the verdict and the stopped hook, lock released",
      () => cancelDuringRollback('SIGTERM'),
      60_000,
    );
    it(
      'SIGTERM during cleanup: the promotion stands (green 100%), result promoted with the cleanup cut short, lock released',
      () => cancelDuringCleanup('SIGTERM'),
      60_000,
    );
    it(
      'SIGINT before the shift (in the deploy hook): the hook is stopped, nothing moved, result failed, lock released',
      () => cancelBeforeShift('SIGINT'),
      60_000,
    );
    it(
      'SIGINT mid-step: blue is restored to 100%, result failed naming the signal, lock released',
      () => cancelMidStep('SIGINT'),
      60_000,
    );
    it(
      "SIGINT during a rollback (in the rollback hook): blue stays at 100%, the hook is stopped 5 s later (before the runner's kill), result failed naming the verdict and the stopped hook, lock released",
      () => cancelDuringRollback('SIGINT'),
      60_000,
    );
    it(
      'SIGINT during cleanup: the promotion stands (green 100%), result promoted with the cleanup cut short, lock released',
      () => cancelDuringCleanup('SIGINT'),
      60_000,
    );
  });

  describe('SIGKILL (main dies at once), then the post step', () => {
    it('SIGKILL before the shift, then post: nothing moved, the post step releases the lock', async () => {
      const { f, main, post } = await interrupt('before the shift', 'SIGKILL');
      expect(main.signal).toBe('SIGKILL');
      expect(main.outputs.result).toBeUndefined();
      expect(await weights(f)).toEqual({ blue: 100, green: 0 });
      expect(post.code, post.stdout).toBe(0);
      expect(await f.router.lockHolder()).toBeUndefined();
      expect(post.stdout).not.toMatch(/::error/);
    }, 60_000);

    it('SIGKILL mid-step, then post: the post step restores blue to 100%, says the deploy did not finish, releases the lock', async () => {
      const { f, main, post } = await interrupt('mid-step', 'SIGKILL');
      expect(main.signal).toBe('SIGKILL');
      expect(main.outputs.result).toBeUndefined();
      expect(post.code, post.stdout).toBe(0);
      expect(await weights(f)).toEqual({ blue: 100, green: 0 });
      expect(post.stdout).toContain(
        '::warning::the main step did not finish its shift (last set blue 95% / green 5%): restoring blue to 100%',
      );
      expect(post.stdout).toMatch(
        /::warning title=Glidepath restored the live slot::the deploy to green did not finish \(the main step stopped mid-shift\); blue has 100% of traffic again/,
      );
      expect(await f.router.lockHolder()).toBeUndefined();
      // the unverified slot is marked: a manual rollback will not send traffic there
      expect((await f.router.rejected())?.slot).toBe('green');
    }, 60_000);

    it('SIGKILL during a rollback, then post: blue is already at 100% and stays, the post step releases the lock', async () => {
      const { f, main, post } = await interrupt('during a rollback', 'SIGKILL');
      expect(main.signal).toBe('SIGKILL');
      expect(main.outputs.result).toBeUndefined();
      expect(post.code, post.stdout).toBe(0);
      expect(await weights(f)).toEqual({ blue: 100, green: 0 });
      expect(await f.router.lockHolder()).toBeUndefined();
    }, 60_000);

    it('SIGKILL during cleanup, then post: the promotion stands (green 100%), the post step releases the lock', async () => {
      const { f, main, post } = await interrupt('during cleanup', 'SIGKILL');
      expect(main.signal).toBe('SIGKILL');
      expect(main.outputs.result).toBeUndefined();
      expect(post.code, post.stdout).toBe(0);
      expect(await weights(f)).toEqual({ blue: 0, green: 100 });
      expect(await f.router.lockHolder()).toBeUndefined();
      expect(post.stdout).not.toMatch(/restoring/);
    }, 60_000);
  });
});
