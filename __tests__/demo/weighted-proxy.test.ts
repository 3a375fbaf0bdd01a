import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DEMO = resolve(import.meta.dirname, '../../demo');
const PROXY = join(DEMO, 'weighted-proxy.mjs');
const APP = join(DEMO, 'app.mjs');
const dir = mkdtempSync(join(tmpdir(), 'glidepath-proxy-'));
const started: ChildProcess[] = [];

/** Starts a demo server on a free port and waits for its `listening <port>` line. */
function start(script: string, args: string[]): Promise<number> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, [script, '--port', '0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(p);
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`${script} did not start within 5s: ${err}`)), 5000);
    p.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    p.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^listening (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
    });
    p.on('exit', (code) => fail(new Error(`${script} exited with ${code}: ${err}`)));
  });
}

function client(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile(
      process.execPath,
      [PROXY, ...args],
      { env: { ...process.env, ...env }, timeout: 10_000 },
      (e, stdout, stderr) => {
        ok({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

let proxy = '';
let proxyPort = 0;
const state = join(dir, 'weights.json');

beforeAll(async () => {
  const [blue, green] = await Promise.all([
    start(APP, ['--version', 'v1']),
    // every 5th request to green fails, so the 5xx counter has something to count
    start(APP, ['--version', 'v2', '--error-rate', '0.2']),
  ]);
  proxyPort = await start(PROXY, [
    '--blue',
    `http://127.0.0.1:${blue}`,
    '--green',
    `http://127.0.0.1:${green}`,
    '--state',
    state,
  ]);
  proxy = `http://127.0.0.1:${proxyPort}`;
});

afterAll(() => {
  for (const p of started) if (p.pid && p.exitCode === null) process.kill(p.pid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const getJson = async (path: string) => (await fetch(`${proxy}${path}`)).json();
const putWeights = (w: unknown) =>
  fetch(`${proxy}/__glidepath/weights`, { method: 'PUT', body: JSON.stringify(w) });

describe('weighted-proxy', () => {
  it('starts with blue live and writes its state file', async () => {
    expect(await getJson('/__glidepath/weights')).toEqual({ blue: 100, green: 0 });
    expect(JSON.parse(readFileSync(state, 'utf8'))).toEqual({ blue: 100, green: 0 });
    const r = await fetch(`${proxy}/anything`);
    expect(await r.json()).toEqual({ status: 'ready', version: 'v1' });
    expect(r.headers.get('x-glidepath-slot')).toBe('blue');
  });

  it('splits 100 requests at blue 75 / green 25 into exactly 75 and 25, interleaved, and counts them', async () => {
    const put = await putWeights({ blue: 75, green: 25 });
    expect(put.status).toBe(200);
    const before = (await getJson('/__glidepath/stats')) as Record<
      'blue' | 'green',
      { requests: number; errors5xx: number }
    >;
    const slots: string[] = [];
    let green5xx = 0;
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${proxy}/req/${i}`);
      const body = (await r.json()) as { version: string };
      const slot = r.headers.get('x-glidepath-slot') ?? '?';
      expect(body.version).toBe(slot === 'blue' ? 'v1' : 'v2');
      if (r.status >= 500) {
        expect(slot).toBe('green');
        green5xx++;
      }
      slots.push(slot);
    }
    expect(slots.filter((s) => s === 'green')).toHaveLength(25);
    expect(slots.filter((s) => s === 'blue')).toHaveLength(75);
    // smooth: never two green in a row at 25%
    expect(slots.join(',')).not.toContain('green,green');
    // 25 requests on green at error-rate 0.2 → 5 deterministic 500s
    expect(green5xx).toBe(5);
    const after = (await getJson('/__glidepath/stats')) as typeof before;
    expect(after.green.requests - before.green.requests).toBe(25);
    expect(after.blue.requests - before.blue.requests).toBe(75);
    expect(after.green.errors5xx - before.green.errors5xx).toBe(green5xx);
    expect(after.blue.errors5xx - before.blue.errors5xx).toBe(0);
  });

  it('rejects bad weights on the admin endpoint and keeps the old ones', async () => {
    for (const bad of [{ blue: 0, green: 0 }, { blue: 150, green: 0 }, { blue: '50', green: 50 }, [1, 2]]) {
      const r = await putWeights(bad);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toMatch(/blue|green|object/);
    }
    const r = await fetch(`${proxy}/__glidepath/weights`, { method: 'PUT', body: 'not json' });
    expect(r.status).toBe(400);
    expect(await getJson('/__glidepath/weights')).toEqual({ blue: 75, green: 25 });
  });

  it('is its own client: `set` from BLUE_WEIGHT/GREEN_WEIGHT, `get` prints the JSON', async () => {
    const set = await client(['set', '--port', String(proxyPort)], { BLUE_WEIGHT: '40', GREEN_WEIGHT: '60' });
    expect(set).toMatchObject({ code: 0 });
    expect(JSON.parse(set.stdout)).toEqual({ blue: 40, green: 60 });
    const get = await client(['get', '--port', String(proxyPort)]);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual({ blue: 40, green: 60 });
    expect(JSON.parse(readFileSync(state, 'utf8'))).toEqual({ blue: 40, green: 60 });
  });

  it('`set` fails loudly on missing or refused weights', async () => {
    const missing = await client(['set', '--port', String(proxyPort)], {
      BLUE_WEIGHT: '',
      GREEN_WEIGHT: '100',
    });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('BLUE_WEIGHT must be set');
    const zeros = await client(['set', '--port', String(proxyPort)], { BLUE_WEIGHT: '0', GREEN_WEIGHT: '0' });
    expect(zeros.code).toBe(1);
    expect(zeros.stderr).toContain('HTTP 400');
    const nobody = await client(['get', '--port', String(await freePort())]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('cannot reach the proxy');
    expect(await getJson('/__glidepath/weights')).toEqual({ blue: 40, green: 60 });
  });

  it('keeps its weights across a restart and answers 502 (counted) when a slot is down', async () => {
    const downPort = await freePort();
    const second = await start(PROXY, [
      '--blue',
      `http://127.0.0.1:${downPort}`,
      '--green',
      `http://127.0.0.1:${downPort}`,
      '--state',
      state,
    ]);
    const base = `http://127.0.0.1:${second}`;
    expect(await (await fetch(`${base}/__glidepath/weights`)).json()).toEqual({ blue: 40, green: 60 });
    const r = await fetch(`${base}/x`);
    expect(r.status).toBe(502);
    const stats = (await (await fetch(`${base}/__glidepath/stats`)).json()) as Record<
      string,
      { requests: number; errors5xx: number }
    >;
    expect(stats.blue!.requests + stats.green!.requests).toBe(1);
    expect(stats.blue!.errors5xx + stats.green!.errors5xx).toBe(1);
    expect(existsSync(state)).toBe(true);
  });
});
