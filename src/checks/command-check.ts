// The `check-command` check: the user's own command, run at every evaluation; a non-zero exit is a failing signal.
import type { Check, CheckContext } from '../ports/checks.js';
import type { Signal } from '../judge/types.js';
import { hookEnv } from '../ports/hooks.js';
import { runShell, type ShellLogger } from '../shared/shell.js';

export interface CommandCheckOptions {
  command: string;
  /**
   * Bound on one run. Keep it under the engine's own bound on a check (probe-timeout + 5 s in
   * engine/hold.ts): past that the engine stops waiting, and only this timeout kills the command.
   */
  timeoutMs: number;
  secrets: string[];
  logger?: ShellLogger;
}

/** The signal carries only the end of the output: it runs every few seconds and lands in the timeline each time. */
const SIGNAL_OUTPUT_CHARS = 2048;

export class CommandCheck implements Check {
  readonly name = 'check-command';

  constructor(private readonly opts: CommandCheckOptions) {}

  async collect(ctx: CheckContext): Promise<Signal[]> {
    const r = await runShell(
      this.opts.command,
      {
        ...hookEnv('check', ctx),
        // lets a counter-based check judge exactly the window since the previous evaluation
        GLIDEPATH_WINDOW_START: new Date(ctx.windowStart).toISOString(),
      },
      {
        timeoutMs: this.opts.timeoutMs,
        signal: ctx.signal,
        secrets: this.opts.secrets,
        group: 'check-command',
        logger: this.opts.logger,
        maxOutputChars: SIGNAL_OUTPUT_CHARS,
      },
    );
    return [{ kind: 'command', at: ctx.now, command: r.command, exitCode: r.exitCode, output: r.output }];
  }
}
