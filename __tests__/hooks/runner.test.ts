import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Slot } from '../../src/config/types.js';
import { ShellHookRunner } from '../../src/hooks/runner.js';
import type { ShellLogger } from '../../src/shared/shell.js';

const dir = mkdtempSync(join(tmpdir(), 'glidepath-hooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function collector(): ShellLogger & { lines: string[]; groups: string[] } {
  const lines: string[] = [];
  const groups: string[] = [];
  return {
    lines,
    groups,
    startGroup: (n) => groups.push(`start ${n}`),
    endGroup: () => groups.push('end'),
    info: (l) => lines.push(l),
  };
}

/** A pid that is gone or a zombie (killed, waiting for init to reap it) counts as dead. */
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

async function waitDead(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !alive(pid);
}

const env = { target: 'green' as Slot, live: 'blue' as Slot, weight: 25 };

describe('ShellHookRunner', () => {
  it('gives each hook an empty GLIDEPATH_OUTPUT file and hands back its last url= line', async () => {
    const runner = new ShellHookRunner({ timeoutMs: 5000, secrets: [], logger: collector(), tempDir: dir });
    const write =
      'test ! -s "$GLIDEPATH_OUTPUT"; echo "url=https://first.example.com/" >> "$GLIDEPATH_OUTPUT"; ' +
      'echo "note=ignored" >> "$GLIDEPATH_OUTPUT"; echo "url=https://pr-42.example.com/" >> "$GLIDEPATH_OUTPUT"; ' +
      'echo "$GLIDEPATH_OUTPUT"';
    const r = await runner.run('deploy', write, env);
    expect(r.exitCode).toBe(0);
    expect(r.url).toBe('https://pr-42.example.com/');
    expect(r.outputProblem).toBeUndefined();
    // read, then removed: the next hook starts from an empty file
    expect(existsSync(r.output.trim())).toBe(false);
    const next = await runner.run('verify', 'test ! -s "$GLIDEPATH_OUTPUT"', env);
    expect(next).toMatchObject({ exitCode: 0 });
    expect(next.url).toBeUndefined();
  });

  it('names the hook when its url= is not a URL, and takes nothing from a failed hook', async () => {
    const runner = new ShellHookRunner({ timeoutMs: 5000, secrets: [], logger: collector(), tempDir: dir });
    const bad = await runner.run('deploy', 'echo "url=pr-42.example.com" > "$GLIDEPATH_OUTPUT"', env);
    expect(bad.url).toBeUndefined();
    expect(bad.outputProblem).toMatch(
      /^deploy-command wrote url=pr-42\.example\.com to GLIDEPATH_OUTPUT, which is not an absolute http or https URL/,
    );
    const failed = await runner.run(
      'deploy',
      'echo "url=https://x.example.com/" > "$GLIDEPATH_OUTPUT"; exit 3',
      env,
    );
    expect(failed).toMatchObject({ exitCode: 3 });
    expect(failed.url).toBeUndefined();
  });

  it('leaves the slot variables out when there are no slots (provider none)', async () => {
    const runner = new ShellHookRunner({ timeoutMs: 5000, secrets: [], logger: collector() });
    const r = await runner.run(
      'deploy',
      'echo "${GLIDEPATH_TARGET_SLOT-unset} ${GLIDEPATH_LIVE_SLOT-unset} ${GLIDEPATH_WEIGHT-unset} $GLIDEPATH_HOOK"',
      {},
    );
    expect(r.output.trim()).toBe('unset unset unset deploy');
  });

  it('adds the versions when the router names its slots (Lambda), and leaves them out otherwise', async () => {
    const runner = new ShellHookRunner({ timeoutMs: 5000, secrets: [], logger: collector() });
    const show =
      'echo "target=${GLIDEPATH_TARGET_VERSION-unset} live=${GLIDEPATH_LIVE_VERSION-unset} previous=${GLIDEPATH_PREVIOUS_VERSION-unset}"';
    const named = await runner.run('rollback', show, { ...env, versions: { target: '8', live: '7' } });
    expect(named.output.trim()).toBe('target=8 live=7 previous=unset');
    const plain = await runner.run('rollback', show, env);
    expect(plain.output.trim()).toBe('target=unset live=unset previous=unset');
  });

  it('passes the slots and weight as environment variables and streams output in a group', async () => {
    const log = collector();
    const runner = new ShellHookRunner({ timeoutMs: 5000, secrets: [], logger: log });
    const r = await runner.run(
      'deploy',
      'echo "hook=$GLIDEPATH_HOOK target=$GLIDEPATH_TARGET_SLOT live=$GLIDEPATH_LIVE_SLOT weight=$GLIDEPATH_WEIGHT"',
      env,
    );
    expect(r).toMatchObject({ hook: 'deploy', exitCode: 0, timedOut: false });
    expect(r.output.trim()).toBe('hook=deploy target=green live=blue weight=25');
    expect(log.lines).toEqual(['hook=deploy target=green live=blue weight=25']);
    expect(log.groups).toEqual(['start hook: deploy', 'end']);
  });

  it('never executes shell syntax that arrives in a value', async () => {
    const marker = join(dir, 'pwned');
    const evil = `$(touch ${marker}); "\`touch ${marker}\`'; touch ${marker}`;
    const runner = new ShellHookRunner({ timeoutMs: 5000, secrets: [], logger: collector() });
    const r = await runner.run('smoke', 'printf "%s" "$GLIDEPATH_TARGET_SLOT"', {
      ...env,
      target: evil as Slot,
    });
    expect(r.exitCode).toBe(0);
    expect(r.output).toBe(evil);
    expect(existsSync(marker)).toBe(false);
  });

  it('returns a non-zero exit code instead of throwing, and stops at the first failing command', async () => {
    const runner = new ShellHookRunner({ timeoutMs: 5000, secrets: [], logger: collector() });
    const r = await runner.run('verify', 'echo before; exit 3', env);
    expect(r.exitCode).toBe(3);
    expect(r.timedOut).toBe(false);
    expect(r.output).toContain('before');

    const e = await runner.run('verify', 'false; echo after', env);
    expect(e.exitCode).toBe(1);
    expect(e.output).not.toContain('after');

    // pipefail, as GitHub's `shell: bash`
    const p = await runner.run('verify', 'false | cat; echo after', env);
    expect(p.exitCode).toBe(1);
  });

  it('on timeout kills the command, its child and its grandchild, and reports 124', async () => {
    const childPid = join(dir, 'child.pid');
    const grandPid = join(dir, 'grand.pid');
    // The child is a shell that starts a grandchild; both would outlive a kill of the top shell alone.
    const command = `bash -c 'sleep 30 & echo $! > "${grandPid}"; wait' & echo $! > "${childPid}"; wait`;
    const runner = new ShellHookRunner({ timeoutMs: 600, secrets: [], logger: collector() });
    const started = Date.now();
    const r = await runner.run('deploy', command, env);
    const elapsed = Date.now() - started;
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(124);
    expect(r.output).toContain('timed out after 600ms');
    expect(elapsed).toBeLessThan(600 + 1000);
    const pids = [childPid, grandPid].map((f) => Number(readFileSync(f, 'utf8').trim()));
    for (const pid of pids) expect(pid).toBeGreaterThan(0);
    const remaining = 600 + 1000 - (Date.now() - started);
    for (const pid of pids) expect(await waitDead(pid, Math.max(remaining, 50))).toBe(true);
  });

  it('an abort signal cancels the command and its children the same way', async () => {
    const grandPid = join(dir, 'abort-grand.pid');
    const ac = new AbortController();
    const runner = new ShellHookRunner({ timeoutMs: 30_000, secrets: [], logger: collector() });
    setTimeout(() => ac.abort(new Error('cancelled')), 300);
    const started = Date.now();
    const r = await runner.run('deploy', `sleep 30 & echo $! > "${grandPid}"; wait`, env, ac.signal);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(130);
    expect(r.output).toContain('cancelled');
    expect(await waitDead(Number(readFileSync(grandPid, 'utf8').trim()), 1000)).toBe(true);
  });

  it('does not start at all when the signal is already aborted', async () => {
    const marker = join(dir, 'started');
    const runner = new ShellHookRunner({ timeoutMs: 5000, secrets: [], logger: collector() });
    const r = await runner.run('deploy', `touch "${marker}"`, env, AbortSignal.abort());
    expect(r.exitCode).toBe(130);
    expect(existsSync(marker)).toBe(false);
  });

  it('leaves a server the hook started in the background running and returns promptly', async () => {
    const bgPid = join(dir, 'bg.pid');
    const runner = new ShellHookRunner({ timeoutMs: 10_000, secrets: [], logger: collector() });
    const started = Date.now();
    // the background sleep inherits stdout, so the pipe stays open after the shell exits
    const r = await runner.run('deploy', `sleep 20 & echo $! > "${bgPid}"; echo started`, env);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.exitCode).toBe(0);
    expect(r.output.trim()).toBe('started');
    const pid = Number(readFileSync(bgPid, 'utf8').trim());
    expect(alive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
  });

  it('masks secrets in the captured output, the streamed log and the command text', async () => {
    const secret = 'hunter2-s3cr3t-token';
    const log = collector();
    const runner = new ShellHookRunner({ timeoutMs: 5000, secrets: [secret], logger: log });
    const r = await runner.run('deploy', `echo "auth=${secret}"; echo "again ${secret}" >&2`, env);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain('auth=***');
    expect(r.output).toContain('again ***');
    expect(r.output).not.toContain(secret);
    expect(r.command).not.toContain(secret);
    expect(log.lines.join('\n')).not.toContain(secret);
    expect(log.lines).toContain('auth=***');
  });

  it('keeps only the end of long output and says how much was left out', async () => {
    const runner = new ShellHookRunner({
      timeoutMs: 5000,
      secrets: [],
      logger: collector(),
      maxOutputChars: 1000,
    });
    // 2000 lines "line N"; the last one must survive, the first must not
    const r = await runner.run('deploy', 'for i in $(seq 1 2000); do echo "line $i"; done', env);
    expect(r.exitCode).toBe(0);
    const [header, ...rest] = r.output.split('\n');
    const body = rest.join('\n');
    expect(body.length).toBeLessThanOrEqual(1000);
    expect(body.trimEnd().endsWith('line 2000')).toBe(true);
    expect(body).not.toContain('line 1\n');
    const full = Array.from({ length: 2000 }, (_, i) => `line ${i + 1}\n`).join('');
    expect(header).toBe(`[glidepath: ${full.length - body.length} earlier characters of output omitted]`);
  });

  it.each([
    ['alone', 1, 90],
    // a later full secret shortens the redacted text, which would pull the cut fragment back in
    ['followed by itself', 2, 87],
  ])(
    'never leaks the end of a secret that the truncation point cuts in two (%s)',
    async (_name, copies, tail) => {
      const secret = 'S3CRETVALUE-ABCDEFGH';
      const runner = new ShellHookRunner({
        timeoutMs: 5000,
        secrets: [secret],
        logger: collector(),
        maxOutputChars: 100,
      });
      const body = secret.repeat(copies);
      // the raw last 100 (+margin) characters start in the middle of the first secret
      const r = await runner.run(
        'deploy',
        `printf '%s%s%s' "$(printf 'x%.0s' $(seq 200))" '${body}' "$(printf 'y%.0s' $(seq ${tail}))"`,
        env,
      );
      expect(r.exitCode).toBe(0);
      expect(r.output).toMatch(/y+$/);
      expect(r.output).toContain('earlier characters of output omitted');
      for (let i = 4; i <= secret.length; i++) expect(r.output).not.toContain(secret.slice(-i));
    },
  );
});
