// Fault suite: a user hook that hangs past hook-timeout, prints megabytes, or is killed by a signal.
// The engine runs real processes through the real shell runner (ShellHookRunner, as the bundle
// wires it); time that only the engine waits on runs on the fake clock. Two cases go through the
// bundle on a real HAProxy, as a user meets them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/parse.js';
import { buildPlan } from '../../src/plan/build.js';
import { runEngine } from '../../src/engine/engine.js';
import { Timeline } from '../../src/ports/timeline.js';
import type { HookResult } from '../../src/ports/hooks.js';
import { ShellHookRunner } from '../../src/hooks/runner.js';
import type { ShellLogger } from '../../src/shared/shell.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeRouter, ScriptedCheck, ok } from '../helpers/fakes.js';
import { haproxyAvailable, type RunningHaproxy } from '../helpers/haproxy.js';
import { type AppServer } from '../helpers/app-server.js';
import { startBlueGreen } from '../helpers/blue-green.js';
import { runBundle, runPost } from '../helpers/bundle.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-hook-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** counts what the runner streams instead of keeping it: a hook may print megabytes */
function countingLogger(): ShellLogger & { lines: number; chars: number; longest: number; last: string } {
  const log = { lines: 0, chars: 0, longest: 0, last: '' };
  return Object.assign(log, {
    startGroup: () => {},
    endGroup: () => {},
    info: (line: string) => {
      log.lines++;
      log.chars += line.length;
      log.longest = Math.max(log.longest, line.length);
      log.last = line;
    },
  });
}

/** A pid that is gone or a zombie counts as dead. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function deadWithin(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !alive(pid);
}

/** the engine on a fake router and clock, hooks run for real with the bundle's runner */
async function deploy(inputs: Record<string, string>, killGraceMs?: number) {
  const parsed = parseInputs({
    provider: 'command',
    'traffic-command': 'true',
    'traffic-status-command': 'true',
    strategy: 'canary',
    'canary-steps': '25',
    interval: '1m',
    'probe-interval': '10s',
    ...inputs,
  });
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  const config = parsed.config;
  const router = new FakeRouter();
  const timeline = new Timeline();
  const logger = countingLogger();
  const hooks = new ShellHookRunner({
    timeoutMs: config.hookTimeoutMs,
    secrets: [],
    logger,
    tempDir: dir,
    ...(killGraceMs !== undefined ? { killGraceMs } : {}),
  });
  const started = Date.now();
  const out = await runEngine({
    config,
    plan: buildPlan(config),
    router,
    checks: [new ScriptedCheck((ctx) => [ok(ctx.now)])],
    hooks,
    clock: new FakeClock(),
    timeline,
    runId: 'fault-run',
  });
  const ran = timeline.events.flatMap((e) => (e.type === 'hook' ? [e.result as HookResult] : []));
  return { out, router, logger, ran, tookMs: Date.now() - started };
}

const pidFile = (name: string) => path.join(dir, `${name}.pid`);
const readPid = (name: string) => Number(readFileSync(pidFile(name), 'utf8').trim());

describe('fault: a hook hangs past hook-timeout (engine, real processes)', () => {
  it('a deploy hook that hangs past hook-timeout is killed with its children; nothing moved, result failed naming hook-timeout', async () => {
    const { out, router, ran } = await deploy({
      'hook-timeout': '1s',
      'deploy-command': `sleep 60 & echo $! > "${pidFile('deploy-child')}"; wait`,
    });
    expect(out).toMatchObject({ result: 'failed', live: 'blue' });
    expect(out.reason).toBe(
      'deploy-command timed out: still running after hook-timeout 1s, so it was killed with its children; no traffic was moved',
    );
    expect(router.writes).toEqual([]);
    expect(ran.map((r) => [r.hook, r.timedOut])).toEqual([['deploy', true]]);
    expect(await deadWithin(readPid('deploy-child'), 5000)).toBe(true);
  }, 20_000);

  it('a deploy hook that ignores SIGTERM is killed with SIGKILL after the grace; nothing moved, result failed', async () => {
    const { out, router, tookMs } = await deploy(
      {
        'hook-timeout': '500ms',
        'deploy-command': `trap "" TERM; echo $$ > "${pidFile('stubborn')}"; while :; do sleep 0.1; done`,
      },
      500,
    );
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/^deploy-command timed out: still running after hook-timeout 500ms/);
    expect(router.writes).toEqual([]);
    expect(await deadWithin(readPid('stubborn'), 5000)).toBe(true);
    // bounded: the timeout, then the grace, not the hook's endless loop
    expect(tookMs).toBeLessThan(15_000);
  }, 20_000);

  it('a verify hook that hangs at 100% is killed at hook-timeout and the deploy rolls back to blue 100%', async () => {
    const { out, router } = await deploy({
      'hook-timeout': '1s',
      'verify-command': 'sleep 60',
    });
    expect(out).toMatchObject({ result: 'rolled-back', live: 'blue', weight: 0 });
    expect(out.reason).toMatch(/^verify-command timed out: still running after hook-timeout 1s/);
    expect(router.writes.map((w) => w.green)).toEqual([25, 100, 0]);
    expect(router.weights).toEqual({ blue: 100, green: 0 });
  }, 20_000);

  it('a rollback hook that hangs past hook-timeout: blue already has 100%, result failed naming the verdict and the hook', async () => {
    const { out, router } = await deploy({
      'hook-timeout': '1s',
      'verify-command': 'exit 1',
      'rollback-command': 'sleep 60',
    });
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /^verify-command exited with code 1; but rollback-command timed out: still running after hook-timeout 1s/,
    );
    expect(router.weights).toEqual({ blue: 100, green: 0 });
  }, 20_000);
});

describe('fault: a hook prints megabytes (engine, real processes)', () => {
  it('a deploy hook printing 19 MB in lines: streamed line by line, 64 KiB kept, the deploy promotes', async () => {
    // seq, not `yes | head`: under pipefail (as GitHub's bash runs it) yes dies of SIGPIPE and fails the hook
    const { out, router, logger, ran } = await deploy({
      'deploy-command': 'seq 1 2500000; echo "deploy done"',
    });
    expect(out).toMatchObject({ result: 'promoted', live: 'green', weight: 100 });
    expect(router.weights).toEqual({ blue: 0, green: 100 });
    // every line reached the log, the last one too
    expect(logger.lines).toBe(2_500_001);
    expect(logger.last).toBe('deploy done');
    const kept = ran.find((r) => r.hook === 'deploy')!.output;
    expect(kept.length).toBeLessThanOrEqual(64 * 1024 + 200);
    expect(kept).toMatch(/^\[glidepath: \d+ earlier characters of output omitted\]\n/);
    expect(kept.endsWith('deploy done\n')).toBe(true);
  }, 30_000);

  it('a hook printing 20 MB with no newline, then failing: the log gets bounded pieces, the reason names the exit code', async () => {
    const { out, router, logger } = await deploy({
      'deploy-command': "head -c 20000000 /dev/zero | tr '\\0' x; exit 4",
    });
    expect(out.result).toBe('failed');
    expect(out.reason).toBe('deploy-command exited with code 4; no traffic was moved');
    expect(router.writes).toEqual([]);
    expect(logger.chars).toBe(20_000_000);
    // one endless line never sits whole in memory: it is logged in pieces of at most 16 KiB plus
    // one pipe read (64 KiB)
    expect(logger.longest).toBeLessThanOrEqual(80 * 1024 + 1024);
  }, 30_000);
});

describe('fault: a hook is killed by a signal (engine, real processes)', () => {
  it('a deploy hook killed by SIGKILL (as the OOM killer does): nothing moved, the reason names the signal', async () => {
    const { out, router } = await deploy({ 'deploy-command': 'echo starting; kill -KILL $$' });
    expect(out.result).toBe('failed');
    expect(out.reason).toBe(
      'deploy-command exited with code 137 (killed by SIGKILL: the out-of-memory killer, or a kill -9 outside Glidepath); no traffic was moved',
    );
    expect(router.writes).toEqual([]);
  }, 20_000);

  it('a smoke hook whose child is killed by SIGTERM: nothing moved, the reason names the signal', async () => {
    const { out, router } = await deploy({ 'smoke-command': "sh -c 'kill -TERM $$'" });
    expect(out.result).toBe('failed');
    expect(out.reason).toBe('smoke-command exited with code 143 (killed by SIGTERM); no traffic was moved');
    expect(router.writes).toEqual([]);
  }, 20_000);

  it('a verify hook killed by SIGSEGV at 100%: rolled back to blue 100%, the reason names the signal', async () => {
    const { out, router } = await deploy({ 'verify-command': 'kill -SEGV $$' });
    expect(out).toMatchObject({ result: 'rolled-back', live: 'blue' });
    expect(out.reason).toMatch(/^verify-command exited with code 139 \(killed by SIGSEGV\)/);
    expect(router.weights).toEqual({ blue: 100, green: 0 });
  }, 20_000);

  it('a cleanup hook killed by SIGKILL after the promotion: green keeps 100%, result promoted with a warning naming the signal', async () => {
    const { out, router } = await deploy({ 'cleanup-command': 'kill -KILL $$' });
    expect(out).toMatchObject({ result: 'promoted', live: 'green', weight: 100 });
    expect(out.reason).toMatch(/^cleanup-command exited with code 137 \(killed by SIGKILL/);
    expect(router.weights).toEqual({ blue: 0, green: 100 });
  }, 20_000);
});

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

describe.skipIf(!available)('fault: hooks through the bundle on a real HAProxy', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;
  let router: HaproxyRouter;
  let base: Record<string, string>;

  beforeAll(async () => {
    ({ blue, green, hp, router } = await startBlueGreen());
    base = {
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '50',
      interval: '1s',
      'probe-interval': '250ms',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'health-urls': `${hp.frontendUrl}/health`,
      'min-requests': '0',
      'pr-comment': 'false',
    };
  });

  afterAll(async () => {
    await hp?.stop();
    await blue?.close();
    await green?.close();
  });

  it('bundle: a deploy hook that hangs past hook-timeout 2s fails the step with nothing moved, and the lock is released', async () => {
    const r = await runBundle({
      ...base,
      'hook-timeout': '2s',
      'deploy-command': `sleep 60 & echo $! > "${pidFile('bundle-child')}"; echo deploying; wait`,
    });
    expect(r.outputs.result, r.stdout).toBe('failed');
    expect(r.outputs['rollback-reason']).toBe(
      'deploy-command timed out: still running after hook-timeout 2s, so it was killed with its children; no traffic was moved',
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('[glidepath: timed out after 2s; the command and its children were killed]');
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    expect(await router.lockHolder()).toBeUndefined();
    expect(existsSync(pidFile('bundle-child'))).toBe(true);
    expect(await deadWithin(readPid('bundle-child'), 5000)).toBe(true);
    const post = await runPost(base, r.state, r.dir);
    expect(post.code).toBe(0);
  }, 60_000);

  it('bundle: a verify hook killed by SIGKILL at 100% rolls back to blue 100%, and the reason names the signal', async () => {
    const r = await runBundle({ ...base, 'verify-command': 'kill -KILL $$' });
    expect(r.outputs.result, r.stdout).toBe('rolled-back');
    expect(r.outputs['rollback-reason']).toMatch(
      /^verify-command exited with code 137 \(killed by SIGKILL: the out-of-memory killer, or a kill -9 outside Glidepath\)/,
    );
    expect(r.outputs['live-slot']).toBe('blue');
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    expect(await router.lockHolder()).toBeUndefined();
  }, 60_000);
});
