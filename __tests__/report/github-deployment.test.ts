import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DeploymentTracker,
  isPreviewEnvironment,
  stateFor,
  type DeploymentTrackerOptions,
} from '../../src/report/github-deployment.js';
import { readGithubContext, type GithubContext } from '../../src/report/github-context.js';
import { TOKEN } from './fixtures.js';
import { startFakeGithub, type FakeGithub, type Received, type Reply } from '../helpers/fake-github.js';

/** A loopback server playing the GitHub API; each test scripts its replies in order. */
let github: FakeGithub;
let api: string;
let received: Received[] = [];
let script: Reply[] = [];
let fallback: (r: Received) => Reply = () => ({ status: 404, json: { message: 'Not Found' } });
let tmp: string;

beforeAll(async () => {
  github = await startFakeGithub(
    (r) => script.shift() ?? fallback(r),
    (r) => received.push(r),
  );
  api = github.url;
  tmp = mkdtempSync(join(tmpdir(), 'glidepath-deploy-'));
});

afterAll(async () => {
  await github.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
  script = [];
  fallback = () => ({ status: 404, json: { message: 'Not Found' } });
});

const SHA = 'a'.repeat(40);
const HEAD_SHA = 'b'.repeat(40);
const RUN_URL = 'https://github.com/octo/shop/actions/runs/4242';

function context(over: Partial<GithubContext> = {}): GithubContext {
  const base = readGithubContext({
    GITHUB_REPOSITORY: 'octo/shop',
    GITHUB_SHA: SHA,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_API_URL: api,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
  });
  return { ...base, ...over };
}

function tracker(over: Partial<DeploymentTrackerOptions> = {}): DeploymentTracker {
  return new DeploymentTracker({ token: TOKEN, context: context(), retryDelayMs: 20, ...over });
}

const created = (id: number): Reply => ({ status: 201, json: { id, sha: SHA } });
const statusOk: Reply = { status: 201, json: { id: 1, state: 'x' } };

describe('DeploymentTracker', () => {
  it('creates the deployment, marks it in_progress, then success with exact bodies', async () => {
    script = [created(9001), statusOk, statusOk];
    const t = tracker();
    const id = await t.start({ environment: 'production', description: 'canary 10,50 to green' });
    expect(id).toBe('9001');
    expect(t.id).toBe('9001');
    const ok = await t.finish(
      { result: 'promoted', weight: 100 },
      { environmentUrl: 'https://shop.example' },
    );
    expect(ok).toBe(true);
    expect(t.warnings).toEqual([]);

    expect(received.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/octo/shop/deployments',
      'POST /repos/octo/shop/deployments/9001/statuses',
      'POST /repos/octo/shop/deployments/9001/statuses',
    ]);
    for (const r of received) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
    expect(received[0]!.body).toEqual({
      ref: SHA,
      task: 'deploy',
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      description: 'canary 10,50 to green',
      production_environment: true,
      transient_environment: false,
      payload: { tool: 'glidepath', ref: 'refs/heads/main' },
    });
    expect(received[1]!.body).toEqual({
      state: 'in_progress',
      description: 'Shifting traffic',
      log_url: RUN_URL,
    });
    expect(received[2]!.body).toEqual({
      state: 'success',
      description: 'Promoted: the new version takes 100% of traffic',
      log_url: RUN_URL,
      environment_url: 'https://shop.example',
      auto_inactive: true,
    });
  });

  it('on a pull request names the head commit and marks a preview environment transient', async () => {
    const event = join(tmp, 'pr.json');
    writeFileSync(
      event,
      JSON.stringify({ number: 42, pull_request: { number: 42, head: { sha: HEAD_SHA } } }),
    );
    const ctx = readGithubContext({
      GITHUB_REPOSITORY: 'octo/shop',
      GITHUB_SHA: SHA,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_API_URL: api,
    });
    script = [created(5), statusOk];
    const id = await tracker({ context: ctx }).start({ environment: 'pr-42' });
    expect(id).toBe('5');
    expect(received[0]!.body).toMatchObject({
      ref: HEAD_SHA,
      environment: 'pr-42',
      production_environment: false,
      transient_environment: true,
    });
  });

  it.each([
    ['202 Accepted', { status: 202, json: { message: 'Auto-merge took place.' } }],
    ['201 Auto-merged', { status: 201, json: { message: 'Auto-merged main into topic on deployment.' } }],
  ] as const)('treats %s as "no deployment": undefined, a warning, no status posted', async (_n, reply) => {
    script = [reply];
    const t = tracker();
    expect(await t.start({ environment: 'production' })).toBeUndefined();
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]).toMatch(/did not create a deployment \(HTTP 20[12]: Auto-merge/);
    expect(await t.finish({ result: 'promoted' })).toBe(false);
    expect(received).toHaveLength(1);
  });

  it('API down: undefined and a warning, quickly, after one retry', async () => {
    // a port that was just free: connection refused
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const warned: string[] = [];
    const t = tracker({
      context: { ...context(), apiUrl: `http://127.0.0.1:${port}` },
      onWarning: (m) => warned.push(m),
    });
    const began = Date.now();
    expect(await t.start({ environment: 'production' })).toBeUndefined();
    expect(Date.now() - began).toBeLessThan(2000);
    expect(warned).toEqual(t.warnings);
    expect(t.warnings[0]).toMatch(
      /not created: GitHub API POST \/repos\/octo\/shop\/deployments failed: ECONNREFUSED/,
    );
  });

  it('a GitHub that never answers is given up on within the timeout', async () => {
    script = ['hang', 'hang'];
    const t = tracker({ timeoutMs: 300 });
    const began = Date.now();
    expect(await t.start({ environment: 'production' })).toBeUndefined();
    const took = Date.now() - began;
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(1500);
    expect(t.warnings[0]).toMatch(/did not answer within 300 ms/);
  });

  it('retries once after a 500 and goes on', async () => {
    script = [{ status: 500, json: { message: 'boom' } }, created(77), statusOk];
    const t = tracker();
    expect(await t.start({ environment: 'staging' })).toBe('77');
    expect(received.map((r) => r.method + ' ' + r.path)).toEqual([
      'POST /repos/octo/shop/deployments',
      'POST /repos/octo/shop/deployments',
      'POST /repos/octo/shop/deployments/77/statuses',
    ]);
    expect(t.warnings).toEqual([]);
  });

  it('retries at most once', async () => {
    script = [{ status: 502 }, { status: 503, json: { message: 'unavailable' } }, created(1)];
    const t = tracker();
    expect(await t.start({ environment: 'staging' })).toBeUndefined();
    expect(received).toHaveLength(2);
    expect(t.warnings[0]).toMatch(/HTTP 503: unavailable/);
  });

  it('does not retry a 4xx and never shows the token, even when GitHub echoes it', async () => {
    script = [{ status: 403, json: { message: `Resource not accessible by integration (${TOKEN})` } }];
    const t = tracker();
    expect(await t.start({ environment: 'production' })).toBeUndefined();
    expect(received).toHaveLength(1);
    expect(t.warnings[0]).toMatch(/HTTP 403: Resource not accessible by integration \(\*\*\*\)/);
    expect(t.warnings[0]).toMatch(/permission/);
    expect(t.warnings.join('\n')).not.toContain(TOKEN);
  });

  it('a failing in_progress status keeps the id and warns', async () => {
    script = [created(3), { status: 422, json: { message: 'Validation Failed' } }];
    const t = tracker();
    expect(await t.start({ environment: 'production' })).toBe('3');
    expect(t.warnings[0]).toMatch(/status "in_progress" was not posted: .*HTTP 422: Validation Failed/);
  });

  it('without a token: no request, a warning', async () => {
    const t = tracker({ token: undefined });
    expect(await t.start({ environment: 'production' })).toBeUndefined();
    expect(received).toHaveLength(0);
    expect(t.warnings[0]).toMatch(/no github-token/);
  });

  it.each([
    ['rolled-back', 'failure', { reason: 'error rate 4% > 1%' }, 'Rolled back: error rate 4% > 1%'],
    [
      'failed',
      'error',
      { reason: 'the run was cancelled (SIGINT)' },
      'Failed: the run was cancelled (SIGINT)',
    ],
    ['held', 'in_progress', { weight: 25 }, 'Held at 25%: run promote or abort to finish'],
    ['aborted', 'inactive', {}, 'Aborted: traffic is back on the previous version'],
  ] as const)('finish(%s) posts %s', async (result, state, extra, description) => {
    script = [created(11), statusOk, statusOk];
    const t = tracker();
    await t.start({ environment: 'production' });
    expect(await t.finish({ result, ...extra }, { environmentUrl: 'https://shop.example' })).toBe(true);
    const body = received[2]!.body as Record<string, unknown>;
    expect(body.state).toBe(state);
    expect(body.description).toBe(description);
    expect(body.log_url).toBe(RUN_URL);
    expect('auto_inactive' in body).toBe(false);
    // the URL only where users are being served by the new version
    expect(body.environment_url).toBe(state === 'in_progress' ? 'https://shop.example' : undefined);
  });

  it('cuts the status description to the 140 characters GitHub accepts', async () => {
    script = [created(12), statusOk, statusOk];
    const t = tracker();
    await t.start({ environment: 'production' });
    await t.finish({ result: 'rolled-back', reason: 'x'.repeat(500) });
    const d = (received[2]!.body as { description: string }).description;
    expect(Array.from(d)).toHaveLength(140);
    expect(d.endsWith('…')).toBe(true);
  });

  it('resume reuses a held deployment of the environment instead of creating one', async () => {
    fallback = (r) => {
      if (r.method === 'GET' && r.path.startsWith('/repos/octo/shop/deployments?'))
        return { status: 200, json: [{ id: 640 }] };
      if (r.method === 'GET' && r.path.startsWith('/repos/octo/shop/deployments/640/statuses'))
        return { status: 200, json: [{ state: 'in_progress' }] };
      return statusOk;
    };
    const t = tracker();
    expect(await t.start({ environment: 'prod env', resume: true })).toBe('640');
    await t.finish({ result: 'promoted' }, { environmentUrl: 'https://shop.example' });
    expect(received.map((r) => r.method + ' ' + r.path)).toEqual([
      'GET /repos/octo/shop/deployments?environment=prod%20env&per_page=1',
      'GET /repos/octo/shop/deployments/640/statuses?per_page=1',
      'POST /repos/octo/shop/deployments/640/statuses',
    ]);
  });

  it('resume creates a new deployment when the latest one is finished', async () => {
    script = [
      { status: 200, json: [{ id: 640 }] },
      { status: 200, json: [{ state: 'success' }] },
      created(641),
      statusOk,
    ];
    expect(await tracker().start({ environment: 'production', resume: true })).toBe('641');
    expect(received[2]!.method + ' ' + received[2]!.path).toBe('POST /repos/octo/shop/deployments');
  });
});

describe('deployment rules', () => {
  it.each([
    ['pr-42', true],
    ['PR_7', true],
    ['preview', true],
    ['preview-feature-x', true],
    ['production', false],
    ['staging', false],
    ['prod', false],
    ['april-release', false],
  ])('isPreviewEnvironment(%s) = %s', (name, expected) => {
    expect(isPreviewEnvironment(name)).toBe(expected);
  });

  it('maps every result to a documented GitHub state', () => {
    const documented = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
    for (const r of ['promoted', 'rolled-back', 'held', 'aborted', 'failed', 'planned', 'unchanged'] as const)
      expect(documented).toContain(stateFor(r));
    expect(stateFor('promoted')).toBe('success');
    expect(stateFor('rolled-back')).toBe('failure');
  });
});
