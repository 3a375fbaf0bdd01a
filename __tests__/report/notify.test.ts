import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { messageFor, notify } from '../../src/report/notify.js';
import { TOKEN } from './fixtures.js';

interface Received {
  path: string;
  contentType: string | undefined;
  body: string;
}

/** A loopback webhook whose behaviour per request is scripted by the test. */
let server: Server;
let base: string;
let received: Received[] = [];
let script: Array<'ok' | 500 | 503 | 400 | 'hang'> = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      const next = script.shift() ?? 'ok';
      if (next === 'hang') return; // never answers
      res.statusCode = next === 'ok' ? 200 : next;
      res.end(next === 'ok' ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  received = [];
  script = [];
});

const SECRET_PATH = '/services/T0001/B0002/XyZw3bh00kSecret';

describe('notify', () => {
  it('posts a Slack-compatible body with text always present', async () => {
    const msg = messageFor('rollback', {
      repository: 'octo/shop',
      environment: 'production',
      live: 'blue',
      reason: 'error rate 4% > 1% <b>&</b>',
      runUrl: 'https://github.com/octo/shop/actions/runs/1',
    });
    const res = await notify(base + SECRET_PATH, msg);
    expect(res).toMatchObject({ ok: true, status: 200, attempts: 1 });
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe(SECRET_PATH);
    expect(received[0]!.contentType).toMatch(/^application\/json/);
    const body = JSON.parse(received[0]!.body);
    expect(body.text).toContain('octo/shop → production rolled back, blue is live again');
    expect(body.text).toContain('Reason: error rate 4% > 1% <b>&</b>');
    expect(body.text).toContain('https://github.com/octo/shop/actions/runs/1');
    expect(Array.isArray(body.blocks)).toBe(true);
    expect(body.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    // Slack mrkdwn control characters are escaped in blocks
    expect(JSON.stringify(body.blocks)).toContain('&lt;b&gt;&amp;&lt;/b&gt;');
    expect(JSON.stringify(body.blocks)).toContain('<https://github.com/octo/shop/actions/runs/1|View run>');
  });

  it('sends a plain string as {text}', async () => {
    await notify(base + '/hook', 'hello');
    expect(JSON.parse(received[0]!.body)).toEqual({ text: 'hello' });
  });

  it('masks secrets in what it sends', async () => {
    await notify(base + '/hook', messageFor('failed', { reason: `auth failed with ${TOKEN}` }), {
      secrets: [TOKEN],
    });
    expect(received[0]!.body).not.toContain(TOKEN);
    expect(received[0]!.body).toContain('***');
  });

  it('retries once after a 5xx', async () => {
    script = [500, 'ok'];
    const res = await notify(base + '/hook', 'x', { retryDelayMs: 10 });
    expect(res).toMatchObject({ ok: true, status: 200, attempts: 2 });
    expect(received).toHaveLength(2);
  });

  it('retries only once', async () => {
    script = [503, 503, 'ok'];
    const res = await notify(base + '/hook', 'x', { retryDelayMs: 10 });
    expect(res).toMatchObject({ ok: false, status: 503, attempts: 2, error: 'webhook answered HTTP 503' });
    expect(received).toHaveLength(2);
  });

  it('does not retry a 4xx (the request itself is wrong)', async () => {
    script = [400];
    const res = await notify(base + '/hook', 'x', { retryDelayMs: 10 });
    expect(res).toMatchObject({ ok: false, status: 400, attempts: 1 });
    expect(received).toHaveLength(1);
  });

  it('returns not-ok quickly when nothing listens, without the URL in the error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const url = `http://127.0.0.1:${port}${SECRET_PATH}`;
    const t = Date.now();
    const res = await notify(url, 'x', { timeoutMs: 5000 });
    expect(Date.now() - t).toBeLessThan(1500);
    expect(res.ok).toBe(false);
    expect(res.attempts).toBe(2);
    expect(res.error).toMatch(/^webhook request failed: /);
    expect(res.error).not.toContain('XyZw3bh00kSecret');
  });

  it('returns within its timeout when the server hangs', async () => {
    script = ['hang', 'hang'];
    const t = Date.now();
    const res = await notify(base + SECRET_PATH, 'x', { timeoutMs: 600 });
    const took = Date.now() - t;
    expect(took).toBeLessThan(600 + 200);
    expect(took).toBeGreaterThanOrEqual(550);
    expect(res).toMatchObject({ ok: false, error: 'webhook did not answer within 600 ms' });
  });

  it('never throws, and never repeats the URL, whatever fetch does', async () => {
    const url = base + SECRET_PATH;
    const res = await notify(url, 'x', {
      fetchImpl: () => {
        throw new Error(`connect to ${url} refused`);
      },
      retryDelayMs: 1,
    });
    expect(res.ok).toBe(false);
    expect(res.error).not.toContain('XyZw3bh00kSecret');
    expect(res.error).toContain('***');
  });

  it('rejects a URL that is not http(s) without calling anything', async () => {
    const res = await notify('ftp://hooks.example/x', 'x');
    expect(res).toMatchObject({ ok: false, attempts: 0 });
    expect(res.error).not.toContain('hooks.example');
  });
});

describe('messageFor', () => {
  it.each([
    ['start', /deploying octo\/shop to green \(canary\)/],
    ['promoted', /octo\/shop promoted, green is live/],
    ['rollback', /octo\/shop rolled back, green is live again/],
    ['held', /octo\/shop held at 25% on green; run promote or abort/],
    ['failed', /octo\/shop failed, green is live/],
  ] as const)('%s has a self-contained text', (kind, re) => {
    const m = messageFor(kind, {
      repository: 'octo/shop',
      target: 'green',
      live: 'green',
      weight: 25,
      strategy: 'canary',
    });
    expect(m.text).toMatch(re);
    expect(m.blocks.length).toBeGreaterThan(0);
  });
});
