// The HookRunner port: runs a user hook (backup, deploy, smoke, verify, cleanup, rollback) with env telling it which slot.
import type { HookName } from '../config/types.js';
import { hookEnv, type HookEnv, type HookResult, type HookRunner } from '../ports/hooks.js';
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
}

export class ShellHookRunner implements HookRunner {
  constructor(private readonly opts: ShellHookRunnerOptions) {}

  async run(hook: HookName, command: string, env: HookEnv, signal?: AbortSignal): Promise<HookResult> {
    const r = await runShell(command, hookEnv(hook, env), {
      timeoutMs: this.opts.timeoutMs,
      signal,
      secrets: this.opts.secrets,
      group: `hook: ${hook}`,
      logger: this.opts.logger,
      maxOutputChars: this.opts.maxOutputChars,
      killGraceMs: this.opts.killGraceMs,
    });
    return {
      hook,
      command: r.command,
      exitCode: r.exitCode,
      output: r.output,
      durationMs: r.durationMs,
      timedOut: r.timedOut,
    };
  }
}
