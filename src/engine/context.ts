// What every command's code shares: its dependencies, outcome builders, best-effort router calls and hooks.
import type { Config, HookName, Slot } from '../config/types.js';
import { otherSlot } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import { formatDuration } from '../config/durations.js';
import { ROLLBACK_HOOK_WHEN_CANCELLED_MS } from '../config/limits.js';
import type { Check, Gate } from '../ports/checks.js';
import type { Clock } from '../ports/clock.js';
import type { HookEnv, HookRunner } from '../ports/hooks.js';
import {
  slotLabel,
  type RejectionNote,
  type RouterState,
  type SlotNames,
  type TrafficRouter,
  type Weights,
} from '../ports/traffic.js';
import { slotNamesOf, type RunOutcome, type Timeline } from '../ports/timeline.js';
import { errorMessage, Fault } from './fault.js';

export interface EngineDeps {
  config: Config;
  plan: Plan;
  router: TrafficRouter;
  checks: Check[];
  hooks: HookRunner;
  clock: Clock;
  timeline: Timeline;
  /** aborted on cancellation (SIGINT/SIGTERM) */
  signal?: AbortSignal;
  runId: string;
  runUrl?: string;
  /** who started the run (GITHUB_ACTOR): named in an abort's note and a forced rollback */
  actor?: string;
  gates?: Gate[];
  /** called whenever the split changes, so the post step can restore after a crash */
  onSplit?: (s: { live: Slot; target: Slot; weights: Weights } | undefined) => void;
  /**
   * called when the run lock is taken (true, with the command that clears it by hand) and released
   * (false), so the post step can release it, or say how
   */
  onLock?: (held: boolean, clear?: string) => void;
}

/** The dependencies inside a run: its signal aborts on cancellation and on the run's timeout. */
export type Deps = EngineDeps & { signal: AbortSignal };

/** What the router calls the slots now (Lambda versions); empty for routers that do not name them. */
export function namesOf(deps: { router?: Pick<TrafficRouter, 'slotNames'> }): SlotNames {
  return deps.router?.slotNames?.() ?? {};
}

/** What running a hook takes: runs without a router (provider none, command cleanup) run hooks too. */
export type HookDeps = Pick<Deps, 'config' | 'hooks' | 'timeline' | 'clock' | 'signal'> & {
  router?: Pick<TrafficRouter, 'slotNames'>;
};

/** A slot as a person reads it: `version 7` when the router names it, else `blue` / `green`. */
export function label(deps: Pick<Deps, 'router'>, slot: Slot): string {
  return slotLabel(slot, namesOf(deps));
}

/** Puts the router's slot names on the timeline when they changed since they were last put there. */
export function noteNames(deps: Pick<Deps, 'router' | 'timeline' | 'clock'>): void {
  const names = namesOf(deps);
  const last = slotNamesOf(deps.timeline.events);
  if (JSON.stringify(names) === JSON.stringify(last)) return;
  deps.timeline.add({ at: deps.clock.now(), type: 'slot-names', names });
}

export function failed(reason: string, live?: Slot, weightOf?: Slot): RunOutcome {
  return {
    result: 'failed',
    reason,
    live,
    previous: live && otherSlot(live),
    ...(weightOf ? { weightOf } : {}),
  };
}

/** The note kept with a rejected mark: this run, now, and why in a few words. */
export function rejectionNote(deps: Deps, reason: string): RejectionNote {
  return { run: deps.runUrl ?? deps.runId, at: deps.clock.now(), reason };
}

/** Marks `slot` rejected with a note (best effort: a warning when the router refuses). */
export async function markRejected(deps: Deps, slot: Slot, reason: string): Promise<void> {
  await note(deps, `mark ${label(deps, slot)} as rejected`, () =>
    deps.router.reject?.(slot, rejectionNote(deps, reason)),
  );
}

export function warn(deps: Pick<Deps, 'timeline' | 'clock'>, message: string): void {
  deps.timeline.add({ at: deps.clock.now(), type: 'warning', message });
}

/** Why the run stopped: the cancellation or timeout when the run's signal fired, else the error itself. */
export function stopReason(deps: Pick<Deps, 'signal'>, e: unknown): string {
  return errorMessage(deps.signal.aborted ? deps.signal.reason : e);
}

/** A best-effort call on the router (marks, records): a failure is a warning, never a fault. */
export async function note(deps: Deps, what: string, call: () => Promise<void> | undefined): Promise<void> {
  try {
    await call();
  } catch (e) {
    warn(deps, `could not ${what} on ${deps.router.description}: ${errorMessage(e)}`);
  }
}

export async function recordSlots(deps: Deps, live: Slot, previous: Slot): Promise<void> {
  await note(deps, 'record the live slot', () =>
    deps.router.record?.({ live, previous, runUrl: deps.runUrl }),
  );
}

/**
 * A read retried a few times (0.5 s apart): undefined when the router stays unreadable, and then
 * `onError` hears the last error, so the caller can say why.
 */
export async function readAgain(
  deps: Deps,
  onError?: (message: string) => void,
): Promise<RouterState | undefined> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt) await deps.clock.sleep(500);
    try {
      return await deps.router.read();
    } catch (e) {
      // retried; the caller decides what an unreadable router means at this point
      last = e;
    }
  }
  onError?.(errorMessage(last));
  return undefined;
}

/** Runs a hook when configured; returns why it failed, or undefined. */
export async function runHook(deps: HookDeps, hook: HookName, env: HookEnv): Promise<string | undefined> {
  const command = deps.config.hooks[hook];
  if (!command) return undefined;
  // rollback-command runs after cancellation too (traffic is already back), but must end before
  // the runner kills us, whether the cancellation came before it started or while it runs
  const bound = hook === 'rollback' ? boundOnceCancelled(deps) : undefined;
  const signal = bound ? bound.signal : deps.signal;
  const names = namesOf(deps);
  const versions = {
    target: (env.target && names[env.target]?.id) || undefined,
    live: (env.live && names[env.live]?.id) || undefined,
    previous: (env.previous && names[env.previous]?.id) || undefined,
  };
  const withVersions = Object.values(versions).some(Boolean) ? { ...env, versions } : env;
  const result = await deps.hooks.run(hook, command, withVersions, signal).finally(() => bound?.cancel());
  deps.timeline.add({ at: deps.clock.now(), type: 'hook', hook, result });
  // the bound, not the measured time (which adds the kill's grace): `1s`, never `1s4ms`
  if (result.timedOut)
    return `timed out: still running after hook-timeout ${formatDuration(deps.config.hookTimeoutMs)}, so it was killed with its children`;
  // a hook killed because the run was cancelled did not fail on its own: say what stopped it
  if (result.exitCode !== 0 && signal.aborted) return `was stopped: ${errorMessage(signal.reason)}`;
  if (result.exitCode !== 0) return `exited with code ${result.exitCode}${killedBy(result.exitCode)}`;
  // a preview link or a probe aimed at a wrong address is worse than a failed hook
  if (result.outputProblem) return result.outputProblem;
  return undefined;
}

/** Shells report a command killed by signal n as 128+n: name the signal, on-call reads 137 as an OOM kill. */
const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  15: 'SIGTERM',
};

function killedBy(exitCode: number): string {
  const name = SIGNALS[exitCode - 128];
  if (!name) return '';
  return name === 'SIGKILL'
    ? ' (killed by SIGKILL: the out-of-memory killer, or a kill -9 outside Glidepath)'
    : ` (killed by ${name})`;
}

/**
 * rollback-command's signal: not aborted by the cancellation itself, only
 * ROLLBACK_HOOK_WHEN_CANCELLED_MS after it (the runner kills the process ~7.5 s after its first signal).
 */
function boundOnceCancelled(deps: HookDeps): { signal: AbortSignal; cancel(): void } {
  const stop = new AbortController();
  let timer: ReturnType<Clock['timer']> | undefined;
  const start = () => {
    timer = deps.clock.timer(
      ROLLBACK_HOOK_WHEN_CANCELLED_MS,
      () =>
        new Fault(
          `${errorMessage(deps.signal.reason)}, and rollback-command gets ${formatDuration(ROLLBACK_HOOK_WHEN_CANCELLED_MS)} once the run is stopped`,
        ),
    );
    timer.signal.addEventListener('abort', () => stop.abort(timer!.signal.reason), { once: true });
  };
  if (deps.signal.aborted) start();
  else deps.signal.addEventListener('abort', start, { once: true });
  return {
    signal: stop.signal,
    cancel: () => {
      deps.signal.removeEventListener('abort', start);
      timer?.cancel();
    },
  };
}
