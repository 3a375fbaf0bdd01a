// Faults of a probe target, through the bundle on a real HAProxy: a health URL that hangs (accepts,
// never answers), answers just under and just over probe-timeout, answers something that is not
// HTTP, or fails TLS. Each asserts where traffic ends up (read back from HAProxy), the result output,
// and that the reason names the fault.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { haproxyAvailable, type RunningHaproxy } from '../helpers/haproxy.js';
import { type AppServer } from '../helpers/app-server.js';
import { startBlueGreen } from '../helpers/blue-green.js';
import { runBundle } from '../helpers/bundle.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

/** A loopback server for one test; every socket it accepted is destroyed on close (a hang must not outlive it). */
async function listen(
  server: net.Server,
): Promise<{ url: (scheme?: string) => string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: (scheme = 'http') => `${scheme}://127.0.0.1:${port}/health`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** 200 `{"status":"ready"}` after `delayMs` */
const slowHealth = (delayMs: number) =>
  http.createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ready"}');
    }, delayMs);
  });

describe.skipIf(!available)('fault: a probe target misbehaves (bundle, real HAProxy)', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;
  let router: HaproxyRouter;
  let certDir: string;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    ({ blue, green, hp, router } = await startBlueGreen());
    certDir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-probe-tls-'));
  });

  afterAll(async () => {
    for (const c of closers.splice(0)) await c();
    await hp?.stop();
    await blue?.close();
    await green?.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  // every test starts from blue live at 100%
  beforeEach(async () => {
    await router.set({ blue: 100, green: 0 });
  });

  /** a two-step canary (50%, then 100%) whose only check is `health-urls: url` */
  const deploy = (url: string, extra: Record<string, string> = {}) =>
    runBundle({
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '50',
      interval: '2s',
      'probe-interval': '250ms',
      'probe-timeout': '500ms',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'health-urls': url,
      'min-requests': '0',
      'pr-comment': 'false',
      ...extra,
    });

  async function serve(server: net.Server) {
    const s = await listen(server);
    closers.push(s.close);
    return s;
  }

  /** a failed probe ends the canary at its first step: blue back at 100%, read from HAProxy */
  async function rolledBack(r: Awaited<ReturnType<typeof deploy>>, url: string, error: string) {
    expect(r.outputs.result, r.stdout).toBe('rolled-back');
    expect(r.code).not.toBe(0);
    expect(r.outputs['rollback-reason']).toBe(
      `probe ${url} failed: ${error}, 2 probes in a row (failure-threshold 2)`,
    );
    expect(r.outputs['live-slot']).toBe('blue');
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
  }

  it('a health URL that accepts and never answers: each probe is cut at probe-timeout, the canary rolls back naming the URL and the timeout', async () => {
    const hang = await serve(net.createServer((s) => s.on('data', () => undefined)));
    const r = await deploy(hang.url());
    await rolledBack(r, hang.url(), 'timed out after 500ms (probe-timeout)');
  }, 60_000);

  it('answers just under probe-timeout: every probe counts as passed and the deploy is promoted', async () => {
    // 700 ms against 1 s: under by a margin a busy machine keeps
    const slow = await serve(slowHealth(700));
    const r = await deploy(slow.url(), { 'probe-timeout': '1s' });
    expect(r.outputs.result, r.stdout).toBe('promoted');
    expect(r.code).toBe(0);
    expect(r.outputs['rollback-reason'] ?? '').toBe('');
    expect(r.stdout).not.toMatch(/timed out|FAIL/);
    expect(r.outputs['live-slot']).toBe('green');
    expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
  }, 60_000);

  it('answers just over probe-timeout: each probe fails at the timeout, the canary rolls back naming it', async () => {
    // 1.5 s against 1 s: over by a margin no machine closes
    const slow = await serve(slowHealth(1500));
    const r = await deploy(slow.url(), { 'probe-timeout': '1s' });
    await rolledBack(r, slow.url(), 'timed out after 1s (probe-timeout)');
  }, 60_000);

  it('answers something that is not HTTP: the canary rolls back quoting what it sent', async () => {
    // an SSH server where the health URL points: it sends its banner and closes
    const ssh = await serve(net.createServer((s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')));
    const r = await deploy(ssh.url());
    await rolledBack(
      r,
      ssh.url(),
      'the answer is not HTTP (Expected HTTP/, RTSP/ or ICE/): it sent "SSH-2.0-OpenSSH_9.2p1 Debian-2\\r\\n"',
    );
  }, 60_000);

  it('fails TLS (a self-signed certificate): the canary rolls back naming the certificate error', async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        path.join(certDir, 'key.pem'),
        '-out',
        path.join(certDir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const tls = await serve(
      https.createServer(
        {
          key: readFileSync(path.join(certDir, 'key.pem')),
          cert: readFileSync(path.join(certDir, 'cert.pem')),
        },
        (_req, res) => res.end('{"status":"ready"}'),
      ),
    );
    const r = await deploy(tls.url('https'));
    await rolledBack(r, tls.url('https'), 'TLS certificate not accepted (DEPTH_ZERO_SELF_SIGNED_CERT)');
  }, 60_000);

  it('fails TLS (https:// to a port that answers plain HTTP): the canary rolls back saying the server does not speak TLS', async () => {
    const plain = await serve(slowHealth(0));
    const r = await deploy(plain.url('https'));
    await rolledBack(
      r,
      plain.url('https'),
      'TLS handshake failed: the server does not answer in TLS on this port (ERR_SSL_WRONG_VERSION_NUMBER); is the URL http://?',
    );
  }, 60_000);
});
