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
  '${{ inputs.command }}': 'promote',
  '${{ secrets.SLACK_WEBHOOK }}': 'https://hooks.slack.com/services/T000/B000/XXXX',
};

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
      const resolved = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, EXPRESSIONS[v] ?? v]));
      const r = parseInputs(resolved);
      expect(r.ok ? [] : r.errors.map((e) => e.message), file).toEqual([]);
    }
  });
});
