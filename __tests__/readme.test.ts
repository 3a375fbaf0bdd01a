// The README's tables and set-up commands stay true to action.yml and to what CI runs.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const action = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
};

/** rows of the markdown table that follows `## <heading>` */
function table(heading: string): string[][] {
  const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0];
  if (!section) throw new Error(`README has no "## ${heading}" section`);
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) =>
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/\\\|/g, '|')),
    );
}

const unquote = (s: string) => s.replace(/^`|`$/g, '');

describe('README', () => {
  it('inputs table matches action.yml: names, order, descriptions and defaults', () => {
    const rows = table('Inputs');
    expect(rows.map((r) => unquote(r[0]!))).toEqual(Object.keys(action.inputs));
    for (const [name, description, def] of rows) {
      const spec = action.inputs[unquote(name!)]!;
      expect(description, name).toBe(spec.description.replace(/\n/g, ' ').trim());
      expect(unquote(def ?? ''), name).toBe(spec.default ?? '');
    }
  });

  it('outputs table matches action.yml', () => {
    const rows = table('Outputs');
    expect(rows.map((r) => unquote(r[0]!))).toEqual(Object.keys(action.outputs));
    for (const [name, description] of rows)
      expect(description).toBe(action.outputs[unquote(name!)]!.description.trim());
  });

  it('gives the two set-up commands, and CI runs the same test command', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toMatch(/^npm test\b/m);
    expect(readFileSync(new URL('../.ci/run', import.meta.url), 'utf8')).toMatch(/^\S*\s*npm test( --.*)?$/m);
  });
});
