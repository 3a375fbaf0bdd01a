// HTTP probes against real loopback servers: status, body and JSON checks, timeouts, errors, keep-alive, TLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BodyCheck } from '../../src/config/types.js';
import type { CheckContext } from '../../src/ports/checks.js';
import { probeTargets } from '../helpers/config.js';
import {
  HttpProbeCheck,
  preTrafficProbe,
  probeUrl,
  type HttpProbeSettings,
  type ProbeOptions,
} from '../../src/checks/http-probe.js';

const SECRET = 'sekret-token-4f9a1c';

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** A loopback app whose routes answer what each test needs; records requests and connections. */
let server: http.Server;
let base: string;
const seen: Seen[] = [];
/** every connection the server accepted, in order */
const sockets: import('node:net').Socket[] = [];
const hanging = new Set<http.ServerResponse>();

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  seen.push({ path: url.pathname, headers: req.headers });
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  switch (url.pathname) {
    case '/ok':
      res.end('service is ready');
      return;
    case '/slow':
      setTimeout(() => res.end('ready, slowly'), 120);
      return;
    case '/unavailable':
      res.writeHead(503);
      res.end('down');
      return;
    case '/not-found':
      res.writeHead(404);
      res.end();
      return;
    case '/starting':
      res.end('service is starting');
      return;
    case '/json':
      json(200, { status: url.searchParams.get('status') ?? 'ready', checks: [{ name: 'db', ok: true }] });
      return;
    case '/echo-header':
      // a careless debug endpoint that reflects a request header into the answer
      json(503, { status: req.headers['x-token'] });
      return;
    case '/html':
      res.end('<html>oops</html>');
      return;
    case '/big': {
      // 1 MiB of filler, the awaited word only at the very end
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(1024 * 1024) + 'ready');
      return;
    }
    case '/hang':
      hanging.add(res);
      return;
    case '/hang-body':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      hanging.add(res);
      return;
    default:
      if (url.pathname.endsWith('/health')) {
        res.end('ready');
        return;
      }
      res.writeHead(404);
      res.end();
  }
}

beforeAll(async () => {
  server = http.createServer(route);
  server.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
});

const opts = (over: Partial<ProbeOptions> = {}): ProbeOptions => ({
  expect: [{ min: 200, max: 299 }],
  headers: {},
  timeoutMs: 2000,
  via: 'service',
  now: () => 1_700_000_000_000,
  ...over,
});

const json = (path: string[], value: unknown, op: '==' | '!=' = '=='): BodyCheck => ({
  kind: 'json',
  path,
  op,
  value,
  text: `$.${path.join('.')} ${op} ${JSON.stringify(value)}`,
});

describe('probeUrl', () => {
  it('passes a 200 and reports status, latency, via and the injected time', async () => {
    const t0 = performance.now();
    const s = await probeUrl(`${base}/ok`, opts({ via: 'slot' }));
    const wall = performance.now() - t0;
    expect(s).toMatchObject({ kind: 'probe', ok: true, status: 200, via: 'slot', at: 1_700_000_000_000 });
    expect(s.url).toBe(`${base}/ok`);
    expect(s.error).toBeUndefined();
    // the request's own time, to 0.1 ms: never more than the wall time around the call
    expect(Number.isFinite(s.latencyMs)).toBe(true);
    expect(s.latencyMs).toBeLessThanOrEqual(Math.ceil(wall * 10) / 10);
  });

  it('measures latency with the real clock even when `now` stands still', async () => {
    const s = await probeUrl(`${base}/slow`, opts());
    expect(s.ok).toBe(true);
    expect(s.latencyMs).toBeGreaterThanOrEqual(100);
    expect(s.latencyMs).toBeLessThan(2000);
  });

  it('fails a 503 with the status and the accepted ranges', async () => {
    const s = await probeUrl(`${base}/unavailable`, opts());
    expect(s).toMatchObject({ ok: false, status: 503, error: 'status 503 not in 200-299' });
  });

  it('lists several accepted ranges as typed', async () => {
    const s = await probeUrl(
      `${base}/not-found`,
      opts({
        expect: [
          { min: 200, max: 200 },
          { min: 204, max: 204 },
        ],
      }),
    );
    expect(s.error).toBe('status 404 not in 200,204');
    const accepted = await probeUrl(`${base}/not-found`, opts({ expect: [{ min: 400, max: 404 }] }));
    expect(accepted.ok).toBe(true);
  });

  describe('body substring', () => {
    it('passes when the body contains the text', async () => {
      const s = await probeUrl(`${base}/ok`, opts({ body: { kind: 'contains', text: 'ready' } }));
      expect(s.ok).toBe(true);
    });
    it('fails naming the missing text', async () => {
      const s = await probeUrl(`${base}/starting`, opts({ body: { kind: 'contains', text: 'ready' } }));
      expect(s).toMatchObject({ ok: false, status: 200, error: 'body lacks "ready"' });
    });
    it('reads at most 64 KiB and says so', async () => {
      const s = await probeUrl(`${base}/big`, opts({ body: { kind: 'contains', text: 'ready' } }));
      expect(s.ok).toBe(false);
      expect(s.error).toBe('body lacks "ready" (first 64 KiB read)');
    });
  });

  describe('JSON check', () => {
    it('passes when the path holds the value', async () => {
      const s = await probeUrl(`${base}/json`, opts({ body: json(['status'], 'ready') }));
      expect(s.ok).toBe(true);
    });
    it('fails with the value found and the value expected', async () => {
      const s = await probeUrl(`${base}/json?status=starting`, opts({ body: json(['status'], 'ready') }));
      expect(s).toMatchObject({ ok: false, status: 200, error: '$.status is "starting", expected "ready"' });
    });
    it('walks nested objects and arrays and compares deeply', async () => {
      expect((await probeUrl(`${base}/json`, opts({ body: json(['checks', '0', 'ok'], true) }))).ok).toBe(
        true,
      );
      expect(
        (await probeUrl(`${base}/json`, opts({ body: json(['checks', '0'], { name: 'db', ok: true }) }))).ok,
      ).toBe(true);
      const s = await probeUrl(`${base}/json`, opts({ body: json(['checks', '0', 'ok'], false) }));
      expect(s.error).toBe('$.checks[0].ok is true, expected false');
    });
    it('fails a missing path', async () => {
      const s = await probeUrl(`${base}/json`, opts({ body: json(['health', 'status'], 'ready') }));
      expect(s.error).toBe('$.health.status is missing, expected "ready"');
    });
    it('supports != ', async () => {
      expect((await probeUrl(`${base}/json`, opts({ body: json(['status'], 'starting', '!=') }))).ok).toBe(
        true,
      );
      const s = await probeUrl(`${base}/json`, opts({ body: json(['status'], 'ready', '!=') }));
      expect(s.error).toBe('$.status is "ready", expected anything else');
    });
    it('fails a body that is not JSON with a clear error', async () => {
      const s = await probeUrl(`${base}/html`, opts({ body: json(['status'], 'ready') }));
      expect(s).toMatchObject({ ok: false, status: 200 });
      expect(s.error).toBe('body is not JSON, needed for $.status == "ready"');
    });
  });

  describe('headers', () => {
    it('sends the configured headers', async () => {
      await probeUrl(`${base}/ok`, opts({ headers: { 'X-Token': SECRET, Host: 'app.example' } }));
      expect(seen[0]?.headers['x-token']).toBe(SECRET);
      expect(seen[0]?.headers.host).toBe('app.example');
      expect(seen[0]?.headers['user-agent']).toBe('glidepath-probe');
    });

    it('keeps a user agent the user set', async () => {
      await probeUrl(`${base}/ok`, opts({ headers: { 'User-Agent': 'my-monitor/1.0' } }));
      expect(seen[0]?.headers['user-agent']).toBe('my-monitor/1.0');
    });

    it('never repeats a header value in an error, even when the server echoes it', async () => {
      const headers = { 'X-Token': SECRET };
      const results = await Promise.all([
        probeUrl(`${base}/echo-header`, opts({ headers })),
        probeUrl(
          `${base}/echo-header`,
          opts({ headers, expect: [{ min: 500, max: 599 }], body: json(['status'], 'ok') }),
        ),
        probeUrl(`${base}/hang`, opts({ headers, timeoutMs: 200 })),
        probeUrl('http://127.0.0.1:1/', opts({ headers })),
      ]);
      for (const s of results) {
        expect(s.ok).toBe(false);
        expect(JSON.stringify(s)).not.toContain(SECRET);
      }
      expect(results[1]?.error).toBe('$.status is "***", expected "ok"');
    });

    it('drops a password in the URL from the signal', async () => {
      const url = `http://probe:${SECRET}@127.0.0.1:${new URL(base).port}/ok`;
      const s = await probeUrl(url, opts());
      expect(s.url).not.toContain(SECRET);
      expect(s.url).toContain('probe:***@');
    });
  });

  describe('timeouts and network errors', () => {
    it('fails a server that never answers at about the timeout', async () => {
      const t0 = performance.now();
      const s = await probeUrl(`${base}/hang`, opts({ timeoutMs: 300 }));
      const elapsed = performance.now() - t0;
      expect(s).toMatchObject({ ok: false, error: 'timed out after 300ms (probe-timeout)' });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(300 + 500);
      expect(s.status).toBeUndefined();
    });

    it('fails a server that stalls mid-body at about the timeout', async () => {
      const t0 = performance.now();
      const s = await probeUrl(`${base}/hang-body`, opts({ timeoutMs: 300 }));
      expect(performance.now() - t0).toBeLessThan(300 + 500);
      expect(s.error).toBe('timed out after 300ms (probe-timeout)');
    });

    it('says timeouts in the input notation', async () => {
      const s = await probeUrl(`${base}/hang`, opts({ timeoutMs: 1000 }));
      expect(s.error).toBe('timed out after 1s (probe-timeout)');
    });

    it('reports a refused connection', async () => {
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      const s = await probeUrl(`http://127.0.0.1:${port}/health`, opts());
      expect(s).toMatchObject({ ok: false, error: 'connection refused' });
    });

    it('an answer that is not HTTP: says so and quotes what the server sent, header values scrubbed', async () => {
      const net = await import('node:net');
      const open = new Set<import('node:net').Socket>();
      const banner = net.createServer((sock) => {
        open.add(sock);
        sock.end('SSH-2.0-OpenSSH_9.2p1 s3cr3t\r\n');
      });
      await new Promise<void>((r) => banner.listen(0, '127.0.0.1', r));
      try {
        const port = (banner.address() as AddressInfo).port;
        const s = await probeUrl(
          `http://127.0.0.1:${port}/health`,
          opts({ headers: { authorization: 's3cr3t' } }),
        );
        expect(s.ok).toBe(false);
        expect(s.error).toBe(
          'the answer is not HTTP (Expected HTTP/, RTSP/ or ICE/): it sent "SSH-2.0-OpenSSH_9.2p1 ***\\r\\n"',
        );
      } finally {
        for (const sock of open) sock.destroy();
        await new Promise<void>((r) => banner.close(() => r()));
      }
    });

    it('https:// to a port that answers plain HTTP is a handshake failure, not a certificate one', async () => {
      const plain = http.createServer((_req, res) => res.end('ready'));
      await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
      try {
        const port = (plain.address() as AddressInfo).port;
        const s = await probeUrl(`https://127.0.0.1:${port}/health`, opts());
        expect(s.error).toBe(
          'TLS handshake failed: the server does not answer in TLS on this port (ERR_SSL_WRONG_VERSION_NUMBER); is the URL http://?',
        );
      } finally {
        plain.closeAllConnections();
        await new Promise<void>((r) => plain.close(() => r()));
      }
    });

    it('rejects URLs it cannot probe without touching the network', async () => {
      expect((await probeUrl('not a url', opts())).error).toBe(
        'invalid URL (expected an absolute http:// or https:// URL)',
      );
      expect((await probeUrl('ftp://127.0.0.1/x', opts())).error).toBe(
        'unsupported scheme ftp (expected http or https)',
      );
    });

    it('stops when the run is cancelled', async () => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('SIGINT')), 50);
      const t0 = performance.now();
      const s = await probeUrl(`${base}/hang`, opts({ timeoutMs: 5000, signal: ac.signal }));
      expect(s.error).toBe('cancelled');
      expect(performance.now() - t0).toBeLessThan(1000);
    });
  });
});

const settings = (over: Partial<HttpProbeSettings> = {}): HttpProbeSettings => ({
  healthUrls: [],
  preTrafficUrls: [],
  healthHeaders: {},
  probeTimeoutMs: 2000,
  ...over,
});

const ctx = (over: Partial<CheckContext> = {}): CheckContext => ({
  target: 'green',
  live: 'blue',
  weight: 10,
  now: 42_000,
  windowStart: 40_000,
  ...over,
});

describe('HttpProbeCheck', () => {
  it('probes health URLs through the service and pre-traffic URLs at the target slot, once each', async () => {
    const check = new HttpProbeCheck(
      settings({
        healthUrls: probeTargets(`${base}/ok`, `${base}/unavailable`),
        preTrafficUrls: probeTargets(`${base}/{slot}/health`),
      }),
    );
    try {
      expect(check.name).toBe('http-probe');
      const signals = await check.collect(ctx());
      expect(signals).toHaveLength(3);
      expect(signals.map((s) => s.kind === 'probe' && [s.url, s.via, s.ok, s.at])).toEqual([
        [`${base}/ok`, 'service', true, 42_000],
        [`${base}/unavailable`, 'service', false, 42_000],
        [`${base}/green/health`, 'slot', true, 42_000],
      ]);
      expect(seen.map((s) => s.path).sort()).toEqual(['/green/health', '/ok', '/unavailable']);
      const blue = await check.collect(ctx({ target: 'blue', live: 'green' }));
      expect(blue[2]).toMatchObject({ url: `${base}/blue/health`, ok: true });
    } finally {
      await check.close();
    }
  });

  it('judges each line on its own expectations (per-URL expect= and body=)', async () => {
    // as parsed from: /ok (defaults), /json?status=starting expect=200 body=$.status == "ready",
    // /not-found expect=404, and a pre-traffic /{slot}/health body=ready
    const ready: BodyCheck = {
      kind: 'json',
      path: ['status'],
      op: '==',
      value: 'ready',
      text: '$.status == "ready"',
    };
    const [ok, starting, notFound] = probeTargets(
      `${base}/ok`,
      `${base}/json?status=starting`,
      `${base}/not-found`,
    );
    const check = new HttpProbeCheck(
      settings({
        healthUrls: [
          ok!,
          { ...starting!, expect: [{ min: 200, max: 200 }], body: ready },
          { ...notFound!, expect: [{ min: 404, max: 404 }] },
        ],
        preTrafficUrls: [
          { ...probeTargets(`${base}/{slot}/health`)[0]!, body: { kind: 'contains', text: 'ready' } },
        ],
      }),
    );
    try {
      const signals = await check.collect(ctx());
      expect(signals.map((s) => s.kind === 'probe' && [s.url.replace(base, ''), s.ok, s.error])).toEqual([
        ['/ok', true, undefined],
        ['/json?status=starting', false, '$.status is "starting", expected "ready"'],
        ['/not-found', true, undefined],
        ['/green/health', true, undefined],
      ]);
      const gate = await check.probeSlot('blue');
      expect(gate.map((s) => [s.url.replace(base, ''), s.ok])).toEqual([['/blue/health', true]]);
    } finally {
      await check.close();
    }
  });

  it('probes concurrently: slow URLs cost the slowest, not the sum', async () => {
    const check = new HttpProbeCheck(
      settings({ healthUrls: probeTargets(...Array.from({ length: 5 }, () => `${base}/slow`)) }),
    );
    try {
      const t0 = performance.now();
      const signals = await check.collect(ctx());
      expect(signals.every((s) => s.kind === 'probe' && s.ok)).toBe(true);
      expect(performance.now() - t0).toBeLessThan(5 * 120);
    } finally {
      await check.close();
    }
  });

  it('sends the configured headers and body check on every probe', async () => {
    const check = new HttpProbeCheck(
      settings({
        healthUrls: [{ ...probeTargets(`${base}/starting`)[0]!, body: { kind: 'contains', text: 'ready' } }],
        healthHeaders: { 'X-Token': SECRET },
      }),
    );
    try {
      const [s] = await check.collect(ctx());
      expect(s).toMatchObject({ ok: false, error: 'body lacks "ready"' });
      expect(seen[0]?.headers['x-token']).toBe(SECRET);
    } finally {
      await check.close();
    }
  });

  it('keeps one connection alive across probes and closes it on close()', async () => {
    const check = new HttpProbeCheck(settings({ healthUrls: probeTargets(`${base}/ok`) }));
    const before = sockets.length;
    for (let i = 0; i < 10; i++) {
      const [s] = await check.collect(ctx());
      expect(s).toMatchObject({ ok: true });
    }
    expect(seen).toHaveLength(10);
    const opened = sockets.slice(before);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.destroyed).toBe(false);
    await check.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(opened[0]?.destroyed).toBe(true);
  });

  it('uses a given dispatcher and leaves it open', async () => {
    const agent = new Agent();
    const check = new HttpProbeCheck(settings({ healthUrls: probeTargets(`${base}/ok`) }), {
      dispatcher: agent,
      now: () => 7,
    });
    const [s] = await check.collect(ctx());
    expect(s).toMatchObject({ ok: true, at: 7 });
    await check.close();
    expect(agent.closed).toBe(false);
    await agent.close();
  });
});

describe('preTrafficProbe', () => {
  it('replaces {slot} with the target and probes the slot directly', async () => {
    const signals = await preTrafficProbe(
      probeTargets(`${base}/{slot}/health`, `${base}/unavailable?slot={slot}`),
      'blue',
      {
        headers: {},
        timeoutMs: 1000,
        now: () => 5,
      },
    );
    expect(signals.map((s) => [s.url, s.via, s.ok])).toEqual([
      [`${base}/blue/health`, 'slot', true],
      [`${base}/unavailable?slot=blue`, 'slot', false],
    ]);
  });
});

describe('HTTPS', () => {
  let dir: string | undefined;
  let tlsServer: https.Server | undefined;
  let cert = '';
  let url = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glidepath-tls-'));
    try {
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
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore', timeout: 20_000 },
      );
    } catch {
      console.warn('!!! openssl is not available: HTTPS probe tests are SKIPPED');
      return;
    }
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    tlsServer = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (_req, res) =>
      res.end('ready'),
    );
    await new Promise<void>((r) => tlsServer?.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/health`;
  });

  afterAll(async () => {
    tlsServer?.closeAllConnections();
    await new Promise<void>((r) => (tlsServer ? tlsServer.close(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an untrusted certificate with a readable reason', async (t) => {
    if (!tlsServer) return t.skip();
    const check = new HttpProbeCheck(settings({ healthUrls: probeTargets(url) }));
    try {
      const [s] = await check.collect(ctx());
      expect(s).toMatchObject({ ok: false });
      expect(s?.kind === 'probe' && s.error).toMatch(/^TLS certificate not accepted \([A-Z_]+\)$/);
    } finally {
      await check.close();
    }
  });

  it('probes over HTTPS when the certificate is trusted', async (t) => {
    if (!tlsServer) return t.skip();
    const agent = new Agent({ connect: { ca: cert } });
    try {
      const s = await probeUrl(url, opts({ dispatcher: agent, body: { kind: 'contains', text: 'ready' } }));
      expect(s).toMatchObject({ ok: true, status: 200 });
    } finally {
      await agent.close();
    }
  });
});
