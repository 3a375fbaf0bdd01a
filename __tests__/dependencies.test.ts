// No declared dependency stays unused: each one in package.json is imported by some src/ file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** `@scope/name` or `name` of every package a text imports (static, type-only or dynamic). */
function importedPackages(text: string): string[] {
  const re = /\bfrom\s*['"]([^'"./][^'"]*)['"]|\bimport\s*\(\s*['"]([^'"./][^'"]*)['"]\s*\)/g;
  return [...text.matchAll(re)].map((m) => {
    const spec = (m[1] ?? m[2])!;
    return spec
      .split('/')
      .slice(0, spec.startsWith('@') ? 2 : 1)
      .join('/');
  });
}

describe('dependencies', () => {
  it('every package in "dependencies" is imported by src/', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const used = new Set(
      sources(join(ROOT, 'src')).flatMap((f) => importedPackages(readFileSync(f, 'utf8'))),
    );
    expect(Object.keys(pkg.dependencies).filter((d) => !used.has(d))).toEqual([]);
  });

  it('reads scoped, deep and dynamic imports', () => {
    expect(
      importedPackages(
        "import * as core from '@actions/core';\nimport type { X } from '@actions/github/lib/utils';\n" +
          "const m = await import('undici');\nimport { a } from './local.js';\nimport fs from 'node:fs';",
      ),
    ).toEqual(['@actions/core', '@actions/github', 'undici', 'node:fs']);
  });
});
