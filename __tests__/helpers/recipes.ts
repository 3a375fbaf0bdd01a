// The recipes in examples/ as tests run them: a workflow's Glidepath step with its inputs as written,
// `${{ }}` expressions filled in as the runner would, and stand-ins on PATH for the commands it calls.
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface RecipeStep {
  uses?: string;
  id?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
export interface RecipeJob {
  env?: Record<string, unknown>;
  environment?: unknown;
  needs?: string | string[];
  steps: RecipeStep[];
}
export interface Recipe {
  name: string;
  on: unknown;
  permissions?: unknown;
  concurrency?: unknown;
  env?: Record<string, unknown>;
  jobs: Record<string, RecipeJob>;
}

export const EXAMPLES = new URL('../../examples/', import.meta.url);

export function loadRecipe(file: string): Recipe {
  return parse(readFileSync(new URL(file, EXAMPLES), 'utf8')) as Recipe;
}

/** Every `${{ … }}` replaced from `values` (keyed by the trimmed expression); an unknown one throws. */
export function fillExpressions(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, expr: string) => {
    const v = values[expr];
    if (v === undefined) throw new Error(`the test does not know the expression \${{ ${expr} }}`);
    return v;
  });
}

export interface StepRun {
  /** the step's `with:` as the runner passes it: strings, expressions filled in */
  inputs: Record<string, string>;
  /** workflow, job and step `env:`, expressions filled in */
  env: Record<string, string>;
}

/**
 * The Glidepath step of `job` (the only one, or the one with `id`), ready to run: `overrides` replace
 * inputs the test must point elsewhere (loopback addresses, seconds for minutes) and are returned
 * separately so a test can show exactly what it changed.
 */
export function glidepathStep(
  recipe: Recipe,
  job: string,
  values: Record<string, string>,
  overrides: Record<string, string> = {},
  id?: string,
): StepRun & { overridden: string[] } {
  const j = recipe.jobs[job];
  if (!j) throw new Error(`no job ${job}`);
  const steps = j.steps.filter((s) => s.uses?.startsWith('glidepath/glidepath@') && (!id || s.id === id));
  if (steps.length !== 1)
    throw new Error(`job ${job} has ${steps.length} Glidepath steps${id ? ` with id ${id}` : ''}`);
  const step = steps[0]!;
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.with ?? {})) inputs[k] = fillExpressions(String(v), values);
  for (const k of Object.keys(overrides))
    if (!(k in inputs)) throw new Error(`override of ${k}, which the recipe does not set`);
  const env: Record<string, string> = {};
  for (const scope of [recipe.env, j.env, step.env])
    for (const [k, v] of Object.entries(scope ?? {})) env[k] = fillExpressions(String(v), values);
  return { inputs: { ...inputs, ...overrides }, env, overridden: Object.keys(overrides) };
}

export interface StandIns {
  dir: string;
  /** every call, in order: the command's name and its arguments */
  calls(): { cmd: string; args: string[] }[];
  /** what `name` does when called: a bash snippet run with the call's arguments ("$@") */
  respond(name: string, script: string): void;
}

/**
 * Stand-ins for external commands (docker, aws, pg_dump, railway) on a PATH the test puts first: each
 * records its arguments and runs its responder, if the test gave one. Recording is bash alone (no
 * process started), so a hook's time under a fast clock is the hook's own: each call appends one line,
 * the name and every argument as `<byte length>:<bytes>`, which any argument survives (newlines too).
 */
export function standIns(dir: string, names: string[]): StandIns {
  mkdirSync(path.join(dir, 'respond'), { recursive: true });
  const log = path.join(dir, 'calls.log');
  writeFileSync(log, '');
  for (const name of names) {
    const file = path.join(dir, name);
    writeFileSync(
      file,
      [
        '#!/usr/bin/env bash',
        `__record() { local LC_ALL=C a line; for a in ${JSON.stringify(name)} "$@"; do line+="\${#a}:$a"; done; printf '%s\\n' "$line" >> ${JSON.stringify(log)}; }`,
        '__record "$@"',
        `responder=${JSON.stringify(path.join(dir, 'respond', name))}`,
        'if [ -f "$responder" ]; then source "$responder"; fi',
        '',
      ].join('\n'),
    );
    chmodSync(file, 0o755);
  }
  return {
    dir,
    calls: () => parseCalls(readFileSync(log)),
    respond: (name, script) => writeFileSync(path.join(dir, 'respond', name), script),
  };
}

/** The stand-ins' log: per line, `<byte length>:<bytes>` for the name, then each argument. */
export function parseCalls(buf: Buffer): { cmd: string; args: string[] }[] {
  const calls: { cmd: string; args: string[] }[] = [];
  let fields: string[] = [];
  let i = 0;
  while (i < buf.length) {
    if (buf[i] === 0x0a) {
      calls.push({ cmd: fields[0]!, args: fields.slice(1) });
      fields = [];
      i++;
      continue;
    }
    const colon = buf.indexOf(0x3a, i);
    const len = Number(buf.subarray(i, colon).toString('latin1'));
    if (colon < 0 || !Number.isInteger(len)) throw new Error(`unreadable stand-in log at byte ${i}`);
    fields.push(buf.subarray(colon + 1, colon + 1 + len).toString('utf8'));
    i = colon + 1 + len;
  }
  return calls;
}

export const pathWith = (dir: string): string => `${dir}${path.delimiter}${process.env.PATH ?? ''}`;

export const exists = (p: string): boolean => existsSync(p);
