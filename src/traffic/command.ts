// The `command` traffic provider: the user's traffic-command sets weights, traffic-status-command reads them back.
import { formatDuration } from '../config/durations.js';
import type { RouterState, TrafficRouter, Weights } from '../ports/traffic.js';
import { redact } from '../shared/redact.js';
import { lastLines, runShell, type ShellLogger, type ShellResult } from '../shared/shell.js';

export interface CommandRouterOptions {
  trafficCommand: string;
  statusCommand?: string;
  /** bound on each command run (config.hookTimeoutMs) */
  timeoutMs: number;
  secrets: string[];
  logger?: ShellLogger;
}

/**
 * Thrown by read() when nothing tells us the weights: no traffic-status-command and no set() yet.
 * A class so the engine can tell "unknown" from a failing command.
 */
export class WeightsUnknownError extends Error {
  constructor() {
    super(
      'the live slot is unknown: `traffic-status-command` is not set and no weights were set by this run. ' +
        'Set `traffic-status-command` to a command that prints the current split as JSON, e.g. {"blue":100,"green":0}; ' +
        'it is required for promote, abort, rollback and status. Without it, deploy assumes blue is live and deploys to green.',
    );
    this.name = 'WeightsUnknownError';
  }
}

const QUOTE_MAX = 200;

export class CommandRouter implements TrafficRouter {
  readonly description: string;
  private lastSet: Weights | undefined;

  constructor(private readonly opts: CommandRouterOptions) {
    const shown = (c: string) => {
      const r = redact(c, opts.secrets);
      return r.length > 60 ? `${r.slice(0, 59)}…` : r;
    };
    // plain quotes: the description lands in the log and, escaped, in markdown, where backticks would show
    this.description =
      `traffic-command "${shown(opts.trafficCommand)}"` +
      (opts.statusCommand ? `, status "${shown(opts.statusCommand)}"` : ' (no traffic-status-command)');
  }

  async set(weights: Weights): Promise<RouterState> {
    checkWeights(weights);
    // One command sets both weights at once; raising before lowering is the command's own job.
    const r = await this.exec(this.opts.trafficCommand, {
      GLIDEPATH_HOOK: 'traffic',
      BLUE_WEIGHT: String(weights.blue),
      GREEN_WEIGHT: String(weights.green),
    });
    if (r.exitCode !== 0) {
      throw new Error(
        `traffic-command failed setting blue ${weights.blue}% / green ${weights.green}%: ${describeFailure(r)}`,
      );
    }
    this.lastSet = { ...weights };
    if (this.opts.statusCommand) return this.read();
    return {
      weights: { ...weights },
      detail: 'as set by traffic-command (no traffic-status-command to read it back)',
    };
  }

  async read(): Promise<RouterState> {
    const status = this.opts.statusCommand;
    if (!status) {
      if (!this.lastSet) throw new WeightsUnknownError();
      return { weights: { ...this.lastSet }, detail: 'as last set by traffic-command in this run' };
    }
    const r = await this.exec(status, { GLIDEPATH_HOOK: 'traffic-status' });
    if (r.exitCode !== 0) throw new Error(`traffic-status-command failed: ${describeFailure(r)}`);
    const weights = parseStatus(r.stdout);
    return { weights, detail: `traffic-status-command: blue ${weights.blue}, green ${weights.green}` };
  }

  private exec(command: string, env: Record<string, string>): Promise<ShellResult> {
    return runShell(command, env, {
      timeoutMs: this.opts.timeoutMs,
      secrets: this.opts.secrets,
      group: env.GLIDEPATH_HOOK === 'traffic' ? 'traffic-command' : 'traffic-status-command',
      logger: this.opts.logger,
    });
  }
}

function checkWeights(w: Weights): void {
  const ok = (n: number) => Number.isInteger(n) && n >= 0 && n <= 100;
  if (!ok(w.blue) || !ok(w.green) || w.blue + w.green !== 100) {
    throw new Error(`weights must be whole percents summing to 100, got blue ${w.blue} / green ${w.green}`);
  }
}

function describeFailure(r: ShellResult): string {
  const head = r.timedOut ? `timed out after ${formatDuration(r.durationMs)}` : `exit code ${r.exitCode}`;
  const tail = lastLines(r.output);
  return tail ? `${head}; last output:\n${tail}` : `${head}, no output`;
}

/**
 * Parses `{"blue":N,"green":M}` (percent). Scripts often log before answering, so when the whole
 * output is not JSON the last non-empty line is tried.
 */
export function parseStatus(stdout: string): Weights {
  const text = stdout.trim();
  const candidates = [text];
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1];
  if (last !== undefined && last.trim() !== text) candidates.push(last.trim());
  let parsed: unknown;
  let found = false;
  for (const c of candidates) {
    try {
      parsed = JSON.parse(c);
      found = true;
      break;
    } catch {
      // try the next candidate
    }
  }
  const quote = () => {
    const q = text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
    return q === '' ? '(empty output)' : `\`${q}\``;
  };
  const accepted = 'expected JSON like {"blue":100,"green":0} with each weight a number from 0 to 100';
  if (!found) throw new Error(`traffic-status-command did not print JSON: ${quote()}; ${accepted}`);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`traffic-status-command printed ${quote()}, not an object; ${accepted}`);
  }
  const o = parsed as Record<string, unknown>;
  const bad = (['blue', 'green'] as const).filter((k) => {
    const v = o[k];
    return typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100;
  });
  if (bad.length > 0) {
    throw new Error(
      `traffic-status-command printed ${quote()}: ${bad.map((k) => `"${k}"`).join(' and ')} missing or out of range; ${accepted}`,
    );
  }
  return { blue: o.blue as number, green: o.green as number };
}
