import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUTS, OUTPUTS } from '../src/config/inputs.js';

interface ActionYml {
  name: string;
  description: string;
  author: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { description: string; required: boolean; default?: unknown }>;
  outputs: Record<string, { description: string }>;
  runs: Record<string, unknown>;
}

const action = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as ActionYml;

describe('action.yml', () => {
  it('declares exactly the inputs of src/config/inputs.ts, in the same order', () => {
    expect(Object.keys(action.inputs)).toEqual(INPUTS.map((i) => i.name));
  });

  it.each(INPUTS.map((i) => [i.name, i] as const))('input %s matches the table', (name, spec) => {
    const yml = action.inputs[name];
    expect(yml).toBeDefined();
    expect(yml?.description).toBe(spec.description);
    // Our own validation names a missing provider; the runner's `required` would only warn, vaguely.
    expect(yml?.required).toBe(false);
    if (spec.default === '') {
      expect(yml).not.toHaveProperty('default');
    } else {
      // Quoted in YAML: an unquoted 10 or true would reach the runner as a number/boolean.
      expect(typeof yml?.default).toBe('string');
      expect(yml?.default).toBe(spec.default);
    }
  });

  it('has the contract defaults', () => {
    const defaults = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default]));
    expect(defaults).toMatchObject({
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '10,50',
      'linear-increment': '10',
      interval: '5m',
      'probe-interval': '5s',
      'probe-timeout': '3s',
      'failure-threshold': '2',
      'max-error-rate': '1',
      'health-expect': '200-299',
      'compare-to-stable': 'false',
      'min-requests': '20',
      'max-unhealthy-targets': '0',
      'keep-previous': '0s',
      timeout: '60m',
      'hook-timeout': '10m',
      'fail-on-rollback': 'true',
      'pr-comment': 'true',
      'github-token': '${{ github.token }}',
    });
  });

  it('declares exactly the outputs of the table, with their descriptions', () => {
    expect(Object.keys(action.outputs)).toEqual(OUTPUTS.map((o) => o.name));
    for (const o of OUTPUTS) expect(action.outputs[o.name]?.description).toBe(o.description);
  });

  it('runs the node24 bundle with a post step that always runs', () => {
    expect(action.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/post/index.js',
      'post-if': 'always()',
    });
  });

  it('has a name, description, author and branding', () => {
    expect(action.name).toBe('Glidepath');
    expect(action.description.length).toBeGreaterThan(20);
    expect(action.author).toBeTruthy();
    expect(action.branding.icon).toMatch(/^[a-z-]+$/);
    expect(['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']).toContain(
      action.branding.color,
    );
  });

  it('marks the inputs that carry secrets', () => {
    expect(INPUTS.filter((i) => i.secret).map((i) => i.name)).toEqual([
      'health-headers',
      'notify-webhook',
      'github-token',
    ]);
  });
});
