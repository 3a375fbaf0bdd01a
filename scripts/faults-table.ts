// The README's "When things go wrong" table, generated from the fault suite's rows
// (__tests__/faults/rows/<area>.ts): `npm run faults:table` rewrites the section, and
// __tests__/faults/table.test.ts fails when the README and the rows disagree.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FaultRow } from '../__tests__/faults/rows/types.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROWS_DIR = path.join(ROOT, '__tests__/faults/rows');
export const README = path.join(ROOT, 'README.md');
export const HEADING = '## When things go wrong';
/** the README heading the section goes before when the README has none yet */
const BEFORE = '## AWS: ALB and CloudWatch';

export interface RowsFile {
  /** `haproxy.ts`: the file under __tests__/faults/rows/ */
  file: string;
  rows: FaultRow[];
}

/** Every rows file but types.ts, in file-name order, each with its rows in the order written. */
export async function loadRows(dir = ROWS_DIR): Promise<RowsFile[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'types.ts')
    .sort();
  const out: RowsFile[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { rows?: unknown };
    if (!Array.isArray(mod.rows))
      throw new Error(`${file} exports no rows array (export const rows: FaultRow[])`);
    out.push({ file, rows: mod.rows as FaultRow[] });
  }
  return out;
}

/** A table cell: one line, pipes escaped (backticks and links are kept as written). */
function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
}

/** The test's title as the link's title (shown on hover): quoted, one line, `"` and `|` escaped. */
function linkTitle(name: string): string {
  return `"${cell(name).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The section, from its heading to the line before the next `## ` heading. */
export function renderSection(files: RowsFile[]): string {
  const rows = files.flatMap((f) => f.rows);
  const lines = [
    HEADING,
    '',
    'Every row is a fault the test suite injects (`__tests__/faults/`, real HAProxy and loopback servers',
    'where they apply): what Glidepath does about it, where traffic ends up, and the test that proves it',
    '(its title shows on hover). Generated from `__tests__/faults/rows/` by `npm run faults:table`; a test',
    'fails when this table and the suite disagree.',
    `${rows.length} faults:`,
    '',
    '| Fault | What Glidepath does | End state | Proved by |',
    '|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${cell(r.fault)} | ${cell(r.does)} | ${cell(r.endState)} | [${cell(path.basename(r.test.file))}](${r.test.file} ${linkTitle(r.test.name)}) |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** The README with its section replaced by `section` (inserted before the AWS section when absent). */
export function withSection(readme: string, section: string): string {
  const start = readme.indexOf(`\n${HEADING}\n`);
  if (start >= 0) {
    const after = readme.indexOf('\n## ', start + 1);
    const end = after >= 0 ? after + 1 : readme.length;
    return `${readme.slice(0, start + 1)}${section}${after >= 0 ? '\n' : ''}${readme.slice(end)}`;
  }
  const at = readme.indexOf(`\n${BEFORE}\n`);
  if (at < 0) throw new Error(`README has neither "${HEADING}" nor "${BEFORE}" to put the table before`);
  return `${readme.slice(0, at + 1)}${section}\n${readme.slice(at + 1)}`;
}

/** The section as the README has it now, undefined when it has none. */
export function currentSection(readme: string): string | undefined {
  const start = readme.indexOf(`\n${HEADING}\n`);
  if (start < 0) return undefined;
  const after = readme.indexOf('\n## ', start + 1);
  const body = readme.slice(start + 1, after >= 0 ? after + 1 : readme.length);
  // the generator leaves one blank line before the next heading
  return after >= 0 ? body.replace(/\n$/, '') : body;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const section = renderSection(await loadRows());
  const before = readFileSync(README, 'utf8');
  const after = withSection(before, section);
  if (after === before) console.log('README "When things go wrong" is up to date');
  else {
    writeFileSync(README, after);
    console.log(
      `README "When things go wrong" rewritten (${section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Fault')).length} rows)`,
    );
  }
}
