import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PR_COMMENT_MARKER, renderPrComment, upsertPrComment } from '../../src/report/pr-comment.js';
import { readGithubContext, type GithubContext } from '../../src/report/github-context.js';
import { TOKEN } from './fixtures.js';
import { startFakeGithub, type FakeGithub, type Received, type Reply } from '../helpers/fake-github.js';

/** A loopback server playing the GitHub API; `route` answers each request and sees them all. */
let github: FakeGithub;
let api: string;
let received: Received[] = [];
let route: (r: Received) => Reply = () => ({ status: 404 });
let tmp: string;

beforeAll(async () => {
  github = await startFakeGithub(
    (r) => route(r),
    (r) => received.push(r),
  );
  api = github.url;
  tmp = mkdtempSync(join(tmpdir(), 'glidepath-pr-'));
});

afterAll(async () => {
  await github.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
  route = () => ({ status: 404 });
});

let eventFiles = 0;
/** The context a runner gives, from a real GITHUB_EVENT_PATH file. */
function contextFor(eventName: string, payload: unknown): GithubContext {
  const path = join(tmp, `event-${++eventFiles}.json`);
  writeFileSync(path, JSON.stringify(payload));
  return readGithubContext({
    GITHUB_REPOSITORY: 'octo/shop',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: path,
    GITHUB_API_URL: api + '/',
    GITHUB_RUN_ID: '4242',
  });
}
const prContext = (n = 42) => contextFor('pull_request', { number: n, pull_request: { number: n } });

const others = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: from + i, body: `looks good ${from + i}` }));

describe('upsertPrComment', () => {
  it('creates a comment with the marker when there is none', async () => {
    route = (r) =>
      r.method === 'GET'
        ? { status: 200, json: others(1, 3) }
        : {
            status: 201,
            json: { id: 900, html_url: 'https://github.com/octo/shop/pull/42#issuecomment-900' },
          };
    const res = await upsertPrComment({ body: 'hello', token: TOKEN, context: prContext() });
    expect(res).toEqual({
      action: 'created',
      commentId: 900,
      url: 'https://github.com/octo/shop/pull/42#issuecomment-900',
    });
    expect(received.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/octo/shop/issues/42/comments?per_page=100&page=1',
      'POST /repos/octo/shop/issues/42/comments',
    ]);
    expect(received[1]!.body).toEqual({ body: `${PR_COMMENT_MARKER}\nhello` });
    for (const r of received) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('updates our comment when the marker is found on page 2', async () => {
    route = (r) => {
      if (r.path.endsWith('page=1')) return { status: 200, json: others(1, 100) };
      if (r.path.endsWith('page=2'))
        return { status: 200, json: [...others(101, 10), { id: 555, body: `${PR_COMMENT_MARKER}\nold` }] };
      if (r.method === 'PATCH') return { status: 200, json: { id: 555 } };
      return { status: 500 };
    };
    const body = renderPrComment({ result: 'promoted', live: 'green' });
    const res = await upsertPrComment({ body, token: TOKEN, context: prContext(7) });
    expect(res).toEqual({ action: 'updated', commentId: 555 });
    expect(received.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/octo/shop/issues/7/comments?per_page=100&page=1',
      'GET /repos/octo/shop/issues/7/comments?per_page=100&page=2',
      'PATCH /repos/octo/shop/issues/comments/555',
    ]);
    // the rendered body already carries the marker: not added twice
    expect(received[2]!.body).toEqual({ body });
    expect(body.split(PR_COMMENT_MARKER)).toHaveLength(2);
  });

  it('looks at no more than 5 pages, then posts', async () => {
    let n = 0;
    route = (r) =>
      r.method === 'GET' ? { status: 200, json: others(++n * 1000, 100) } : { status: 201, json: { id: 1 } };
    const res = await upsertPrComment({ body: 'x', token: TOKEN, context: prContext() });
    expect(res.action).toBe('created');
    expect(received.filter((r) => r.method === 'GET')).toHaveLength(5);
    expect(received.at(-1)!.method).toBe('POST');
  });

  it.each([
    ['push', { ref: 'refs/heads/main' }],
    ['workflow_dispatch', { inputs: {} }],
  ])('skips outside pull request events (%s)', async (event, payload) => {
    route = () => ({ status: 201, json: { id: 1 } });
    const res = await upsertPrComment({ body: 'x', token: TOKEN, context: contextFor(event, payload) });
    expect(res).toEqual({ action: 'skipped', reason: 'not a pull request' });
    expect(received).toHaveLength(0);
  });

  it('reads the PR number from a pull_request_target payload', () => {
    const ctx = contextFor('pull_request_target', {
      number: 9,
      pull_request: { number: 9, head: { sha: 'c'.repeat(40) } },
    });
    expect(ctx).toMatchObject({
      prNumber: 9,
      prHeadSha: 'c'.repeat(40),
      apiUrl: api,
      owner: 'octo',
      repo: 'shop',
    });
  });

  it('a read-only token (a fork) comes back as a warning without the token', async () => {
    route = (r) =>
      r.method === 'GET'
        ? { status: 200, json: [] }
        : { status: 403, json: { message: `Resource not accessible by integration ${TOKEN}` } };
    const res = await upsertPrComment({ body: 'x', token: TOKEN, context: prContext(), retryDelayMs: 10 });
    expect(res.action).toBe('failed');
    const warning = (res as { warning: string }).warning;
    expect(warning).toMatch(
      /not posted: GitHub API POST \/repos\/octo\/shop\/issues\/42\/comments answered HTTP 403/,
    );
    expect(warning).toMatch(/forks get a read-only token/);
    expect(warning).not.toContain(TOKEN);
    expect(received).toHaveLength(2);
  });

  it('masks the token if it ever ends up in the body', async () => {
    route = (r) => (r.method === 'GET' ? { status: 200, json: [] } : { status: 201, json: { id: 2 } });
    await upsertPrComment({ body: `reason: bad ${TOKEN}`, token: TOKEN, context: prContext() });
    expect(JSON.stringify(received[1]!.body)).not.toContain(TOKEN);
  });
});

describe('renderPrComment', () => {
  it('escapes a reason with | and <script>, and shows links', () => {
    const md = renderPrComment({
      result: 'rolled-back',
      live: 'blue',
      reason: 'error rate 4% | p99 3s <script>alert(1)</script>',
      environment: 'pr-42',
      environmentUrl: 'https://pr-42.shop.example/?a=1&b=(2)',
      runUrl: 'https://github.com/octo/shop/actions/runs/4242',
      strategy: 'canary',
    });
    expect(md.startsWith(PR_COMMENT_MARKER + '\n')).toBe(true);
    expect(md).toContain('↩️ **Glidepath: rolled back**: blue is live again · pr-42 · canary');
    expect(md).not.toContain('<script>');
    expect(md).not.toMatch(/4% \| p99/);
    expect(md).toContain('**Reason:** error rate 4% &#124; p99 3s &#60;script&#62;alert(1)&#60;/script&#62;');
    expect(md).toContain('(https://pr-42.shop.example/?a=1&b=%282%29)');
    expect(md).toContain('[View the run](https://github.com/octo/shop/actions/runs/4242)');
  });

  it('shows the weight when held and no reason unless rolled back or failed', () => {
    const md = renderPrComment({ result: 'held', weight: 25, reason: 'held on request' });
    expect(md).toContain('⏸️ **Glidepath: held at 25%**');
    expect(md).not.toContain('Reason');
    expect(renderPrComment({ result: 'failed', reason: 'timeout' })).toContain('**Reason:** timeout');
  });

  it('drops a javascript: URL to plain text', () => {
    const md = renderPrComment({ result: 'promoted', environmentUrl: 'javascript:alert(1)' });
    expect(md).not.toContain('](javascript');
    expect(md).toContain('**Preview:** javascript:alert(1)');
  });
});
