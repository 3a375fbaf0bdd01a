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

/** A read retried a few times (0.5 s apart): undefined when the router stays unreadable. */
export async function readAgain(deps: Deps): Promise<RouterState | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt) await deps.clock.sleep(500);
    try {
      return await deps.router.read();
    } catch {
      // retried; the caller decides what an unreadable router means at this point
    }
  }
  return undefined;
}

/** Runs a hook when configured; returns why it failed, or undefined. */
export async function runHook(deps: HookDeps, hook: HookName, env: HookEnv): Promise<string | undefined> {
  const command = deps.config.hooks[hook];
  if (!command) return undefined;
  // rollback-command runs after cancellation too, but must end before the runner kills us
  const bound =
    hook === 'rollback' && deps.signal.aborted
      ? deps.clock.timer(ROLLBACK_HOOK_WHEN_CANCELLED_MS, () => new Fault('the run was cancelled'))
      : undefined;
  const signal = hook !== 'rollback' ? deps.signal : bound?.signal;
  const names = namesOf(deps);
  const versions = {
    target: (env.target && names[env.target]?.id) || undefined,
    live: (env.live && names[env.live]?.id) || undefined,
    previous: (env.previous && names[env.previous]?.id) || undefined,
  };
  const withVersions = Object.values(versions).some(Boolean) ? { ...env, versions } : env;
  const result = await deps.hooks.run(hook, command, withVersions, signal).finally(() => bound?.cancel());
  deps.timeline.add({ at: deps.clock.now(), type: 'hook', hook, result });
  if (result.timedOut) return `timed out after ${formatDuration(result.durationMs)} (hook-timeout)`;
  if (result.exitCode !== 0) return `exited with code ${result.exitCode}`;
  // a preview link or a probe aimed at a wrong address is worse than a failed hook
  if (result.outputProblem) return result.outputProblem;
  return undefined;
}
