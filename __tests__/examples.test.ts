// The recipes in examples/: valid workflows (SchemaStore's schema, as bundled by @action-validator/core),
// minimal permissions, a concurrency group per environment that never cancels a shift midway,
// third-party actions pinned by full commit SHA, and Glidepath inputs that are declared and parse.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { validateWorkflow, type ValidationError } from '@action-validator/core';
import { parseInputs } from '../src/config/parse.js';
import type { Recipe } from './helpers/recipes.js';

const dir = new URL('../examples/', import.meta.url);
const action = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, unknown>;
};
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
const text = (file: string) => readFileSync(new URL(file, dir), 'utf8');
const workflow = (file: string) => parse(text(file)) as Recipe & { jobs: Record<string, Job> };

interface Job {
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  environment?: unknown;
  steps: { uses?: string; with?: Record<string, unknown> }[];
}

/** what the runner would substitute, for parsing the inputs */
const EXPRESSIONS: Record<string, string> = {
  'inputs.command': 'promote',
  'inputs.force': 'false',
  'secrets.SLACK_WEBHOOK': 'https://hooks.slack.com/services/T000/B000/XXXX',
  'github.event.pull_request.number': '42',
  "github.event.action == 'closed' && 'cleanup' || 'deploy'": 'deploy',
};
const resolve = (v: string) =>
  v.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (m, expr: string) => EXPRESSIONS[expr] ?? m);

function messages(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    'states' in e && e.states?.length
      ? e.states.flatMap((s) => messages(s.errors))
      : [`${'path' in e ? e.path : ''}: ${e.title}${e.detail ? ` (${e.detail})` : ''}`],
  );
}

describe('examples/', () => {
  it('has the six recipes', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'compose-haproxy-vm.yml',
        'alb-two-asgs.yml',
        'pr-preview.yml',
        'lambda-canary.yml',
        'approval-gate.yml',
        'on-call.yml',
      ]),
    );
  });

  it.each(files)('%s is valid against the workflow schema', (file) => {
    expect(messages(validateWorkflow(text(file)).errors)).toEqual([]);
  });

  it('the schema check catches a broken recipe (it is not a no-op)', () => {
    const broken = text('pr-preview.yml').replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest');
    expect(messages(validateWorkflow(broken).errors).join('\n')).toMatch(/runs_on/);
  });

  it.each(files)(
    '%s pins every third-party action by full commit SHA, with its release in a comment',
    (file) => {
      const uses = [...text(file).matchAll(/^\s*(?:-\s*)?uses:\s*(\S+)(.*)$/gm)];
      expect(uses.length).toBeGreaterThan(0);
      for (const [, ref, rest] of uses) {
        if (ref!.startsWith('glidepath/glidepath@') || ref!.startsWith('./')) continue;
        expect(`${ref}${rest}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    },
  );

  it.each(files)('%s grants only what its steps use', (file) => {
    const wf = workflow(file) as unknown as { permissions?: unknown; jobs: Record<string, Job> };
    for (const [name, job] of Object.entries(wf.jobs)) {
      const granted = (job.permissions ?? wf.permissions) as Record<string, string> | string | undefined;
      expect(granted, `${file}: job ${name} states its permissions`).toBeDefined();
      expect(typeof granted, `${file}: job ${name} lists scopes, not read-all/write-all`).toBe('object');
      const steps = job.steps;
      const glidepath = steps.filter((s) => s.uses?.startsWith('glidepath/glidepath@'));
      const writes = Object.entries(granted as Record<string, string>)
        .filter(([, v]) => v === 'write')
        .map(([k]) => k);
      for (const scope of writes) {
        const why: Record<string, boolean> = {
          'id-token': steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@')),
          deployments: glidepath.some((s) => Boolean(s.with?.environment)),
          'pull-requests': JSON.stringify(wf).includes('pull_request'),
        };
        expect(why[scope], `${file}: job ${name} asks for ${scope}: write without a step that needs it`).toBe(
          true,
        );
      }
      // a job that makes a GitHub deployment must be allowed to
      if (glidepath.some((s) => s.with?.environment))
        expect(writes, `${file}: ${name}`).toContain('deployments');
    }
  });

  it.each(files)('%s runs one deploy per environment at a time and never cancels one midway', (file) => {
    const wf = workflow(file) as unknown as { concurrency?: Job['concurrency']; jobs: Record<string, Job> };
    for (const [name, job] of Object.entries(wf.jobs)) {
      const c = job.concurrency ?? wf.concurrency;
      expect(c?.group, `${file}: job ${name} has a concurrency group`).toMatch(/\S/);
      expect(c?.['cancel-in-progress'], `${file}: job ${name}`).toBe(false);
    }
  });

  it.each(files)('%s uses only declared inputs, and they parse', (file) => {
    const wf = workflow(file);
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

  it('the README links every recipe from its recipes table', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.split('\n## Recipes\n')[1]?.split('\n## ')[0] ?? '';
    for (const f of files) expect(table, f).toContain(`(examples/${f})`);
  });
});
