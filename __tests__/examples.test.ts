// Example workflows: valid YAML, only inputs the action declares, and inputs Glidepath accepts.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { parseInputs } from '../src/config/parse.js';

const dir = new URL('../examples/', import.meta.url);
const action = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, unknown>;
};
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));

/** what the runner would substitute, for validation */
const EXPRESSIONS: Record<string, string> = {
  'inputs.command': 'promote',
  'secrets.SLACK_WEBHOOK': 'https://hooks.slack.com/services/T000/B000/XXXX',
  'github.event.pull_request.number': '42',
  "github.event.action == 'closed' && 'cleanup' || 'deploy'": 'deploy',
};
const resolve = (v: string) =>
  v.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (m, expr: string) => EXPRESSIONS[expr] ?? m);

describe('examples/', () => {
  it('has examples', () => expect(files.length).toBeGreaterThanOrEqual(3));

  it.each(files)('%s uses only declared inputs, and they parse', (file) => {
    const wf = parse(readFileSync(new URL(file, dir), 'utf8')) as {
      jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
    };
    const steps = Object.values(wf.jobs)
      .flatMap((j) => j.steps)
      .filter((s) => s.uses?.startsWith('glidepath/glidepath@'));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      const inputs = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [k, String(v).trim()]),
      );
      for (const k of Object.keys(inputs))
        expect(Object.keys(action.inputs), `${file}: unknown input ${k}`).toContain(k);
      const resolved = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, resolve(v)]));
      const r = parseInputs(resolved);
      expect(r.ok ? [] : r.errors.map((e) => e.message), file).toEqual([]);
    }
  });
});

describe('examples/ against the workflow schema', () => {
  it.each(files)('%s is valid against SchemaStore’s workflow schema', async (file) => {
    const { validateWorkflow } = await import('@action-validator/core');
    const state = validateWorkflow(readFileSync(new URL(file, dir), 'utf8'));
    expect(state.errors.map((e) => ('title' in e ? e.title : String(e)))).toEqual([]);
  });
});

describe('examples/lambda-canary.yml', () => {
  const text = readFileSync(new URL('lambda-canary.yml', dir), 'utf8');
  const wf = parse(text) as {
    permissions: Record<string, string>;
    jobs: Record<
      string,
      {
        concurrency?: { group: string; 'cancel-in-progress'?: boolean };
        environment?: string;
        steps: { uses?: string; with?: Record<string, string> }[];
      }
    >;
  };
  const job = wf.jobs.deploy!;
  const glidepath = job.steps.find((s) => s.uses?.startsWith('glidepath/glidepath@'))!.with!;

  it('grants only OIDC and reading the repository', () => {
    expect(wf.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
  });

  it('runs one deploy per environment at a time and never cancels one midway', () => {
    expect(job.environment).toBe('production');
    expect(job.concurrency).toEqual({ group: 'deploy-checkout-production', 'cancel-in-progress': false });
  });

  it('pins every third-party action by full commit SHA, with its release in a comment', () => {
    const uses = [...text.matchAll(/^\s*-?\s*uses:\s*(\S+)(.*)$/gm)].filter(
      ([, ref]) => !ref!.startsWith('glidepath/'),
    );
    expect(uses.map(([, ref]) => ref!.split('@')[0])).toEqual([
      'actions/checkout',
      'aws-actions/configure-aws-credentials',
    ]);
    for (const [, ref, rest] of uses)
      expect(`${ref}${rest}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('deploys with a CodeDeploy Lambda preset, alarms and a flag-off rollback-command', () => {
    expect(glidepath).toMatchObject({
      provider: 'lambda',
      strategy: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    });
    expect(glidepath['cloudwatch-alarms']).toBeTruthy();
    expect(glidepath['rollback-command']).toMatch(/aws appconfig start-deployment/);
    expect(glidepath['rollback-command']).toMatch(/\$GLIDEPATH_TARGET_VERSION.*\$GLIDEPATH_LIVE_VERSION/);
  });
});
