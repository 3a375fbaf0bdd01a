// The repository's own workflows (.github/workflows/): valid against SchemaStore's workflow schema (as
// bundled by @action-validator/core), and the release workflow keeps its promises (pinned actions,
// least privilege, the checks before the major tag moves).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateWorkflow, type ValidationError } from '@action-validator/core';

const dir = new URL('../.github/workflows/', import.meta.url);
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const read = (file: string) => readFileSync(new URL(file, dir), 'utf8');

/** The schema's leaf messages with their paths, flattened out of its one_of/any_of trees. */
function messages(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    'states' in e && e.states?.length
      ? e.states.flatMap((s) => messages(s.errors))
      : [`${'path' in e ? e.path : ''}: ${e.title}${e.detail ? ` (${e.detail})` : ''}`],
  );
}

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

describe('.github/workflows/', () => {
  it('has the release workflow', () => expect(files).toContain('release.yml'));

  it.each(files)('%s is valid against the workflow schema', (file) => {
    const state = validateWorkflow(read(file));
    expect(messages(state.errors)).toEqual([]);
  });

  it('the schema check catches a broken workflow (it is not a no-op)', () => {
    const broken = read('release.yml').replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest');
    expect(messages(validateWorkflow(broken).errors).join('\n')).toMatch(/runs_on/);
  });
});

describe('release.yml', () => {
  const wf = parse(read('release.yml')) as Workflow;
  const steps = (job: string) => wf.jobs[job]!.steps;
  const script = (job: string) =>
    steps(job)
      .map((s) => s.run ?? '')
      .join('\n');

  it('pins every action by full commit SHA, with the release it is in a comment', () => {
    const uses = [...read('release.yml').matchAll(/^\s*(?:-\s*)?uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, ref, rest] of uses)
      expect(`${ref}${rest}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('runs on semver tags only', () => {
    expect(wf.on).toEqual({ push: { tags: ['v*.*.*'] } });
  });

  it('grants nothing by default; only the job that moves the tag may write, and it runs no npm code', () => {
    expect(wf.permissions).toEqual({});
    expect(wf.jobs.verify!.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs['move-major-tag']!.permissions).toEqual({ contents: 'write' });
    expect(script('move-major-tag')).not.toMatch(/\bnpm\b|\bnpx\b|\bnode\b/);
    expect(
      steps('move-major-tag')
        .map((s) => s.uses?.split('@')[0])
        .filter(Boolean),
    ).toEqual(['actions/checkout']);
    // the job that runs npm packages does not keep the token in .git/config
    expect(steps('verify')[0]!.with).toMatchObject({ 'persist-credentials': false });
  });

  it('checks dist/ against a fresh build and runs .ci/run before the tag moves', () => {
    expect(script('verify')).toMatch(/npm run package[\s\S]*git status --porcelain -- dist/);
    expect(script('verify')).toContain('bash .ci/run');
    expect(wf.jobs['move-major-tag']!.needs).toBe('verify');
  });

  it('moves v<major> only for a plain release that is the newest of its major', () => {
    const s = script('move-major-tag');
    expect(s).toContain('^v([0-9]+)\\.[0-9]+\\.[0-9]+$');
    expect(s).toMatch(/sort -V \| tail -n 1/);
    expect(s).toMatch(/git tag --force "\$major" "\$commit"/);
    expect(s).toMatch(/git push --force origin "refs\/tags\/\$major"/);
  });
});

describe('release.yml: the major-tag step, run against a scratch repository', () => {
  const wf = parse(read('release.yml')) as Workflow;
  const step = wf.jobs['move-major-tag']!.steps.find((s) => s.run)!.run!;
  const root = mkdtempSync(path.join(os.tmpdir(), 'glidepath-release-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } }).trim();
  const GIT_ENV = {
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };

  // origin with three releases of major 1 (v1 still on v1.1.0) and a v2 pre-release; a clone as the checkout
  const origin = path.join(root, 'origin.git');
  const work = path.join(root, 'work');
  git(root, 'init', '-q', '--bare', origin);
  git(root, 'clone', '-q', origin, work);
  const commits: Record<string, string> = {};
  for (const tag of ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v2.0.0-rc.1']) {
    writeFileSync(path.join(work, 'version'), tag);
    git(work, 'add', 'version');
    git(work, 'commit', '-q', '-m', tag);
    git(work, 'tag', '-a', tag, '-m', tag); // annotated, as releases usually are
    commits[tag] = git(work, 'rev-parse', 'HEAD');
  }
  git(work, 'tag', 'v1', commits['v1.1.0']!);
  git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main', '--tags');

  const runStep = (tag: string) => {
    // the shell GitHub runs `run:` steps with
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, ...GIT_ENV, TAG: tag },
    });
    expect(r.status, r.stderr).toBe(0);
    return {
      log: r.stdout,
      v1: git(origin, 'rev-parse', 'refs/tags/v1^{commit}'),
      v2: spawnSync('git', ['rev-parse', '-q', '--verify', 'refs/tags/v2'], { cwd: origin }).status,
    };
  };

  it('an older patch of major 1 leaves v1 where it is', () => {
    const r = runStep('v1.0.0');
    expect(r.log).toContain('v1.0.0 is older than v1.2.0: v1 stays on v1.2.0');
    expect(r.v1).toBe(commits['v1.1.0']);
  });

  it('a pre-release moves no major tag', () => {
    const r = runStep('v2.0.0-rc.1');
    expect(r.log).toContain('v2.0.0-rc.1 is a pre-release or not plain semver');
    expect(r.v2).not.toBe(0);
  });

  it('the newest release of major 1 moves v1 onto its commit (an annotated tag peeled)', () => {
    const r = runStep('v1.2.0');
    expect(r.log).toContain(`v1 now points at ${commits['v1.2.0']} (v1.2.0)`);
    expect(r.v1).toBe(commits['v1.2.0']);
  });
});
