// The GitHub client loads @actions/github only for a call, once, and a toolkit that fails to load is a warning.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readGithubContext, type GithubContext } from '../../src/report/github-context.js';
import { TOKEN } from './fixtures.js';
import { startFakeGithub, type FakeGithub, type Received } from '../helpers/fake-github.js';

const toolkit = { loads: 0, fail: false };
/** counts the loads of the toolkit, and can make them fail as a bundle whose lazy chunk went missing would */
function mockToolkit(): void {
  vi.doMock('@actions/github/lib/utils', async (importOriginal) => {
    toolkit.loads++;
    if (toolkit.fail) throw new Error(`Cannot find module 'dist/chunks/utils-PBL5XSCP.js' (token ${TOKEN})`);
    return importOriginal();
  });
}

/** fresh copies of the modules (and of the mock), so each test starts with nothing loaded */
async function load() {
  return {
    ...(await import('../../src/report/github-api.js')),
    ...(await import('../../src/report/github-deployment.js')),
    ...(await import('../../src/report/pr-comment.js')),
  };
}

let github: FakeGithub;
let received: Received[] = [];

beforeAll(async () => {
  github = await startFakeGithub(
    (r) => (r.method === 'GET' ? { status: 200, json: [] } : { status: 201, json: { id: 7 } }),
    (r) => received.push(r),
  );
});
afterAll(() => github.close());
beforeEach(() => {
  vi.resetModules();
  mockToolkit();
  toolkit.loads = 0;
  toolkit.fail = false;
  received = [];
});

const context = (eventName: string): GithubContext =>
  readGithubContext({
    GITHUB_REPOSITORY: 'octo/shop',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_EVENT_NAME: eventName,
    GITHUB_API_URL: github.url,
  });

describe('GithubApi loads @actions/github lazily', () => {
  it('not at all for a run that makes no GitHub call', async () => {
    const { DeploymentTracker, upsertPrComment } = await load();
    new DeploymentTracker({ token: TOKEN, context: context('push') });
    const res = await upsertPrComment({ body: 'x', token: TOKEN, context: context('push') });
    expect(res.action).toBe('skipped');
    await vi.dynamicImportSettled();
    expect(toolkit.loads).toBe(0);
  });

  it('once, on the first call, for all the calls after it', async () => {
    const { GithubApi } = await load();
    const api = new GithubApi(github.url, TOKEN);
    await vi.dynamicImportSettled();
    expect(toolkit.loads).toBe(0);
    for (const issue_number of [1, 2])
      expect(
        await api.call((rest) => rest.issues.createComment, {
          owner: 'octo',
          repo: 'shop',
          issue_number,
          body: 'hi',
        }),
      ).toMatchObject({ ok: true, status: 201, data: { id: 7 } });
    await new GithubApi(github.url, TOKEN).call((rest) => rest.issues.listComments, {
      owner: 'octo',
      repo: 'shop',
      issue_number: 1,
    });
    expect(toolkit.loads).toBe(1);
    expect(received.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/octo/shop/issues/1/comments',
      'POST /repos/octo/shop/issues/2/comments',
      'GET /repos/octo/shop/issues/1/comments',
    ]);
  });

  it('a toolkit that cannot be loaded is a warning without the token, and no request', async () => {
    toolkit.fail = true;
    const { DeploymentTracker } = await load();
    const tracker = new DeploymentTracker({ token: TOKEN, context: context('push') });
    expect(await tracker.start({ environment: 'production' })).toBeUndefined();
    expect(tracker.warnings).toHaveLength(1);
    expect(tracker.warnings[0]).toMatch(
      /deployment was not created: the GitHub API client could not be loaded: Cannot find module/,
    );
    expect(tracker.warnings[0]).not.toContain(TOKEN);
    expect(received).toEqual([]);
  });
});
