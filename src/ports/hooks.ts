// The HookRunner port: user commands (backup, deploy, smoke, verify, cleanup, rollback) run for the engine.
import type { HookName, Slot } from '../config/types.js';

export interface HookResult {
  hook: HookName | 'check' | 'traffic';
  command: string;
  exitCode: number;
  /** combined stdout+stderr, truncated, with secrets masked */
  output: string;
  durationMs: number;
  timedOut: boolean;
  /** the last `url=` the hook wrote to GLIDEPATH_OUTPUT, when it is an absolute http(s) URL */
  url?: string;
  /** why what the hook wrote to GLIDEPATH_OUTPUT cannot be used (a `url=` that is not a URL) */
  outputProblem?: string;
}

export interface HookEnv {
  /** the slot being deployed to; none with provider none (the platform replaces the version itself) */
  target?: Slot;
  /** the slot serving (most of) the traffic when the hook runs: the new one once it is promoted */
  live?: Slot;
  /** the target's percent when the hook runs */
  weight?: number;
  /** after a promotion: the slot that was live before it (what cleanup-command cleans) */
  previous?: Slot;
  /** what the slots hold, when the router names them (Lambda version numbers) */
  versions?: { target?: string; live?: string; previous?: string };
}

export interface HookRunner {
  run(hook: HookName, command: string, env: HookEnv, signal?: AbortSignal): Promise<HookResult>;
}

/** What every user command learns about the deployment, as environment variables only. */
export function hookEnv(hook: HookName | 'check' | 'traffic', env: HookEnv): Record<string, string> {
  return {
    GLIDEPATH_HOOK: hook,
    ...(env.target ? { GLIDEPATH_TARGET_SLOT: env.target } : {}),
    ...(env.live ? { GLIDEPATH_LIVE_SLOT: env.live } : {}),
    ...(env.weight !== undefined ? { GLIDEPATH_WEIGHT: String(env.weight) } : {}),
    ...(env.previous ? { GLIDEPATH_PREVIOUS_SLOT: env.previous } : {}),
    ...(env.versions?.target ? { GLIDEPATH_TARGET_VERSION: env.versions.target } : {}),
    ...(env.versions?.live ? { GLIDEPATH_LIVE_VERSION: env.versions.live } : {}),
    ...(env.versions?.previous ? { GLIDEPATH_PREVIOUS_VERSION: env.versions.previous } : {}),
  };
}
