// Recipe 3 (examples/pr-preview.yml) through the bundle: provider none, the deploy hook hands back the
// preview's URL (url= in GLIDEPATH_OUTPUT), probes on {url}health and {url}health/ready with a JSON
// check, the GitHub deployment and the one PR comment on a loopback GitHub API; `command: cleanup` on
// close. `railway` is a stand-in on PATH that records its calls; node and curl are the real ones.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBundle } from '../helpers/bundle.js';
import { startFakeGithub, type FakeGithub, type Received, type Reply } from '../helpers/fake-github.js';
import { glidepathStep, loadRecipe, pathWith, standIns, type StandIns } from '../helpers/recipes.js';

const recipe = loadRecipe('pr-preview.yml');
const TOKEN = 'ghs_previewtoken000000000000000000';
const HEAD_SHA = 'c0ffee'.padEnd(40, '0');
const MARKER = '<!-- glidepath:pr-comment -->';

/** the preview app: /health always up, /health/ready as `ready` says */
let ready = 'ready';
let app: http.Server;
let appUrl: string;

/** GitHub: what it received, and what it holds (one deployment, one comment once posted) */
let calls: Received[] = [];
let comment = undefined as { id: number; body: string } | undefined;
let github: FakeGithub;

function answer(r: Received): Reply {
  const p = r.path.replace(/\?.*$/, '');
  if (r.method === 'POST' && p === '/repos/octo/chat/deployments') return { status: 201, json: { id: 4711 } };
  if (r.method === 'POST' && p === '/repos/octo/chat/deployments/4711/statuses')
    return { status: 201, json: {} };
  if (r.method === 'GET' && p === '/repos/octo/chat/deployments')
    return {
      status: 200,
      json: [
        // newest first: another pull request's preview in the same environment name would not match
        { id: 5000, sha: 'f'.repeat(40), payload: { tool: 'glidepath', pull_request: 7, head_ref: 'other' } },
        {
          id: 4711,
          sha: HEAD_SHA,
          payload: { tool: 'glidepath', pull_request: 42, head_ref: 'feature/typing' },
        },
      ],
    };
  if (r.method === 'GET' && p === '/repos/octo/chat/issues/42/comments')
    return { status: 200, json: comment ? [{ id: comment.id, body: comment.body }] : [] };
  if (r.method === 'POST' && p === '/repos/octo/chat/issues/42/comments') {
    comment = { id: 99, body: String((r.body as { body: string }).body) };
    return { status: 201, json: { id: 99 } };
  }
  if (r.method === 'PATCH' && p === '/repos/octo/chat/issues/comments/99') {
    comment = { id: 99, body: String((r.body as { body: string }).body) };
    return { status: 200, json: { id: 99 } };
  }
  return { status: 404, json: { message: `not in the fake: ${r.method} ${p}` } };
}

/** read through a function: TypeScript would narrow the variable after `comment = undefined` */
const current = () => comment;

let work: string;
let railway: StandIns;

beforeAll(async () => {
  app = http.createServer((req, res) => {
    if (req.url === '/health') return res.end('ok');
    if (req.url === '/health/ready') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ status: ready, connections: 3 }));
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  github = await startFakeGithub(answer, (r) => calls.push(r));
  work = mkdtempSync(path.join(os.tmpdir(), 'glidepath-preview-'));
  railway = standIns(path.join(work, 'bin'), ['railway']);
  // `railway domain --json` prints the preview's domain; the rest succeed silently
  railway.respond('railway', `if [ "$1" = domain ]; then echo '{"domain":"${appUrl}"}'; fi\n`);
});

afterAll(async () => {
  await github.close();
  app.closeAllConnections();
  await new Promise<void>((r) => app.close(() => r()));
});

beforeEach(() => {
  calls = [];
  ready = 'ready';
});

function event(action: string): string {
  const file = path.join(work, `event-${action}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      action,
      number: 42,
      pull_request: { number: 42, head: { sha: HEAD_SHA, ref: 'feature/typing' } },
    }),
  );
  return file;
}

/** The recipe's step for `action`, as the runner would run it; only the durations are shortened. */
function step(action: 'opened' | 'synchronize' | 'closed') {
  const values = {
    'github.event.pull_request.number': '42',
    'github.event.action': action,
    'secrets.RAILWAY_TOKEN': 'railway-token-secret',
    "github.event.action == 'closed' && 'cleanup' || 'deploy'": action === 'closed' ? 'cleanup' : 'deploy',
  };
  return glidepathStep(recipe, 'preview', values, { interval: '1500ms', 'probe-interval': '250ms' });
}

async function run(action: 'opened' | 'synchronize' | 'closed') {
  const s = step(action);
  const r = await runBundle(
    { ...s.inputs, 'github-token': TOKEN },
    {
      env: {
        ...s.env,
        PATH: pathWith(railway.dir),
        GITHUB_API_URL: github.url,
        GITHUB_REPOSITORY: 'octo/chat',
        GITHUB_SHA: 'mergecommit'.padEnd(40, '1'),
        GITHUB_REF: 'refs/pull/42/merge',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event(action),
        GITHUB_RUN_ID: '9001',
        GITHUB_SERVER_URL: 'https://github.com',
      },
    },
  );
  return { ...r, overridden: s.overridden };
}

const statuses = () =>
  calls
    .filter((c) => c.method === 'POST' && c.path.includes('/statuses'))
    .map((c) => c.body as { state: string; environment_url?: string; description?: string });

describe('recipe 3: PR preview with provider none (examples/pr-preview.yml)', () => {
  it('changes only durations: every other input runs as written', () => {
    expect(step('opened').overridden).toEqual(['interval', 'probe-interval']);
    expect(step('opened').inputs).toMatchObject({
      provider: 'none',
      command: 'deploy',
      environment: 'pr-42',
    });
  });

  it('opened: the deploy hook hands back the URL; /health and /health/ready (JSON) pass; promoted with the URL everywhere', async () => {
    comment = undefined;
    const r = await run('opened');
    expect(r.outputs.result, r.stdout + r.stderr).toBe('promoted');
    expect(r.code).toBe(0);
    const url = `${appUrl}/`;
    expect(r.outputs).toMatchObject({
      url,
      'live-slot': '',
      'previous-slot': '',
      weight: '',
      'deployment-id': '4711',
    });
    // the railway calls as the recipe writes them, with the pull request's environment
    expect(railway.calls().map((c) => c.args.join(' '))).toEqual([
      'environment new pr-42 --duplicate staging --json',
      'up --ci --service chat --environment pr-42',
      'domain --service chat --environment pr-42 --json',
    ]);
    expect(r.stdout).toContain(`hook deploy ok`);
    expect(r.stdout).toContain(`handed back url=${url}`);
    // probed where the hook said, the JSON check on /health/ready
    expect(r.stdout).toMatch(/evaluation|step 1\/1/);
    // deployment: created for the PR's head commit, carrying the pull request and its branch
    const created = calls.find((c) => c.method === 'POST' && c.path === '/repos/octo/chat/deployments')!;
    expect(created.body).toMatchObject({
      ref: HEAD_SHA,
      environment: 'pr-42',
      transient_environment: true,
      payload: { pull_request: 42, head_ref: 'feature/typing' },
    });
    expect(statuses().map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(statuses()[1]).toMatchObject({ environment_url: url });
    expect(current()?.body).toContain(MARKER);
    expect(current()?.body).toMatch(/promoted/);
    expect(current()?.body).toContain(`**Preview:** [${url}](${url})`);
    expect(r.summary).toContain('Promoted');
    expect(r.summary).toContain(`[environment](${url})`);
  }, 60_000);

  it('synchronize with /health/ready {"status":"starting"}: not promoted, a failure status, the same comment says why', async () => {
    ready = 'starting';
    const before = railway.calls().length;
    const r = await run('synchronize');
    expect(r.outputs.result, r.stdout).toBe('failed');
    expect(r.code).toBe(1);
    expect(r.outputs['rollback-reason']).toMatch(
      /health\/ready failed: \$\.status is "starting", expected "ready".*; the platform keeps running the new version \(no rollback-command\)$/,
    );
    // no new environment on synchronize; built and probed again
    expect(
      railway
        .calls()
        .slice(before)
        .map((c) => c.args[0]),
    ).toEqual(['up', 'domain']);
    // the version was judged: failure, not error (nothing broke, it was unhealthy)
    expect(statuses().map((s) => s.state)).toEqual(['in_progress', 'failure']);
    const edits = calls.filter((c) => c.method === 'PATCH');
    expect(edits).toHaveLength(1);
    expect(current()?.body).toMatch(/failed/);
    // the comment escapes quotes as HTML entities
    expect(current()!.body.replace(/&#34;/g, '"')).toMatch(/\$\.status is "starting", expected "ready"/);
    expect(r.outputs.url).toBe(`${appUrl}/`);
  }, 60_000);

  it("closed: command cleanup runs the cleanup hook, marks the PR's latest deployment inactive and edits the one comment", async () => {
    const before = railway.calls().length;
    const r = await run('closed');
    expect(r.outputs.result, r.stdout + r.stderr).toBe('removed');
    expect(r.code).toBe(0);
    expect(
      railway
        .calls()
        .slice(before)
        .map((c) => c.args.join(' ')),
    ).toEqual(['environment delete pr-42 --yes --json']);
    const methods = calls.map((c) => `${c.method} ${c.path.replace(/\?.*$/, '')}`);
    expect(methods).toEqual([
      'GET /repos/octo/chat/deployments',
      'POST /repos/octo/chat/deployments/4711/statuses',
      'GET /repos/octo/chat/issues/42/comments',
      'PATCH /repos/octo/chat/issues/comments/99',
    ]);
    expect(calls[0]!.path).toContain('environment=pr-42');
    expect(statuses()).toEqual([expect.objectContaining({ state: 'inactive' })]);
    expect(r.outputs['deployment-id']).toBe('4711');
    expect(current()?.body).toMatch(/preview removed/);
    expect(current()?.body).not.toContain('**Preview:**');
    expect(r.summary).toContain('Removed');
  }, 60_000);
});

describe('provider none: {url} with no hook that wrote one', () => {
  it('fails before any probe, naming the input', async () => {
    const s = step('opened');
    const r = await runBundle(
      {
        ...s.inputs,
        'deploy-command': 'echo deployed, but no url',
        environment: '',
      },
      { env: { PATH: pathWith(railway.dir) } },
    );
    expect(r.outputs.result).toBe('failed');
    expect(r.outputs['rollback-reason']).toMatch(
      /^pre-traffic check \{url\} failed: health-urls uses \{url\}, but no hook handed back a URL: write it to the file named in GLIDEPATH_OUTPUT/,
    );
    expect(r.stdout).not.toMatch(/evaluation 1/);
    expect(readFileSync(r.outputs.report!, 'utf8')).not.toContain('"type":"evaluation"');
  }, 30_000);
});
