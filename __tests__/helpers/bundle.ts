// Runs the committed bundle as the runner does: INPUT_* env, GITHUB_OUTPUT/STATE/STEP_SUMMARY files, a node binary.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// the runner's command files are read as `npm run local` reads them
import { parseCommandFile } from '../../scripts/local.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = path.join(root, 'dist/index.js');
export const POST = path.join(root, 'dist/post/index.js');
/** CI sets this to Node 24's binary so the bundle is proven on the runner's Node too */
export const NODE = process.env.GLIDEPATH_TEST_NODE || process.execPath;

export interface BundleRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  dir: string;
}

export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
}

export class BundleProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<BundleRun>;

  constructor(
    script: string,
    inputs: Record<string, string>,
    opts: { dir?: string; env?: Record<string, string> } = {},
  ) {
    const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'glidepath-run-'));
    const files = {
      GITHUB_OUTPUT: path.join(dir, 'output'),
      GITHUB_STATE: path.join(dir, 'state'),
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    };
    for (const f of Object.values(files)) if (!existsSync(f)) writeFileSync(f, '');
    this.child = spawn(NODE, [script], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        RUNNER_TEMP: dir,
        ...files,
        ...inputEnv(inputs),
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) =>
        resolve({
          code,
          signal,
          stdout: this.stdout,
          stderr: this.stderr,
          outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
          state: parseCommandFile(readFileSync(files.GITHUB_STATE, 'utf8')),
          summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
          dir,
        }),
      );
    });
  }

  /** resolves when stdout has printed a line matching `re` (bounded) */
  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<void> {
    const start = Date.now();
    while (!re.test(this.stdout)) {
      if (this.child.exitCode !== null)
        throw new Error(`the action exited before printing ${re}:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() - start > timeoutMs)
        throw new Error(`no line matching ${re} within ${timeoutMs}ms:\n${this.stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export function runBundle(
  inputs: Record<string, string>,
  opts: { dir?: string; env?: Record<string, string> } = {},
): Promise<BundleRun> {
  return new BundleProcess(MAIN, inputs, opts).done;
}

/** The post step as the runner runs it: same inputs, and the saved state as STATE_* env. */
export function runPost(
  inputs: Record<string, string>,
  state: Record<string, string>,
  dir: string,
  extraEnv: Record<string, string> = {},
): Promise<BundleRun> {
  const env = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
  return new BundleProcess(POST, inputs, { dir, env: { ...extraEnv, ...env } }).done;
}
