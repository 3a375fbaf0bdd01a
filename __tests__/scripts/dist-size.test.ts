// The bundle budget: what counts (every file under dist/), where it stops (3,000,000 bytes), and what a start reads.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUDGET_BYTES, distFiles, overBudget, startupFiles, totalBytes } from '../../scripts/dist-size.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-dist-size-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string) {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

describe('dist size', () => {
  it('the budget is 3 MB in decimal bytes, and reaching it fails', () => {
    expect(BUDGET_BYTES).toBe(3_000_000);
    const files = (n: number) => [{ file: 'index.js', bytes: n }];
    expect(overBudget(files(2_999_999))).toBeUndefined();
    expect(overBudget(files(3_000_000))).toMatch(
      /dist\/ is 3,000,000 bytes in 1 files; the budget is under 3,000,000/,
    );
  });

  it('counts every file, in every folder, and follows only static imports for a start', () => {
    write('index.js', 'import{a}from"./chunks/shared-A.js";import("./chunks/lazy-B.js");');
    write('post/index.js', 'import"../chunks/shared-A.js";');
    write('chunks/shared-A.js', 'import{b}from"./leaf-C.js";export const a=1;');
    write('chunks/leaf-C.js', 'export const b=2;');
    write('chunks/lazy-B.js', 'export default 3;');
    write('licenses.txt', 'MIT');
    const files = distFiles(dir);
    expect(files.map((f) => f.file)).toEqual([
      'chunks/lazy-B.js',
      'chunks/leaf-C.js',
      'chunks/shared-A.js',
      'index.js',
      'licenses.txt',
      'post/index.js',
    ]);
    expect(totalBytes(files)).toBe(files.reduce((s, f) => s + f.bytes, 0));
    expect(startupFiles('index.js', dir)).toEqual(['chunks/leaf-C.js', 'chunks/shared-A.js', 'index.js']);
    expect(startupFiles('post/index.js', dir)).toEqual([
      'chunks/leaf-C.js',
      'chunks/shared-A.js',
      'post/index.js',
    ]);
  });

  it('the committed dist/ is under budget, and a start reads only a small part of it', () => {
    const files = distFiles();
    expect(overBudget(files)).toBeUndefined();
    const bytes = new Map(files.map((f) => [f.file, f.bytes]));
    for (const entry of ['index.js', 'post/index.js']) {
      const start = startupFiles(entry);
      // the AWS SDK (~400 KB) or undici (~500 KB) on this path would undo the lazy loading
      const read = start.reduce((s, f) => s + bytes.get(f)!, 0);
      expect(read, `${entry} reads ${start.join(', ')}`).toBeLessThan(200_000);
      expect(
        start.some((f) => /(^|\/)(execute|alb|cloudwatch|target-health)-/.test(f)),
        entry,
      ).toBe(false);
    }
  });
});
