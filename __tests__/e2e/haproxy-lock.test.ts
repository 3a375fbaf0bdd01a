// Two deploys on one HAProxy backend through the bundle: the second is refused at once and moves
// nothing, whether the first is in its deploy hook or shifting, and of two started within 50 ms
// exactly one goes on.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyAvailable, type RunningHaproxy } from '../helpers/haproxy.js';
import { type AppServer } from '../helpers/app-server.js';
import { startBlueGreen } from '../helpers/blue-green.js';
import { BundleProcess, MAIN, runBundle, runPost } from '../helpers/bundle.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';
import { sendCommand } from '../../src/traffic/haproxy-socket.js';

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

/** The runner's identity for run `id`: its run id and URL name the lock's holder. */
const runEnv = (id: number) => ({
  GITHUB_RUN_ID: String(id),
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SERVER_URL: 'https://github.com',
});

describe.skipIf(!available)('two deploys on one HAProxy backend (bundle)', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;
  let router: HaproxyRouter;
  let base: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    ({ blue, green, hp, router } = await startBlueGreen());
    dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-lock-e2e-'));
    base = {
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '5',
      interval: '1s',
      'probe-interval': '250ms',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'min-requests': '0',
      'pr-comment': 'false',
    };
  });

  afterAll(async () => {
    await hp?.stop();
    await blue?.close();
    await green?.close();
  });

  /** every deploy hook that ran leaves a file named for its run */
  const marker = (name: string) => `touch "${dir}/${name}-$GITHUB_RUN_ID"`;
  const hooksRan = (name: string) => readdirSync(dir).filter((f) => f.startsWith(`${name}-`));
  const weights = async () => (await router.read()).weights;
  const lockedBy = (run: number) =>
    new RegExp(
      `^could not take the lock on HAProxy .*: backend web on HAProxy at ${hp.socketPath!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is locked by run ${run}-1-\\d+ \\(https://github\\.com/acme/shop/actions/runs/${run}\\) until \\S+ \\(variable proc\\.glidepath_lock_web\\); another deploy is using this backend\\..*; nothing was moved$`,
    );

  it('the second starts while the first is in its deploy hook: refused at once naming the first run, its hooks never run', async () => {
    const gate = path.join(dir, 'go-1');
    const first = new BundleProcess(
      MAIN,
      {
        ...base,
        'deploy-command': `${marker('hook-a')}; while [ ! -e "${gate}" ]; do sleep 0.05; done`,
      },
      { env: runEnv(1001) },
    );
    await first.waitFor(/hook: deploy/);
    const started = Date.now();
    const second = await runBundle(
      { ...base, 'backup-command': marker('backup-b'), 'deploy-command': marker('hook-b') },
      { env: runEnv(1002) },
    );
    expect(second.outputs.result, second.stdout).toBe('failed');
    expect(second.outputs['rollback-reason']).toMatch(lockedBy(1001));
    expect(second.code).not.toBe(0);
    // refused at once: no hold, no probe, no hook (the bound is node's start-up, well under 10 s)
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(hooksRan('backup-b')).toEqual([]);
    expect(hooksRan('hook-b')).toEqual([]);
    expect(await weights()).toEqual({ blue: 100, green: 0 });
    // the refused run's post step leaves the first run's lock alone
    const post = await runPost(base, second.state, second.dir, runEnv(1002));
    expect(post.code).toBe(0);
    expect((await router.lockHolder())?.run).toMatch(/^1001-1-/);

    writeFileSync(gate, '');
    const done = await first.done;
    expect(done.outputs.result, done.stdout).toBe('promoted');
    expect(await weights()).toEqual({ blue: 0, green: 100 });
    expect(await router.lockHolder()).toBeUndefined();
  }, 60_000);

  it('the second starts while the first is shifting: refused, and the split stays where the first put it', async () => {
    // green is live now: this deploy goes to blue
    const first = new BundleProcess(MAIN, { ...base, interval: '30s' }, { env: runEnv(2001) });
    await first.waitFor(/step 1 · weights → blue 5% \/ green 95%/);
    const second = await runBundle({ ...base, 'deploy-command': marker('shift-b') }, { env: runEnv(2002) });
    expect(second.outputs.result, second.stdout).toBe('failed');
    expect(second.outputs['rollback-reason']).toMatch(lockedBy(2001));
    expect(hooksRan('shift-b')).toEqual([]);
    expect(await weights()).toEqual({ blue: 5, green: 95 });
    // status names the holder while it runs
    const status = await runBundle({ ...base, command: 'status' }, { env: runEnv(2003) });
    expect(status.stdout).toMatch(
      /lock: held by run 2001-1-\d+ \(https:\/\/github\.com\/acme\/shop\/actions\/runs\/2001\) until \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
    );
    first.child.kill('SIGTERM');
    const done = await first.done;
    expect(done.outputs.result).toBe('failed');
    expect(await weights()).toEqual({ blue: 0, green: 100 });
    expect(await router.lockHolder()).toBeUndefined();
  }, 60_000);

  // Each trial: two runs, the second started 0-50 ms after the first; each deploy hook leaves a
  // marker, holds the lock 2 s (longer than node takes to start the other run) and fails, so the
  // winner's deploy stops with nothing moved and the trial ends. The many races the lock is built
  // for are in __tests__/traffic/haproxy-lock.test.ts (170 of them, in-process on real HAProxy).
  it('two started within 50 ms of each other: exactly one goes on, in each of 4 trials', async () => {
    const delays = [0, 15, 30, 50];
    const before = await weights();
    for (const [n, delay] of delays.entries()) {
      const hook = `race${n}`;
      const inputs = { ...base, 'deploy-command': `${marker(hook)}; sleep 2; exit 3` };
      const a = new BundleProcess(MAIN, inputs, { env: runEnv(3000 + 2 * n) });
      await new Promise((r) => setTimeout(r, delay));
      const b = new BundleProcess(MAIN, inputs, { env: runEnv(3001 + 2 * n) });
      const results = await Promise.all([a.done, b.done]);
      const went = results.filter((r) =>
        /deploy-command exited with code 3/.test(r.outputs['rollback-reason'] ?? ''),
      );
      const refused = results.filter((r) =>
        /^could not take the lock on HAProxy .*(is locked by run|lost the lock on backend web)/.test(
          r.outputs['rollback-reason'] ?? '',
        ),
      );
      const says = results.map((r) => r.outputs['rollback-reason']).join('\n');
      expect(went, `trial ${n} (+${delay} ms):\n${says}`).toHaveLength(1);
      expect(refused, `trial ${n} (+${delay} ms):\n${says}`).toHaveLength(1);
      expect(hooksRan(hook)).toHaveLength(1);
      expect(await weights()).toEqual(before);
      expect(await router.lockHolder()).toBeUndefined();
    }
  }, 120_000);

  it('main killed holding the lock: the post step releases it; a reload loses it and status says none is seen', async () => {
    const gate = path.join(dir, 'never');
    const first = new BundleProcess(
      MAIN,
      // the hook outlives a SIGKILLed main (it runs in its own process group): bounded, so a failed
      // test leaves no endless loop behind, and released by the gate at the end
      {
        ...base,
        'deploy-command': `end=$(($(date +%s) + 60)); while [ ! -e "${gate}" ] && [ $(date +%s) -lt $end ]; do sleep 0.05; done`,
      },
      { env: runEnv(4001) },
    );
    await first.waitFor(/hook: deploy/);
    expect((await router.lockHolder())?.run).toMatch(/^4001-1-/);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    const post = await runPost(base, killed.state, killed.dir, runEnv(4001));
    expect(post.code, post.stdout).toBe(0);
    expect(await router.lockHolder()).toBeUndefined();
    expect(existsSync(gate)).toBe(false);

    // a lock HAProxy forgot (as a reload does): status says none is seen, and why that can be
    await router.lock('5001-1-1', 3_600_000);
    await sendCommand(hp.socketAddress, 'experimental-mode on; set var proc.glidepath_lock_web str()');
    const status = await runBundle({ ...base, command: 'status' }, { env: runEnv(5002) });
    expect(status.stdout).toContain(
      '  lock: none seen: no deploy holds this backend (HAProxy keeps the lock in a process variable, which a reload clears',
    );
    writeFileSync(gate, ''); // the orphaned hook ends
  }, 60_000);
});
