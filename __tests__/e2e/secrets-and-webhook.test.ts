// Secrets planted in every secret input never leave the process; the webhook hears start and outcome;
// GitHub (a loopback stand-in for its REST API) gets a deployment with statuses and one PR comment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { haproxyAvailable, startHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { runBundle } from '../helpers/bundle.js';

const available = haproxyAvailable();
if (!available) {
  if (process.env.GLIDEPATH_REQUIRE_HAPROXY)
    throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');
  console.warn(
    '\n!!! haproxy is not installed: SKIPPING the secrets end-to-end test (apt-get install -y haproxy) !!!\n',
  );
}

const HEADER_SECRET = 'hdr-secret-value-42';
const TOKEN = 'ghp_testtoken1234567890abcdef';
const HOOK_PATH = '/services/T0001/B0002/webhooksecretpath99';

describe.skipIf(!available)('secrets and notifications, through the bundle', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;
  let webhook: http.Server;
  let webhookUrl: string;
  const posts: { path: string; body: { text?: string; blocks?: unknown[] } }[] = [];
  let hang = false;

  beforeAll(async () => {
    blue = await startAppServer({ name: 'v1' });
    green = await startAppServer({ name: 'v2' });
    hp = await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' });
    webhook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        posts.push({ path: req.url ?? '', body: JSON.parse(body) });
        if (!hang) res.end('ok');
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}${HOOK_PATH}`;
  });

  afterAll(async () => {
    webhook.closeAllConnections();
    await new Promise((r) => webhook.close(r));
    await hp.stop();
    await blue.close();
    await green.close();
  });

  const inputs = () => ({
    strategy: 'blue-green',
    interval: '1s',
    'probe-interval': '250ms',
    'probe-timeout': '200ms',
    'min-requests': '0',
    provider: 'haproxy',
    'haproxy-socket': hp.socketPath!,
    'blue-target': 'web/blue',
    'green-target': 'web/green',
    'health-urls': `${hp.frontendUrl}/health`,
    'health-headers': `X-Api-Key: ${HEADER_SECRET}`,
    'notify-webhook': webhookUrl,
    'github-token': TOKEN,
    // a hook that prints secrets, as careless scripts do
    'deploy-command': `echo "deploying with key ${HEADER_SECRET} and token ${TOKEN} to ${webhookUrl}"`,
  });

  it('a promoted deploy: no secret in log, summary, outputs or JSON report; webhook got start and promoted', async () => {
    posts.length = 0;
    const r = await runBundle(inputs());
    expect(r.outputs.result, r.stdout).toBe('promoted');
    const report = readFileSync(r.outputs.report!, 'utf8');
    expect(JSON.parse(report).result).toBe('promoted');
    const visibleLog = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    expect(visibleLog).toContain('deploying with key *** and token ***');
    for (const secret of [HEADER_SECRET, TOKEN, HOOK_PATH, webhookUrl]) {
      for (const [where, text] of Object.entries({
        log: visibleLog,
        stderr: r.stderr,
        summary: r.summary,
        outputs: JSON.stringify(r.outputs),
        report,
      })) {
        expect(text.includes(secret), `${secret} found in ${where}`).toBe(false);
      }
    }
    expect(posts.map((p) => p.path)).toEqual([HOOK_PATH, HOOK_PATH]);
    expect(posts[0]!.body.text).toMatch(/deploying/);
    expect(posts[1]!.body.text).toMatch(/promoted/);
    expect(Array.isArray(posts[1]!.body.blocks)).toBe(true);
    for (const p of posts) expect(JSON.stringify(p.body)).not.toContain(TOKEN);
  }, 60_000);

  it('environment: a GitHub deployment goes in_progress then success, and a pull request gets one comment', async () => {
    const calls: { method: string; path: string; auth?: string; body: Record<string, unknown> }[] = [];
    const api = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        calls.push({
          method: req.method!,
          path: req.url!,
          auth: req.headers.authorization,
          body: body ? JSON.parse(body) : {},
        });
        res.setHeader('content-type', 'application/json');
        if (req.method === 'GET') return res.end('[]'); // no earlier comment
        res.statusCode = 201;
        res.end(JSON.stringify({ id: req.url!.endsWith('/deployments') ? 4711 : 1 }));
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const eventDir = mkdtempSync('/tmp/glidepath-event-');
    writeFileSync(
      `${eventDir}/event.json`,
      JSON.stringify({ pull_request: { number: 42, head: { sha: 'a'.repeat(40) } } }),
    );
    try {
      const r = await runBundle(
        { ...inputs(), environment: 'pr-42', 'environment-url': 'https://pr-42.shop.example/' },
        {
          env: {
            GITHUB_API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
            GITHUB_REPOSITORY: 'octo/shop',
            GITHUB_SHA: 'mergecommit999',
            GITHUB_EVENT_NAME: 'pull_request',
            GITHUB_EVENT_PATH: `${eventDir}/event.json`,
            GITHUB_RUN_ID: '777',
            GITHUB_SERVER_URL: 'https://github.com',
          },
        },
      );
      expect(r.outputs.result, r.stdout).toBe('promoted');
      expect(r.outputs['deployment-id']).toBe('4711');
      expect(calls.map((c) => `${c.method} ${c.path.replace(/\?.*$/, '')}`)).toEqual([
        'POST /repos/octo/shop/deployments',
        'POST /repos/octo/shop/deployments/4711/statuses',
        'POST /repos/octo/shop/deployments/4711/statuses',
        'GET /repos/octo/shop/issues/42/comments',
        'POST /repos/octo/shop/issues/42/comments',
      ]);
      for (const c of calls) expect(c.auth).toBe(`Bearer ${TOKEN}`);
      expect(calls[0]!.body).toMatchObject({
        ref: 'a'.repeat(40),
        environment: 'pr-42',
        transient_environment: true,
      });
      expect(calls[1]!.body).toMatchObject({
        state: 'in_progress',
        log_url: 'https://github.com/octo/shop/actions/runs/777',
      });
      expect(calls[2]!.body).toMatchObject({
        state: 'success',
        environment_url: 'https://pr-42.shop.example/',
      });
      expect(String(calls[4]!.body.body)).toMatch(/<!-- glidepath:pr-comment -->[\s\S]*promoted/i);
      expect(JSON.stringify(calls)).not.toContain(HEADER_SECRET);
    } finally {
      await new Promise((r) => api.close(r));
    }
  }, 60_000);

  it('a webhook that never answers does not change the outcome and costs at most its timeout', async () => {
    hang = true;
    try {
      const t0 = Date.now();
      const r = await runBundle(inputs());
      expect(r.outputs.result, r.stdout).toBe('promoted');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/notification was not delivered/);
      // 1 s hold + hooks + at most one 5 s notification deadline left at the end
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      hang = false;
    }
  }, 60_000);
});
