// `npm run local -- <env file>`: runs the bundle (dist/) as a runner runs the step: inputs as INPUT_*
// variables (action.yml's defaults filled in), fresh GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY
// files, then the post step with the state main saved. Prints the outputs and the job summary.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'dist/index.js');
const POST = path.join(ROOT, 'dist/post/index.js');

/** The inputs action.yml declares, with the defaults the runner fills in (expressions left out). */
export function declaredInputs(actionYml = path.join(ROOT, 'action.yml')): Map<string, string | undefined> {
  const action = parse(readFileSync(actionYml, 'utf8')) as { inputs: Record<string, { default?: unknown }> };
  return new Map(
    Object.entries(action.inputs).map(([name, spec]) => {
      const d = spec.default === undefined ? undefined : String(spec.default);
      // `${{ github.token }}` and the like exist only on a runner
      return [name, d === undefined || d.includes('${{') ? undefined : d];
    }),
  );
}

/** The runner's name for an input's variable: upper case, spaces to `_`, hyphens kept. */
export const inputVariable = (name: string) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/**
 * The env file: `name=value` lines, `#` comments and blank lines skipped. A name is an input as in
 * action.yml (`canary-steps=5,25`), or an environment variable in upper case (`AWS_REGION=…`, or
 * `INPUT_CANARY-STEPS=…` as @github/local-action's files have it). A value in double quotes is read
 * as a JSON string, so `"a\nb"` gives a newline list.
 */
export function readEnvFile(
  text: string,
  inputs: Map<string, string | undefined>,
): { env: Record<string, string>; warnings: string[] } {
  const env: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [name, d] of inputs) if (d !== undefined) env[inputVariable(name)] = d;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`line ${i + 1}: "${line}" is not name=value`);
    const name = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        throw new Error(`line ${i + 1}: the quoted value of ${name} is not a JSON string`);
      }
    }
    if (inputs.has(name)) env[inputVariable(name)] = value;
    else if (/^[A-Z_][A-Z0-9_-]*$/.test(name)) env[name] = value;
    else {
      // the runner warns and passes it on; so do we
      warnings.push(
        `unexpected input '${name}' (line ${i + 1}); action.yml declares: ${[...inputs.keys()].join(', ')}`,
      );
      env[inputVariable(name)] = value;
    }
  });
  return { env, warnings };
}

/** The `name<<delimiter` blocks @actions/core appends to GITHUB_OUTPUT and GITHUB_STATE. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const [, name, delim] = m;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
    out[name!] = value.join('\n'); // later values win, as the runner reads them
  }
  return out;
}

export interface StepRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  outputs: Record<string, string>;
  summary: string;
}

export interface LocalRun {
  dir: string;
  main: StepRun;
  post: StepRun;
  state: Record<string, string>;
}

function runStep(script: string, env: Record<string, string>, dir: string, step: string): Promise<StepRun> {
  const files = {
    GITHUB_OUTPUT: path.join(dir, `${step}-output`),
    GITHUB_STATE: path.join(dir, `${step}-state`),
    GITHUB_STEP_SUMMARY: path.join(dir, `${step}-summary.md`),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { ...env, ...files }, stdio: 'inherit' });
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({
        code,
        signal,
        outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
        summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      }),
    );
  });
}

/** This shell's environment without what a runner sets per step, so nothing from outside leaks in. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(INPUT_|STATE_)|^GITHUB_(OUTPUT|STATE|STEP_SUMMARY|ENV|PATH)$/.test(k))
      env[k] = v;
  return env;
}

const say = (line = '') => process.stdout.write(`${line}\n`);
const banner = (title: string) => say(`\n━━ ${title} ${'━'.repeat(Math.max(3, 76 - title.length))}`);

export async function runLocal(envFile: string): Promise<LocalRun> {
  for (const f of [MAIN, POST])
    if (!existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: run npm run package first`);
  const { env: fromFile, warnings } = readEnvFile(readFileSync(envFile, 'utf8'), declaredInputs());
  for (const w of warnings) say(`warning: ${w}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-local-'));
  const env = { ...baseEnv(), RUNNER_TEMP: dir, ...fromFile };
  // Ctrl-C reaches the step too (same process group), as the runner's SIGINT on cancel; we go on
  // to the post step, as the runner does
  const ignore = () => say('\n(interrupt: the step gets it too; the post step still runs)');
  process.on('SIGINT', ignore);
  try {
    banner('main step: node dist/index.js');
    const main = await runStep(MAIN, env, dir, 'main');
    const state = parseCommandFile(readFileSync(path.join(dir, 'main-state'), 'utf8'));
    banner('post step: node dist/post/index.js (post-if: always())');
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    const post = await runStep(POST, { ...env, ...stateEnv }, dir, 'post');
    return { dir, main, post, state };
  } finally {
    process.off('SIGINT', ignore);
  }
}

function exitText(s: StepRun): string {
  return s.signal ? `killed by ${s.signal}` : `exit ${s.code}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file || process.argv.length > 3) {
    console.error('usage: npm run local -- <env file>   (name=value lines; see examples/local/)');
    process.exit(2);
  }
  try {
    const run = await runLocal(file);
    banner('outputs');
    for (const [k, v] of Object.entries(run.main.outputs)) say(`${k}=${v.replace(/\n/g, '\n  ')}`);
    banner('job summary');
    say(run.main.summary.trimEnd() || '(empty)');
    if (run.post.summary.trim()) say(`\n${run.post.summary.trimEnd()}`);
    banner(`main ${exitText(run.main)} · post ${exitText(run.post)}`);
    say(`files (outputs, state, summaries, JSON report) kept in ${run.dir}`);
    process.exitCode = run.main.code === 0 && run.post.code === 0 ? 0 : 1;
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
  }
}
