// The README's "When things go wrong" table and the fault suite agree: every row names a test that
// exists with that exact title, and the README section is what `npm run faults:table` generates.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HEADING,
  README,
  ROOT,
  currentSection,
  loadRows,
  renderSection,
  withSection,
} from '../../scripts/faults-table.js';

const files = await loadRows();

/** `it('<title>'` / `it("<title>"` / it(`<title>` as written in the source, quotes escaped as a TS literal */
function declares(source: string, title: string): boolean {
  const literals = [
    `'${title.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    `"${title.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
    `\`${title.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``,
  ];
  return literals.some((l) => new RegExp(`\\bit(?:\\.\\w+)*\\(\\s*${escapeRe(l)}`).test(source));
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('fault table', () => {
  it('has rows files, each with rows that say what happens', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f.rows.length, f.file).toBeGreaterThan(0);
      for (const r of f.rows) {
        for (const key of ['fault', 'does', 'endState'] as const)
          expect(r[key].trim(), `${f.file}: ${key} of "${r.fault}"`).not.toBe('');
        expect(r.test.file, `${f.file}: "${r.fault}"`).toMatch(/^__tests__\/.+\.test\.ts$/);
      }
    }
  });

  it.each(files.flatMap((f) => f.rows.map((r) => [f.file, r.fault, r] as const)))(
    '%s: "%s" names a test that exists with that exact title',
    (_file, _fault, row) => {
      const file = path.join(ROOT, row.test.file);
      expect(existsSync(file), `${row.test.file} does not exist`).toBe(true);
      expect(
        declares(readFileSync(file, 'utf8'), row.test.name),
        `${row.test.file} has no it(${JSON.stringify(row.test.name)}`,
      ).toBe(true);
    },
  );

  it('no two rows name the same fault', () => {
    const faults = files.flatMap((f) => f.rows.map((r) => r.fault));
    expect(faults.filter((f, i) => faults.indexOf(f) !== i)).toEqual([]);
  });

  it('the README section equals the generated table (npm run faults:table rewrites it)', () => {
    const readme = readFileSync(README, 'utf8');
    const section = renderSection(files);
    expect(currentSection(readme), `README has no "${HEADING}" section: run npm run faults:table`).toBe(
      section,
    );
    // rewriting changes nothing, and the section is there once
    expect(withSection(readme, section)).toBe(readme);
    expect(readme.split(`\n${HEADING}\n`)).toHaveLength(2);
  });
});

describe('fault table: the generator', () => {
  const row = (fault: string) => ({
    fault,
    does: 'does | this',
    endState: 'blue 100%',
    test: { file: '__tests__/faults/x.test.ts', name: `it's ${fault}` },
  });

  it('escapes pipes, keeps each row on one line, counts the rows', () => {
    const s = renderSection([{ file: 'a.ts', rows: [row('one\nline'), row('two')] }]);
    expect(s).toContain('2 faults:');
    expect(s).toContain(
      '| one line | does \\| this | blue 100% | [x.test.ts](__tests__/faults/x.test.ts "it\'s one line") |',
    );
  });

  it('inserts the section once, then replaces it in place without touching the rest', () => {
    const readme = '# T\n\n## A\n\ntext\n\n## AWS: ALB and CloudWatch\n\naws\n';
    const first = withSection(readme, renderSection([{ file: 'a.ts', rows: [row('one')] }]));
    expect(first).toMatch(
      /text\n\n## When things go wrong\n[\s\S]*\|\n\n## AWS: ALB and CloudWatch\n\naws\n$/,
    );
    const second = withSection(first, renderSection([{ file: 'a.ts', rows: [row('one'), row('two')] }]));
    expect(second).toContain('2 faults:');
    expect(second.split(HEADING)).toHaveLength(2);
    expect(second.startsWith('# T\n\n## A\n\ntext\n\n## When')).toBe(true);
    expect(second.endsWith('|\n\n## AWS: ALB and CloudWatch\n\naws\n')).toBe(true);
    expect(currentSection(second)).toBe(renderSection([{ file: 'a.ts', rows: [row('one'), row('two')] }]));
  });

  it('finds a title however it is quoted, and not a different one', () => {
    expect(declares(`it('a “b” c', async () => {`, 'a “b” c')).toBe(true);
    expect(declares(`it("it's", () => {`, "it's")).toBe(true);
    expect(declares(`it('it\\'s', () => {`, "it's")).toBe(true);
    expect(declares(`it.skipIf(x)(\`t\`, () => {`, 't')).toBe(false);
    expect(declares(`it('a b c', () => {`, 'a b')).toBe(false);
    expect(declares(`// it('a b', () => {`, 'a b c')).toBe(false);
  });
});
