// Runs one user command through the user's shell, bounded in time, its output streamed to the log and kept (tail, redacted).
//
// Why node:child_process and not @actions/exec: a timed-out or cancelled command must die with
// everything it started (`deploy.sh` → `docker compose up` → ...). That needs the child in its
// own process group (`detached: true`, i.e. setsid) and a signal sent to the whole group
// (`process.kill(-pid)`). @actions/exec 3.0.0 (lib/toolrunner.js) can do neither: it spawns with
// cwd, env and Windows quoting only (no `detached`), keeps the ChildProcess to itself and resolves
// with the exit code alone; it has no timeout (its `delay` only bounds the wait for stdio after the
// exit, and then resolves without killing anything); it drops the signal of a killed process
// (exit code null, not 128+n); it leaves stdin an open pipe, so a command reading stdin waits forever.
import { formatDuration } from '../config/durations.js';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import * as core from '@actions/core';
import { redact } from './redact.js';

/** Where streamed output goes; @actions/core by default, a collector in tests. */
export interface ShellLogger {
  startGroup(name: string): void;
  endGroup(): void;
  info(line: string): void;
}

export const coreLogger: ShellLogger = {
  startGroup: (name) => core.startGroup(name),
  endGroup: () => core.endGroup(),
  info: (line) => core.info(line),
};

export interface ShellOptions {
  timeoutMs: number;
  /** cancels like a timeout: the whole process group is killed */
  signal?: AbortSignal;
  /** values masked with `***` in the streamed log, the captured output and the command text */
  secrets: string[];
  /** log group title, e.g. `hook: deploy`; without it lines are streamed ungrouped */
  group?: string;
  logger?: ShellLogger;
  /** how much of the combined output is kept, from the end (default 64 KiB of text) */
  maxOutputChars?: number;
  /** after SIGTERM, how long the group gets before SIGKILL (default 3 s) */
  killGraceMs?: number;
  /** after the shell exits, how long to wait for output still in the pipes (default 500 ms) */
  drainMs?: number;
  /** stream output to the logger (default true) */
  stream?: boolean;
}

export interface ShellResult {
  /** the command with secrets masked */
  command: string;
  /** 124 on timeout, 130 on cancellation, 128+n when killed by signal n */
  exitCode: number;
  /** combined stdout+stderr tail, secrets masked */
  output: string;
  /** stdout alone (tail, secrets masked): what a status command prints */
  stdout: string;
  durationMs: number;
  timedOut: boolean;
  cancelled: boolean;
}

export const TIMEOUT_EXIT_CODE = 124;
export const CANCELLED_EXIT_CODE = 130;
const DEFAULT_MAX_OUTPUT = 64 * 1024;

/**
 * The shell GitHub's `shell: bash` uses when bash exists (fail on the first error and inside
 * pipes), else POSIX sh with -e, else cmd.exe on Windows without bash.
 */
export function shellFor(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): { file: string; args: string[] } {
  const bash = findOnPath('bash', env);
  if (bash) return { file: bash, args: ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', command] };
  if (process.platform === 'win32')
    return { file: env.ComSpec ?? 'cmd.exe', args: ['/d', '/s', '/c', command] };
  return { file: findOnPath('sh', env) ?? '/bin/sh', args: ['-e', '-c', command] };
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean);
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of dirs) {
    for (const n of names) {
      const p = join(dir, n);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/**
 * What the runner gives JavaScript actions but not `run:` steps: the runtime token (cache and
 * artifact APIs) and its service URLs. The OIDC request variables stay: a `run:` step has them when
 * the job allows id-token: write, and deploy hooks use them.
 */
const RUNTIME_ONLY = new Set([
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RUNTIME_URL',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
]);

/**
 * The environment a user command sees: ours, minus this action's own `INPUT_*` variables (they
 * hold the github-token and webhook URL) and the runtime-only tokens, as a `run:` step would see it;
 * plus `extra`.
 */
export function commandEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    const name = k.toUpperCase();
    if (v !== undefined && !name.startsWith('INPUT_') && !RUNTIME_ONLY.has(name)) env[k] = v;
  }
  return { ...env, ...extra };
}

/** Keeps the last `max` characters of a growing text, masking secrets even when one straddles the cut. */
class TailBuffer {
  private text = '';
  private dropped = 0;
  constructor(
    private readonly max: number,
    private readonly margin: number,
  ) {}

  push(chunk: string): void {
    this.text += chunk;
    // Keep `margin` extra raw characters so a secret cut at the start is still whole for redaction.
    const keep = this.max + this.margin;
    if (this.text.length > keep * 2) this.trim(keep);
  }

  private trim(keep: number): void {
    if (this.text.length <= keep) return;
    this.dropped += this.text.length - keep;
    this.text = this.text.slice(-keep);
  }

  result(secrets: string[]): string {
    this.trim(this.max + this.margin);
    const total = this.dropped + this.text.length;
    if (total <= this.max) return redact(this.text, secrets);
    // Redact first, then drop the margin: any fragment of a secret left at the raw start lies in it.
    const cut = Math.min(this.margin, this.text.length);
    let kept = redact(this.text, secrets).slice(cut);
    if (kept.length > this.max) kept = kept.slice(-this.max);
    const omitted = total - kept.length;
    return `[glidepath: ${omitted} earlier characters of output omitted]\n${kept}`;
  }
}

/** Streams complete lines to the logger, masked; a secret split across chunks stays whole. */
class LineStreamer {
  private pending = '';
  constructor(
    private readonly log: (line: string) => void,
    private readonly secrets: string[],
    private readonly margin: number,
  ) {}

  push(chunk: string): void {
    this.pending += chunk;
    const nl = this.pending.lastIndexOf('\n');
    if (nl >= 0) {
      const lines = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      for (const line of lines.split('\n')) this.log(redact(line.replace(/\r$/, ''), this.secrets));
    }
    // A line with no end in sight: flush all but a margin so memory stays bounded.
    if (this.pending.length > 16 * 1024 + this.margin) {
      const head = this.pending.slice(0, this.pending.length - this.margin);
      this.pending = this.pending.slice(head.length);
      this.log(redact(head, this.secrets));
    }
  }

  flush(): void {
    if (this.pending) this.log(redact(this.pending, this.secrets));
    this.pending = '';
  }
}

/**
 * Run `command` with `env` added to the environment. Values reach the command only as environment
 * variables, never spliced into the command text. Never throws for a failing command: the exit
 * code says it. Rejects only when the shell cannot be started at all.
 */
export async function runShell(
  command: string,
  env: Record<string, string>,
  opts: ShellOptions,
): Promise<ShellResult> {
  const started = Date.now();
  const secrets = opts.secrets.filter((s) => s.length > 0);
  const shownCommand = redact(command, secrets);
  if (opts.signal?.aborted) return cancelledBeforeStart(shownCommand);

  const logger = opts.logger ?? coreLogger;
  const streaming = opts.stream ?? true;
  const grouped = Boolean(opts.group) && streaming;
  const capture = new OutputCapture(
    secrets,
    opts.maxOutputChars ?? DEFAULT_MAX_OUTPUT,
    streaming ? (line) => logger.info(line) : undefined,
  );
  const fullEnv = commandEnv(env);
  const { file, args } = shellFor(command, fullEnv);

  const child = spawnInOwnGroup(file, args, fullEnv);
  if (grouped) logger.startGroup(opts.group!);
  let end: ChildEnd;
  try {
    end = await superviseChild(child, opts, capture);
  } catch (err) {
    if (grouped) logger.endGroup();
    throw new Error(
      `could not start ${file} to run the command \`${shownCommand}\`: ${(err as Error).message}`,
    );
  }
  capture.flush();
  const durationMs = Date.now() - started;
  const { exitCode, note } = exitOf(end, opts.timeoutMs);
  if (note && streaming) logger.info(note);
  if (grouped) logger.endGroup();
  return {
    command: shownCommand,
    exitCode,
    output: capture.output(note),
    stdout: capture.stdout(),
    durationMs,
    timedOut: end.timedOut,
    cancelled: end.cancelled && !end.timedOut,
  };
}

function cancelledBeforeStart(shownCommand: string): ShellResult {
  return {
    command: shownCommand,
    exitCode: CANCELLED_EXIT_CODE,
    output: '[glidepath: cancelled before start]',
    stdout: '',
    durationMs: 0,
    timedOut: false,
    cancelled: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Output capture: what the command printed, kept (tail, masked) and streamed to the log as lines.

class OutputCapture {
  private readonly combined: TailBuffer;
  private readonly stdoutOnly: TailBuffer;
  private readonly outLines: LineStreamer | undefined;
  private readonly errLines: LineStreamer | undefined;

  /** `log` receives masked lines as they come; without it nothing is streamed */
  constructor(
    private readonly secrets: string[],
    maxOutput: number,
    log: ((line: string) => void) | undefined,
  ) {
    const margin = secretMargin(secrets);
    this.combined = new TailBuffer(maxOutput, margin);
    this.stdoutOnly = new TailBuffer(maxOutput, margin);
    this.outLines = log && new LineStreamer(log, secrets, margin);
    this.errLines = log && new LineStreamer(log, secrets, margin);
  }

  readonly onStdout = (s: string): void => {
    this.combined.push(s);
    this.stdoutOnly.push(s);
    this.outLines?.push(s);
  };

  readonly onStderr = (s: string): void => {
    this.combined.push(s);
    this.errLines?.push(s);
  };

  /** streams what is left of unfinished lines */
  flush(): void {
    this.outLines?.flush();
    this.errLines?.flush();
  }

  /** the combined tail, masked, with `note` (why the command ended early) on a line of its own */
  output(note: string): string {
    const output = this.combined.result(this.secrets);
    if (!note) return output;
    return output && !output.endsWith('\n') ? `${output}\n${note}` : `${output}${note}`;
  }

  stdout(): string {
    return this.stdoutOnly.result(this.secrets);
  }
}

// ---------------------------------------------------------------------------------------------
// Process handling: the shell in its own process group, killed with everything it started when
// time runs out or the run is cancelled.

type ShellChild = ChildProcessByStdio<null, Readable, Readable>;

interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
}

function spawnInOwnGroup(file: string, args: string[], env: NodeJS.ProcessEnv): ShellChild {
  return spawn(file, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group on POSIX, so the whole tree can be signalled (see header).
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
}

/**
 * Feeds the child's output to `capture` until the shell exited and its pipes closed (or `drainMs`
 * after the exit); kills the group on timeout or abort. Rejects when the shell could not start.
 */
function superviseChild(child: ShellChild, opts: ShellOptions, capture: OutputCapture): Promise<ChildEnd> {
  return new Promise<ChildEnd>((resolve, reject) => {
    let timedOut = false;
    let cancelled = false;
    let done = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', capture.onStdout);
    child.stderr.on('data', capture.onStderr);

    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child, opts.killGraceMs ?? 3000);
    }, opts.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killTree(child, opts.killGraceMs ?? 3000);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const stopWatching = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };

    const finish = () => {
      if (done || !exit) return;
      done = true;
      stopWatching();
      clearTimeout(drainTimer);
      detachPipes(child, capture);
      resolve({ ...exit, timedOut, cancelled });
    };
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // The shell is done: what it left running in the background (a server it started) is not ours to kill.
      stopWatching();
      // Usually 'close' follows at once; give output still in the pipes a moment, then stop waiting.
      drainTimer = setTimeout(finish, opts.drainMs ?? 500);
    });
    child.on('close', () => finish());
    child.on('error', (err) => {
      if (done) return;
      done = true;
      stopWatching();
      reject(err);
    });
  });
}

/**
 * A background process the command started (`server &`) may still hold the pipes: stop listening
 * but keep draining, unref'd, so it can go on writing without EPIPE and never holds us open.
 */
function detachPipes(child: ShellChild, capture: OutputCapture): void {
  child.stdout.off('data', capture.onStdout);
  child.stderr.off('data', capture.onStderr);
  for (const s of [child.stdout, child.stderr]) {
    s.on('data', () => {});
    s.on('error', () => {});
    (s as unknown as { unref?: () => void }).unref?.();
  }
  child.unref();
}

function killTree(child: ShellChild, graceMs: number): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === 'win32') {
    // No process groups on Windows: taskkill walks the tree.
    spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on(
      'error',
      () => {},
    );
    return;
  }
  signalGroup(pid, 'SIGTERM');
  // Whatever ignored SIGTERM gets SIGKILL; unref'd so it never holds the process open.
  setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs).unref();
}

/** The exit code a caller sees, and the note that says why the command ended early. */
function exitOf(end: ChildEnd, timeoutMs: number): { exitCode: number; note: string } {
  if (end.timedOut)
    return {
      exitCode: TIMEOUT_EXIT_CODE,
      note: `[glidepath: timed out after ${formatDuration(timeoutMs)}; the command and its children were killed]`,
    };
  if (end.cancelled)
    return {
      exitCode: CANCELLED_EXIT_CODE,
      note: '[glidepath: cancelled; the command and its children were killed]',
    };
  if (end.code !== null) return { exitCode: end.code, note: '' };
  return {
    exitCode: 128 + signalNumber(end.signal),
    note: `[glidepath: the command was killed by ${end.signal ?? 'a signal'}]`,
  };
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // ESRCH: the group is already gone
  }
}

function signalNumber(sig: NodeJS.Signals | null): number {
  return (sig && osConstants.signals[sig]) ?? 0;
}

/** Longest form a secret can take in output once redact() looks for its encoded spellings too. */
function secretMargin(secrets: string[]): number {
  let m = 0;
  for (const s of secrets) {
    let encoded = s.length;
    try {
      encoded = encodeURIComponent(s).length;
    } catch {
      // lone surrogate: only the raw form can appear
    }
    m = Math.max(m, s.length, encoded, JSON.stringify(s).length);
  }
  return m;
}

/** The last `n` non-empty lines of an output, for an error message. */
export function lastLines(output: string, n = 10, maxChars = 1000): string {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  let text = lines.slice(-n).join('\n');
  if (text.length > maxChars) text = `…${text.slice(-maxChars)}`;
  return text;
}
