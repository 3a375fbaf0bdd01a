// Drain before cleanup, on a real HAProxy through the bundle: a long streaming response held on the old
// slot delays cleanup-command until it ends; one that never ends lets cleanup run at drain-timeout,
// and the summary says how many sessions were still open.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { haproxyAvailable, startHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';
import { BundleProcess, MAIN } from '../helpers/bundle.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';

const available = haproxyAvailable();
if (!available) {
  if (process.env.GLIDEPATH_REQUIRE_HAPROXY)
    throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');
  console.warn('\n!!! haproxy is not installed: SKIPPING the drain tests (apt-get install -y haproxy) !!!\n');
}

/** An app slot: /health answers, /stream sends a chunk every 200 ms until `end()` (or forever). */
async function startStreamingApp(name: string) {
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write(`${name} tick\n`), 200);
      open.add(res);
      res.on('close', () => {
        clearInterval(timer);
        open.delete(res);
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ready', version: name }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    /** ends every stream in progress, as a finished download or a closed WebSocket would */
    endStreams: () => {
      for (const res of open) res.end('done\n');
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A client reading /stream through HAProxy: the session stays on the server that took it. */
function openStream(url: string): Promise<{ ended: Promise<number>; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/stream`, (res) => {
      res.resume();
      const ended = new Promise<number>((done) => res.on('close', () => done(Date.now())));
      resolve({ ended, destroy: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

describe.skipIf(!available)('drain before cleanup, real HAProxy', () => {
  let blue: Awaited<ReturnType<typeof startStreamingApp>>;
  let green: Awaited<ReturnType<typeof startStreamingApp>>;
  let hp: RunningHaproxy;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-drain-'));

  beforeAll(async () => {
    blue = await startStreamingApp('v1');
    green = await startStreamingApp('v2');
  });
  afterAll(async () => {
    await blue.close();
    await green.close();
  });
  afterEach(async () => {
    await hp?.stop();
  });

  const inputs = (drainTimeout: string, stamp: string) => ({
    provider: 'haproxy',
    'haproxy-socket': hp.socketPath!,
    'blue-target': 'web/blue',
    'green-target': 'web/green',
    strategy: 'blue-green',
    interval: '1s',
    'probe-interval': '250ms',
    'probe-timeout': '1s',
    'min-requests': '0',
    'health-urls': `${hp.frontendUrl}/health`,
    'drain-timeout': drainTimeout,
    // the cleanup hook notes when it ran, and which slot it was told to clean
    'cleanup-command': `echo "$(date +%s%3N) $GLIDEPATH_PREVIOUS_SLOT" > ${stamp}`,
  });

  it('a streaming response held on the old slot delays cleanup-command until it ends', async () => {
    hp = await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' });
    const stream = await openStream(hp.frontendUrl);
    const router = new HaproxyRouter({
      kind: 'haproxy',
      sockets: [hp.socketAddress],
      blue: { backend: 'web', servers: ['blue'] },
      green: { backend: 'web', servers: ['green'] },
    });
    expect(await router.openSessions('blue')).toBe(1);

    const stamp = path.join(dir, 'held');
    const run = new BundleProcess(MAIN, inputs('20s', stamp));
    await run.waitFor(/drain: blue has 1 open session; waiting for them to end/, 30_000);
    // the download keeps going for a while after the drain began; cleanup must not run meanwhile
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(stamp)).toBe(false);
    const endedAt = Date.now();
    blue.endStreams();
    await stream.ended;
    const r = await run.done;

    expect(r.outputs.result, r.stdout).toBe('promoted');
    const [at, previous] = readFileSync(stamp, 'utf8').trim().split(' ');
    expect(previous).toBe('blue');
    const waited = Number(at) - endedAt;
    // HAProxy counts the session gone once the response ends; read every 250 ms, then the hook starts
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(waited).toBeLessThan(2000);
    expect(r.stdout).toMatch(/drain: blue has no open session after \d+(\.\d+)?s: cleanup-command runs/);
    expect(r.summary).not.toMatch(/drain-timeout/);
    console.log(`cleanup ran ${waited} ms after the held stream ended`);
  }, 60_000);

  it('a stream that never ends lets cleanup run at drain-timeout, and the summary says how many were open', async () => {
    hp = await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' });
    const streams = [await openStream(hp.frontendUrl), await openStream(hp.frontendUrl)];
    try {
      const stamp = path.join(dir, 'never');
      const run = new BundleProcess(MAIN, inputs('2s', stamp));
      await run.waitFor(/drain: blue has 2 open sessions; waiting/, 30_000);
      const drainStarted = Date.now();
      const r = await run.done;
      expect(r.outputs.result, r.stdout).toBe('promoted');
      const waited = Number(readFileSync(stamp, 'utf8').split(' ')[0]) - drainStarted;
      // 2 s from the drain's first reading (seen here a little after), then the hook starts
      expect(waited).toBeGreaterThanOrEqual(1500);
      expect(waited).toBeLessThan(3500);
      const said =
        'drain-timeout (2s) passed with 2 open sessions still on blue: cleanup-command runs now and may cut them';
      expect(r.stdout).toContain(said);
      expect(r.summary).toContain(said);
      console.log(`cleanup ran ${waited} ms after the drain began, with 2 sessions open`);
    } finally {
      for (const s of streams) s.destroy();
    }
  }, 60_000);
});
