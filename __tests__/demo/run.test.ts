// `npm run demo` end to end (both front doors, and Ctrl-C), plus the weighted proxy's `check` subcommand it relies on.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyAvailable } from '../helpers/haproxy.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RUN = path.join(ROOT, 'demo/run.mjs');
const PROXY = path.join(ROOT, 'demo/weighted-proxy.mjs');
const APP = path.join(ROOT, 'demo/app.mjs');

const hasHaproxy = haproxyAvailable();
if (!hasHaproxy) {
  if (process.env.GLIDEPATH_REQUIRE_HAPROXY)
    throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');
  console.warn(
    '\n!!! haproxy is not installed: SKIPPING the HAProxy mode of `npm run demo` (apt-get install -y haproxy) !!!\n',
  );
}

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  ms: number;
}

/** The demo as `npm run demo` runs it; the env picks the mode. */
function startDemo(env: Record<string, string>): {
  child: ChildProcess;
  done: Promise<DemoRun>;
  output: () => string;
} {
  const start = Date.now();
  const child = spawn(process.execPath, [RUN], {
    cwd: ROOT,
    env: { ...process.env, GLIDEPATH_DEMO_NO_HAPROXY: '', GLIDEPATH_DEMO_KEEP: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<DemoRun>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out, ms: Date.now() - start })),
  );
  return { child, done, output: () => out };
}

/** PIDs whose parent is `pid` (Linux /proc); the demo's servers and the action. */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // the command name may hold spaces and parentheses: fields resume after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return kids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Asserts what a reader of the demo's output must see for a successful demo. */
function expectSuccessfulDemo(r: DemoRun, mode: RegExp): void {
  expect(r.code, r.out).toBe(0);
  expect(r.out).toMatch(mode);
  const [run1 = '', rest = ''] = r.out.split(/━━ between runs/);
  const run2 = rest.split(/━━ verdict/)[0] ?? '';
  // run 1: promoted, no user request failed, the summary printed
  expect(run1).toMatch(/^\s+result: promoted$/m);
  expect(run1).toMatch(/^\s+live-slot: green$/m);
  expect(run1).toMatch(
    /load generator \(what users saw\): [1-9]\d* requests, 0 failed · by version: v1 \d+, v2 \d+/,
  );
  expect(run1).toMatch(/│ ## ✅ Promoted: green is live/);
  expect(run1).toMatch(/main +\d+\.\ds │ step 1 · weights → blue 90% \/ green 10%/);
  // run 2: rolled back for the error rate, and said so
  expect(run2).toMatch(/^\s+result: rolled-back$/m);
  expect(run2).toMatch(/^\s+live-slot: blue$/m);
  expect(run2).toMatch(/^\s+rollback-reason: .*above the 1% limit/m);
  expect(run2).toMatch(/main step exit code: 1 /);
  expect(run2).toMatch(/│ ## ↩️ Rolled back: blue is live again/);
  expect(run2).toMatch(/front door weights now: blue 100 \/ green 0/);
  expect(r.out).toMatch(/✔ run 1: 0 failed of \d+ user requests/);
  expect(r.out).not.toMatch(/✘/);
  expect(r.out).toContain('DEMO OK');
  expect(r.ms).toBeLessThan(60_000);
}

describe('npm run demo', () => {
  it.skipIf(!hasHaproxy)(
    'HAProxy mode: promotes the healthy v2, rolls back the faulty one, exits 0',
    async () => {
      const r = await startDemo({}).done;
      expectSuccessfulDemo(r, /mode: HAProxy [\d.]+.* found/);
      expect(r.out).toMatch(
        /rollback-reason: green error rate [\d.]+% \(\d+ of \d+ requests over the deploy, HAProxy\) is above the 1% limit: at least [\d.]+% with 99% confidence/,
      );
    },
    90_000,
  );

  it('no-HAProxy mode (GLIDEPATH_DEMO_NO_HAPROXY=1): the command provider and the demo proxy do the same', async () => {
    const r = await startDemo({ GLIDEPATH_DEMO_NO_HAPROXY: '1' }).done;
    expectSuccessfulDemo(r, /mode: no HAProxy \(GLIDEPATH_DEMO_NO_HAPROXY=1\): provider command/);
    expect(r.out).toMatch(/rollback-reason: check command exited 1: green: \d+ of \d+ requests answered 5xx/);
    expect(r.out).toMatch(/▸ traffic-command/);
  }, 90_000);

  it('Ctrl-C mid-canary: the action puts blue back, then every process the demo started is gone', async () => {
    const demo = startDemo({ GLIDEPATH_DEMO_NO_HAPROXY: '1' });
    const deadline = Date.now() + 30_000;
    while (!/step 1 · weights → blue 90%/.test(demo.output()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(demo.output()).toMatch(/step 1 · weights → blue 90%/);
    const kids = childrenOf(demo.child.pid!);
    // two apps, the proxy, the action
    expect(kids.length, demo.output()).toBeGreaterThanOrEqual(4);
    demo.child.kill('SIGINT');
    const r = await demo.done;
    expect(r.code, r.out).toBe(130);
    expect(r.out).toContain('sent SIGINT to the action');
    // a cancellation restores the live slot: no verdict, so not announced as a rollback
    expect(r.out).toMatch(
      /RESTORED \(the run failed\): the run was cancelled \(SIGINT\) · restored blue 100% \/ green 0%/,
    );
    expect(r.out).not.toContain('DEMO OK');
    await new Promise((res) => setTimeout(res, 200));
    expect(kids.filter(isAlive)).toEqual([]);
  }, 90_000);
});

describe('weighted-proxy check (the demo check-command)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-check-'));
  const baseline = path.join(dir, 'baseline.json');
  const started: ChildProcess[] = [];
  let port = 0;

  function server(script: string, args: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [script, '--port', '0', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(p);
      let out = '';
      p.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^listening (\d+)$/m.exec(out);
        if (m) resolve(Number(m[1]));
      });
      p.on('exit', (code) => reject(new Error(`${script} exited ${code}`)));
    });
  }

  function check(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
      const p = spawn(
        process.execPath,
        [PROXY, 'check', '--port', String(port), '--baseline', baseline, ...args],
        {
          env: { ...process.env, GLIDEPATH_TARGET_SLOT: '', ...env },
        },
      );
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.on('close', (code) => resolve({ code: code ?? -1, out }));
    });
  }

  async function requests(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await (await fetch(`http://127.0.0.1:${port}/`)).text();
  }

  beforeAll(async () => {
    const [blue, green] = await Promise.all([
      server(APP, ['--version', 'v1']),
      // every 10th request to green answers 500
      server(APP, ['--version', 'v2', '--error-rate', '0.1']),
    ]);
    port = await server(PROXY, [
      '--blue',
      `http://127.0.0.1:${blue}`,
      '--green',
      `http://127.0.0.1:${green}`,
      '--state',
      path.join(dir, 'weights.json'),
    ]);
    await fetch(`http://127.0.0.1:${port}/__glidepath/weights`, {
      method: 'PUT',
      body: '{"blue":0,"green":100}',
    });
  });

  afterAll(() => {
    for (const p of started) if (p.pid && p.exitCode === null) process.kill(p.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves a baseline first, then judges only the requests since the last conclusive call', async () => {
    rmSync(baseline, { force: true });
    const first = await check(['--slot', 'green']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toMatch(/green: first reading .*baseline saved/);
    expect(existsSync(baseline)).toBe(true);

    // 10 requests, the 10th a 500: 1 of 10 under min-requests 20 → 1/20 = 5% in the best case, above 1%
    await requests(10);
    const early = await check(['--slot', 'green', '--min-requests', '20', '--max-error-rate', '1']);
    expect(early.code).toBe(1);
    expect(early.out).toContain('green: 1 of 10 requests answered 5xx (10%) since the last check: FAIL');
    expect(early.out).toContain('even if the 10 requests missing to min-requests 20 all succeed');

    // under min-requests and within the limit even in the best case: wait, keep the baseline
    await requests(10);
    const waiting = await check(['--slot', 'green', '--min-requests', '20', '--max-error-rate', '10']);
    expect(waiting.code).toBe(0);
    expect(waiting.out).toContain(
      '1 of 10 requests answered 5xx (10%) since the last check: fewer than min-requests 20',
    );
    await requests(10);
    const enough = await check(['--slot', 'green', '--min-requests', '20', '--max-error-rate', '10']);
    expect(enough.code).toBe(0);
    expect(enough.out).toContain(
      'green: 2 of 20 requests answered 5xx (10%) since the last check: ok, within 10%',
    );

    await requests(30);
    const over = await check(['--slot', 'green', '--min-requests', '20', '--max-error-rate', '1']);
    expect(over.code).toBe(1);
    expect(over.out).toContain(
      'green: 3 of 30 requests answered 5xx (10%) since the last check: FAIL, above the 1% limit',
    );
  });

  it('takes the slot from GLIDEPATH_TARGET_SLOT, as the action sets it for check commands', async () => {
    writeFileSync(baseline, '');
    expect((await check([], { GLIDEPATH_TARGET_SLOT: 'blue' })).out).toMatch(/^blue: first reading/);
    const r = await check([], { GLIDEPATH_TARGET_SLOT: 'blue' });
    expect(r.code).toBe(0);
    expect(r.out).toContain('blue: 0 of 0 requests');
  });

  it('starts over when the counters went backwards (the proxy restarted)', async () => {
    writeFileSync(baseline, JSON.stringify({ slot: 'green', requests: 1e9, errors5xx: 1e9 }));
    const r = await check(['--slot', 'green']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/green: first reading/);
    expect(JSON.parse(readFileSync(baseline, 'utf8')).requests).toBeLessThan(1e9);
  });

  it.each([
    [['--slot', 'purple'], /--slot \(or GLIDEPATH_TARGET_SLOT\) must be blue or green, got "purple"/],
    [
      ['--slot', 'green', '--max-error-rate', 'lots'],
      /--max-error-rate must be a number from 0 to 100, got "lots"/,
    ],
    [['--slot', 'green', '--min-requests=-1'], /--min-requests must be a number/],
  ])('refuses bad arguments %j with a message naming them', async (args, message) => {
    const r = await check(args);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(message);
  });

  it('fails (exit 1) when the proxy cannot be reached, saying where it looked', async () => {
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      const p = spawn(process.execPath, [
        PROXY,
        'check',
        '--port',
        '1',
        '--slot',
        'green',
        '--baseline',
        baseline,
      ]);
      let out = '';
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.on('close', (code) => resolve({ code: code ?? -1, out }));
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain('cannot reach the proxy at 127.0.0.1:1');
  });
});
