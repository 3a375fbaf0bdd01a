// What dist/ weighs: every file that ships (lazily loaded chunks and the licences included), the files
// an entry reads before it runs (its static imports), and the budget CI holds the bundle to.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
/** 3 MB counted strictly, in decimal bytes (3 MiB would allow 3,145,728): `.ci/run` fails at or above it. */
export const BUDGET_BYTES = 3_000_000;

export interface DistFile {
  /** path relative to dist/, with forward slashes */
  file: string;
  bytes: number;
}

/** Every file under `dir`, sorted by path. */
export function distFiles(dir = DIST): DistFile[] {
  const walk = (rel: string): DistFile[] =>
    readdirSync(path.join(dir, rel), { withFileTypes: true })
      .flatMap((d) => {
        const p = rel ? `${rel}/${d.name}` : d.name;
        return d.isDirectory() ? walk(p) : [{ file: p, bytes: statSync(path.join(dir, p)).size }];
      })
      .sort((a, b) => a.file.localeCompare(b.file));
  return walk('');
}

export const totalBytes = (files: DistFile[]) => files.reduce((s, f) => s + f.bytes, 0);

/**
 * An entry and the chunks it imports statically, transitively: what Node reads and compiles before
 * the entry's first line runs. `import("…")` (a lazy chunk) is not followed.
 */
export function startupFiles(entry: string, dir = DIST): string[] {
  const seen = new Set<string>();
  const visit = (rel: string) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const text = readFileSync(path.join(dir, rel), 'utf8');
    // esbuild's ESM output: `import{a as b}from"./chunks/x.js"` or `import"./chunks/x.js"`
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      const next = path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1]!));
      if (existsSync(path.join(dir, next))) visit(next);
    }
  };
  visit(entry);
  return [...seen].sort();
}

/** The CI check: a message when dist/ is at or over the budget, else undefined. */
export function overBudget(files: DistFile[], budget = BUDGET_BYTES): string | undefined {
  const total = totalBytes(files);
  if (total < budget) return undefined;
  const biggest = [...files]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5)
    .map((f) => `${f.file} ${f.bytes.toLocaleString('en-US')}`)
    .join(', ');
  return (
    `dist/ is ${total.toLocaleString('en-US')} bytes in ${files.length} files; the budget is under ` +
    `${budget.toLocaleString('en-US')} bytes. Biggest: ${biggest}. Load the new dependency lazily ` +
    `(import() where it is needed) or find a lighter one.`
  );
}

export function formatSizes(files: DistFile[], budget = BUDGET_BYTES): string {
  const width = Math.max(...files.map((f) => f.file.length));
  const lines = files.map(
    (f) => `  dist/${f.file.padEnd(width)}  ${f.bytes.toLocaleString('en-US').padStart(11)}`,
  );
  const total = totalBytes(files);
  lines.push(
    `  ${'total'.padEnd(width + 5)}  ${total.toLocaleString('en-US').padStart(11)} bytes in ${files.length} files ` +
      `(budget: under ${budget.toLocaleString('en-US')})`,
  );
  return lines.join('\n');
}

// `node --import tsx scripts/dist-size.ts [--check]`: prints the sizes; with --check exits 1 over budget
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = distFiles();
  console.log(formatSizes(files));
  const problem = overBudget(files);
  if (problem && process.argv.includes('--check')) {
    console.error(problem);
    process.exitCode = 1;
  }
}
