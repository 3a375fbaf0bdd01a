// The arrows of the house (README, "Development"): reads every src/ file's imports and fails on a forbidden one.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

interface Edge {
  /** src-relative path of the importing file, e.g. `traffic/haproxy.ts` */
  from: string;
  /** src-relative path of the imported file (`.ts`), or the package / node module name */
  to: string;
  local: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** Every `import ... from`, `export ... from` and `import(...)` specifier of a file. */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const from = relative(SRC, file);
    return specifiers(readFileSync(file, 'utf8')).map((spec): Edge => {
      if (!spec.startsWith('.')) return { from, to: spec, local: false };
      const to = normalize(join(dirname(from), spec)).replace(/\.js$/, '.ts');
      return { from, to, local: true };
    });
  });
}

const folder = (path: string): string => (path.includes('/') ? path.split('/')[0]! : '(root)');
const ADAPTERS = ['traffic', 'checks', 'hooks'];
const PURE = ['config', 'plan', 'judge'];
/** What an adapter may read of config: its types, the text form of durations, the shared limits. */
const CONFIG_PUBLIC = ['config/types.ts', 'config/durations.ts', 'config/limits.ts'];
/** I/O: any node built-in but these pure ones, HTTP clients, the AWS SDK, the Actions toolkit. */
const PURE_NODE = new Set(['node:util', 'node:assert']);
const isIo = (e: Edge) =>
  !e.local &&
  ((e.to.startsWith('node:') && !PURE_NODE.has(e.to)) ||
    /^(undici|@aws-sdk\/|@smithy\/|@actions\/|@octokit\/)/.test(e.to));

/**
 * The steps at src/'s root, each with the one file allowed to import it: the bundle's starters
 * (index.ts, post-index.ts) and main.ts, which loads execute.ts only for runs that move traffic.
 */
const STEPS: Record<string, string> = {
  'main.ts': 'index.ts',
  'post.ts': 'post-index.ts',
  'execute.ts': 'main.ts',
};

type Rule = [why: string, broken: (e: Edge) => boolean];

const RULES: Rule[] = [
  [
    'judge/ reads only judge/, config/ and plan/',
    (e) => folder(e.from) === 'judge' && e.local && !['judge', 'config', 'plan'].includes(folder(e.to)),
  ],
  [
    'adapters (traffic/, checks/, hooks/) never import the engine',
    (e) => ADAPTERS.includes(folder(e.from)) && e.local && folder(e.to) === 'engine',
  ],
  [
    'adapters never import report/',
    (e) => ADAPTERS.includes(folder(e.from)) && e.local && folder(e.to) === 'report',
  ],
  [
    'config/ never needs the planner',
    (e) => folder(e.from) === 'config' && e.local && folder(e.to) === 'plan',
  ],
  [
    'adapters read config/ only through its types, durations and limits',
    (e) =>
      ADAPTERS.includes(folder(e.from)) &&
      e.local &&
      folder(e.to) === 'config' &&
      !CONFIG_PUBLIC.includes(e.to),
  ],
  [
    'config/, plan/ and judge/ do no I/O (only config/read-inputs.ts reads the inputs)',
    (e) => PURE.includes(folder(e.from)) && e.from !== 'config/read-inputs.ts' && isIo(e),
  ],
  [
    'report/ reads the timeline, not the engine',
    (e) => folder(e.from) === 'report' && e.local && folder(e.to) === 'engine',
  ],
  [
    'the engine talks to ports, never to adapters or the report',
    (e) => folder(e.from) === 'engine' && e.local && [...ADAPTERS, 'report'].includes(folder(e.to)),
  ],
  [
    'ports/ sit at the bottom: they import only config/, judge/ and plan/ types and each other',
    (e) =>
      folder(e.from) === 'ports' &&
      (isIo(e) || (e.local && !['ports', 'config', 'judge', 'plan'].includes(folder(e.to)))),
  ],
  [
    'shared/ is below the adapters: it imports only ports/, config/ and itself',
    (e) => folder(e.from) === 'shared' && e.local && !['shared', 'ports', 'config'].includes(folder(e.to)),
  ],
  [
    'only the steps use run-state.ts (GitHub state for the post step), and only their starters import them',
    (e) =>
      e.local &&
      (e.to === 'run-state.ts'
        ? !Object.keys(STEPS).includes(e.from)
        : e.to in STEPS && STEPS[e.to] !== e.from),
  ],
];

describe('architecture: imports point down', () => {
  const all = edges();

  it('finds the imports it checks (the scan itself works)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all).toContainEqual({ from: 'engine/engine.ts', to: 'ports/traffic.ts', local: true });
    expect(all.some((e) => e.from === 'config/read-inputs.ts' && e.to === '@actions/core')).toBe(true);
  });

  it.each(RULES.map(([why, broken]) => ({ why, broken })))('$why', ({ broken }) => {
    const offending = all.filter(broken).map((e) => `${e.from} → ${e.to}`);
    expect(offending).toEqual([]);
  });

  it('every rule catches the arrow it forbids', () => {
    const samples: Edge[] = [
      { from: 'judge/x.ts', to: 'report/summary.ts', local: true },
      { from: 'checks/x.ts', to: 'engine/engine.ts', local: true },
      { from: 'traffic/x.ts', to: 'report/markdown.ts', local: true },
      { from: 'config/x.ts', to: 'plan/build.ts', local: true },
      { from: 'hooks/x.ts', to: 'config/parse.ts', local: true },
      { from: 'plan/x.ts', to: 'node:fs', local: false },
      { from: 'report/x.ts', to: 'engine/engine.ts', local: true },
      { from: 'engine/x.ts', to: 'traffic/haproxy.ts', local: true },
      { from: 'ports/x.ts', to: 'engine/engine.ts', local: true },
      { from: 'shared/x.ts', to: 'report/summary.ts', local: true },
      { from: 'engine/x.ts', to: 'run-state.ts', local: true },
    ];
    RULES.forEach(([why, broken], i) => expect(broken(samples[i]!), why).toBe(true));
  });

  it('reads every form of import', () => {
    const text = [
      "import type { A } from '../ports/traffic.js';",
      "import * as core from '@actions/core';",
      "export { x } from './x.js';",
      "const m = await import('@aws-sdk/client-lambda');",
      "import './side-effect.js';",
    ].join('\n');
    expect(specifiers(text)).toEqual([
      '../ports/traffic.js',
      '@actions/core',
      './x.js',
      '@aws-sdk/client-lambda',
      './side-effect.js',
    ]);
  });
});
