// The HookRunner port: runs a user hook (backup, deploy, smoke, verify, cleanup, rollback) with env telling it which slot.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HookName } from '../config/types.js';
import { hookEnv, type HookEnv, type HookResult, type HookRunner } from '../ports/hooks.js';
import { parseHookOutput } from '../ports/handed-back.js';
import { runShell, type ShellLogger } from '../shared/shell.js';

export interface ShellHookRunnerOptions {
  /** bound on each hook (config.hookTimeoutMs) */
  timeoutMs: number;
  /** masked in the log and in HookResult.output */
  secrets: string[];
  logger?: ShellLogger;
  /** default 64 KiB */
  maxOutputChars?: number;
  /** after SIGTERM on timeout/cancel, how long before SIGKILL (default 3 s) */
  killGraceMs?: number;
  /** where GLIDEPATH_OUTPUT files are made (default RUNNER_TEMP, else the OS temp folder) */
  tempDir?: string;
}

/** A GLIDEPATH_OUTPUT file holds a few `name=value` lines; more than this is not read. */
const MAX_OUTPUT_FILE_BYTES = 64 * 1024;

export class ShellHookRunner implements HookRunner {
  private dir: string | undefined;
  private count = 0;

  constructor(private readonly opts: ShellHookRunnerOptions) {}

  async run(hook: HookName, command: string, env: HookEnv, signal?: AbortSignal): Promise<HookResult> {
    // a fresh, empty file per hook: what a hook hands back is what it wrote this time
    const outputFile = this.outputFile(hook);
    try {
      const r = await runShell(
        command,
        { ...hookEnv(hook, env), GLIDEPATH_OUTPUT: outputFile },
        {
          timeoutMs: this.opts.timeoutMs,
          signal,
          secrets: this.opts.secrets,
          group: `hook: ${hook}`,
          logger: this.opts.logger,
          maxOutputChars: this.opts.maxOutputChars,
          killGraceMs: this.opts.killGraceMs,
        },
      );
      const handed = r.exitCode === 0 && !r.timedOut ? parseHookOutput(readCapped(outputFile)) : {};
      return {
        hook,
        command: r.command,
        exitCode: r.exitCode,
        output: r.output,
        durationMs: r.durationMs,
        timedOut: r.timedOut,
        ...(handed.url ? { url: handed.url } : {}),
        ...(handed.problem ? { outputProblem: `${hook}-command ${handed.problem}` } : {}),
      };
    } finally {
      rmSync(outputFile, { force: true });
    }
  }

  private outputFile(hook: HookName): string {
    this.dir ??= mkdtempSync(
      join(this.opts.tempDir ?? (process.env.RUNNER_TEMP || tmpdir()), 'glidepath-output-'),
    );
    const file = join(this.dir, `${++this.count}-${hook}`);
    writeFileSync(file, '');
    return file;
  }
}

function readCapped(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    // the hook removed its own file: it handed nothing back
    return '';
  }
  try {
    const buf = Buffer.alloc(MAX_OUTPUT_FILE_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
