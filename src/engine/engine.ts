// Executes a command (deploy, promote, abort, rollback, status) against the ports; owns time and rollback.
import type { Config, HookName, Slot } from '../config/types.js';
import { otherSlot } from '../config/types.js';
import type { Phase, Plan } from '../plan/types.js';
import { promotePlan } from '../plan/build.js';
import { formatDuration } from '../config/durations.js';
import type { Check, Clock, HookRunner, RouterState, TrafficRouter, Weights } from './ports.js';
import type { Result, Timeline } from './timeline.js';
import { describeWeights, readSlots, sameWeights, weightsFor } from './slots.js';
import { holdStep } from './hold.js';
import { restoreLive } from './restore.js';
import { errorMessage, Fault } from './fault.js';

/** A check that must pass once before any traffic moves (pre-traffic probes, target health). */
export interface Gate {
  name: string;
  /** undefined when the gate passes, else the reason nothing may move */
  run(ctx: { target: Slot; live: Slot; signal: AbortSignal }): Promise<string | undefined>;
}

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
  gates?: Gate[];
  /** called whenever the split changes, so the post step can restore after a crash */
  onSplit?: (s: { live: Slot; target: Slot; weights: Weights } | undefined) => void;
}

export interface RunOutcome {
  result: Result;
  live?: Slot;
  previous?: Slot;
  weight?: number;
  reason?: string;
}

const LOCK_MARGIN_MS = 10 * 60_000;

export async function runEngine(deps: EngineDeps): Promise<RunOutcome> {
  const { config, clock, timeline } = deps;
  const run = new AbortController();
  const onCancel = () => run.abort(new Fault(cancelReason(deps.signal)));
  if (deps.signal?.aborted) onCancel();
  deps.signal?.addEventListener('abort', onCancel, { once: true });
  const deadline = setTimeout(
    () =>
      run.abort(new Fault(`the run hit its timeout of ${formatDuration(config.timeoutMs)} (input timeout)`)),
    // setTimeout clamps delays above 2^31-1 ms (~24.8 days) to 1 ms
    Math.min(config.timeoutMs, 2 ** 31 - 1),
  );
  deadline.unref?.();
  try {
    const outcome = await dispatch({ ...deps, signal: run.signal });
    timeline.add({ at: clock.now(), type: 'run-end', ...outcome });
    return outcome;
  } finally {
    clearTimeout(deadline);
    deps.signal?.removeEventListener('abort', onCancel);
    await Promise.allSettled(deps.checks.map((c) => c.close?.()));
  }
}

function cancelReason(signal?: AbortSignal): string {
  const r: unknown = signal?.reason;
  if (r instanceof Error) return r.message;
  if (typeof r === 'string') return r;
  return 'the run was cancelled';
}

type Deps = EngineDeps & { signal: AbortSignal };

async function dispatch(deps: Deps): Promise<RunOutcome> {
  const { config, router, timeline, clock } = deps;
  let state: RouterState;
  try {
    state = await router.read();
  } catch (e) {
    return failed(`could not read the current weights from ${router.description}: ${errorMessage(e)}`);
  }
  const reading = readSlots(state, config.holdAt);
  const start = {
    at: clock.now(),
    type: 'run-start' as const,
    command: config.command,
    strategy: deps.plan.strategy,
    router: router.description,
    before: state.weights,
  };
  if (reading.kind === 'invalid') {
    timeline.add(start);
    return failed(reading.message);
  }
  timeline.add({
    ...start,
    live: reading.live,
    target: reading.kind === 'split' ? reading.target : otherSlot(reading.live),
  });

  switch (config.command) {
    case 'status':
      return {
        result: 'unchanged',
        live: reading.live,
        previous: otherSlot(reading.live),
        weight: reading.kind === 'split' ? state.weights[reading.target] : 100,
        reason:
          reading.kind === 'split' ? `a deploy is in progress: ${describeWeights(state.weights)}` : undefined,
      };
    case 'deploy':
      if (reading.kind === 'split') {
        return failed(
          `a deploy is already in progress (${describeWeights(state.weights)}): run command promote to finish it or abort to go back to ${reading.live}`,
        );
      }
      return withLock(deps, () =>
        shiftThrough(deps, deps.plan, reading.live, otherSlot(reading.live), state.weights),
      );
    case 'promote': {
      if (reading.kind !== 'split') {
        return {
          result: 'unchanged',
          live: reading.live,
          previous: otherSlot(reading.live),
          weight: 100,
          reason: `nothing to promote: ${reading.live} already has 100%`,
        };
      }
      const rest = promotePlan(config, state.weights[reading.target]);
      return withLock(deps, () => shiftThrough(deps, rest, reading.live, reading.target, state.weights));
    }
    case 'abort': {
      if (reading.kind !== 'split') {
        return {
          result: 'unchanged',
          live: reading.live,
          previous: otherSlot(reading.live),
          weight: 0,
          reason: `nothing to abort: ${reading.live} already has 100%`,
        };
      }
      return withLock(deps, async () => {
        const restored = await restoreLive(deps, reading.live, state.weights);
        if (!restored.ok) return failed(restored.message, reading.live);
        await runHook(deps, 'rollback', reading.target, reading.live, 0);
        await rejectSlot(deps, reading.target);
        return {
          result: 'aborted',
          live: reading.live,
          previous: reading.target,
          weight: 0,
          reason: `aborted on request: ${reading.live} back to 100%`,
        };
      });
    }
    case 'rollback': {
      if (reading.kind === 'split') {
        return failed(
          `traffic is split (${describeWeights(state.weights)}): use command abort to return to ${reading.live}`,
        );
      }
      const back = otherSlot(reading.live);
      return withLock(deps, () => switchBack(deps, state, reading.live, back));
    }
    case 'plan':
      return { result: 'planned' };
  }
}

function failed(reason: string, live?: Slot): RunOutcome {
  return { result: 'failed', reason, live, previous: live && otherSlot(live) };
}

async function withLock(deps: Deps, body: () => Promise<RunOutcome>): Promise<RunOutcome> {
  const { router } = deps;
  if (router.lock) {
    try {
      await router.lock(deps.runId, deps.config.timeoutMs + LOCK_MARGIN_MS);
    } catch (e) {
      return failed(`could not take the lock on ${router.description}: ${errorMessage(e)}`);
    }
  }
  try {
    return await body();
  } finally {
    if (router.unlock) {
      try {
        await router.unlock(deps.runId);
      } catch (e) {
        deps.timeline.add({
          at: deps.clock.now(),
          type: 'warning',
          message: `could not release the lock: ${errorMessage(e)}`,
        });
      }
    }
  }
}

/** Runs the phases of a plan: hooks, gates, then each shift with its hold. */
async function shiftThrough(
  deps: Deps,
  plan: Plan,
  live: Slot,
  target: Slot,
  before: Weights,
): Promise<RunOutcome> {
  const { router, timeline, clock } = deps;
  let applied = before;
  let weight = before[target];
  let held = false;
  deps.timeline.add({ at: clock.now(), type: 'plan', plan });

  /**
   * Puts the live slot back. A verdict against the new version ends `rolled-back`; a fault (API
   * error, drift, cancellation, timeout) ends `failed` even once traffic is restored: the deploy
   * did not get an answer, and fail-on-rollback must not turn that green.
   */
  const bail = async (reason: string, cause: 'verdict' | 'fault' = 'verdict'): Promise<RunOutcome> => {
    if (weight === 0) return failed(reason, live);
    const restored = await restoreLive(deps, live, applied);
    deps.onSplit?.(undefined);
    if (!restored.ok)
      return { result: 'failed', live, previous: target, weight, reason: `${reason}; ${restored.message}` };
    timeline.add({ at: clock.now(), type: 'rollback', reason, restored: restored.state });
    await runHook(deps, 'rollback', target, live, 0);
    if (cause === 'verdict') await rejectSlot(deps, target);
    if (cause === 'fault') {
      return {
        result: 'failed',
        live,
        previous: target,
        weight: 0,
        reason: `${reason}; traffic restored to ${live}`,
      };
    }
    return { result: 'rolled-back', live, previous: target, weight: 0, reason };
  };

  // Gates (pre-traffic probes, target health) run once, before the first shift, whatever the plan shows.
  let gatesPassed = false;
  let prepared = false;
  const passGates = async (): Promise<string | undefined> => {
    for (const gate of deps.gates ?? []) {
      const why = await gate.run({ target, live, signal: deps.signal });
      if (why) return `pre-traffic check ${gate.name} failed on ${target}: ${why}; no traffic was moved`;
    }
    gatesPassed = true;
    return undefined;
  };

  try {
    for (const phase of plan.phases) {
      deps.signal.throwIfAborted();
      timeline.add({
        at: clock.now(),
        type: 'phase',
        name: phaseName(phase),
        detail: phaseDetail(phase, target),
      });
      switch (phase.kind) {
        case 'backup':
        case 'deploy': {
          const r = await runHook(deps, phase.kind, target, live, weight);
          if (r) return failed(`${phase.kind}-command ${r}; no traffic was moved`, live);
          break;
        }
        case 'pre-traffic': {
          const why = await passGates();
          if (why) return failed(why, live);
          if (phase.smoke) {
            const r = await runHook(deps, 'smoke', target, live, weight);
            if (r) return failed(`smoke-command ${r}; no traffic was moved`, live);
          }
          break;
        }
        case 'shift': {
          if (!gatesPassed) {
            const why = await passGates();
            if (why) return weight === 0 ? failed(why, live) : await bail(why);
          }
          // Someone else (another pipeline, IaC re-applying) may have moved the weights since we last wrote them.
          const now = await router.read();
          if (!sameWeights(now.weights, applied)) {
            const expected = applied;
            timeline.add({ at: clock.now(), type: 'drift', expected, found: now.weights });
            applied = now.weights;
            return await bail(
              `weights changed outside this run: expected ${describeWeights(expected)} but found ${describeWeights(now.weights)}`,
              'fault',
            );
          }
          if (!prepared) {
            // a slot drained after an earlier rollback takes no traffic whatever its weight
            await router.prepare?.(target);
            prepared = true;
          }
          const requested = weightsFor(target, phase.weight);
          deps.onSplit?.({ live, target, weights: requested });
          const state = await router.set(requested);
          applied = state.weights;
          weight = state.weights[target];
          timeline.add({ at: clock.now(), type: 'weights', step: phase.step, requested, applied: state });
          if (!sameWeights(state.weights, requested)) {
            return await bail(
              `the router reports ${describeWeights(state.weights)} after setting ${describeWeights(requested)}`,
              'fault',
            );
          }
          if (phase.weight >= 100 && deps.config.hooks.verify) {
            timeline.add({ at: clock.now(), type: 'phase', name: 'verify', detail: `${target} at 100%` });
            const r = await runHook(deps, 'verify', target, live, weight);
            if (r) return await bail(`verify-command ${r}`);
          }
          const verdict = await holdStep(deps, phase, target, live);
          if (verdict) return await bail(verdict);
          if (plan.holdAt !== undefined && phase.weight === plan.holdAt) held = true;
          break;
        }
        case 'keep-previous':
          await clock.sleep(phase.holdMs, deps.signal);
          break;
        case 'cleanup': {
          const r = await runHook(deps, 'cleanup', target, live, weight);
          if (r)
            timeline.add({
              at: clock.now(),
              type: 'warning',
              message: `cleanup-command ${r} (the deploy itself is promoted)`,
            });
          break;
        }
      }
    }
  } catch (e) {
    return bail(
      `${deps.signal.aborted ? '' : 'fault: '}${errorMessage(deps.signal.aborted ? deps.signal.reason : e)}`,
      'fault',
    );
  }

  if (held) {
    return {
      result: 'held',
      live,
      previous: target,
      weight,
      reason: `held at ${weight}% on ${target} (hold-at)`,
    };
  }
  if (weight < 100) {
    // a plan always ends at 100 unless held; anything else is a planner bug: never leave traffic split
    return bail(`the plan ended at ${weight}% without hold-at`, 'fault');
  }
  deps.onSplit?.(undefined);
  await recordSlots(deps, target, live);
  return { result: 'promoted', live: target, previous: live, weight: 100 };
}

/** Manual rollback: the previous slot is probed (gates) and takes 100% in one switch. */
async function switchBack(deps: Deps, state: RouterState, live: Slot, back: Slot): Promise<RunOutcome> {
  const { timeline, clock } = deps;
  const before = state.weights;
  // never send all traffic to the version a deploy just rolled back, or to a server that takes none
  if (state.ineligible?.includes(back)) {
    return failed(
      `nothing was moved: ${back} cannot take traffic (${state.detail ?? 'drained, in maintenance or down'}); after an automatic rollback or an abort Glidepath drains the rejected slot: deploy a fixed version instead`,
      live,
    );
  }
  const rejected = await deps.router.rejected?.();
  if (rejected === back) {
    return failed(
      `nothing was moved: ${back} holds the version the last deploy rolled back or aborted; ${live} is already serving the previous version: deploy a fixed version instead`,
      live,
    );
  }
  for (const gate of deps.gates ?? []) {
    const why = await gate.run({ target: back, live, signal: deps.signal });
    if (why)
      return failed(
        `pre-traffic check ${gate.name} failed on ${back}: ${why}; traffic stays on ${live}`,
        live,
      );
  }
  const restored = await restoreLive(deps, back, before);
  if (!restored.ok) return failed(restored.message, live);
  const reason = `rolled back on request: ${back} has 100% again, ${live} kept as previous`;
  timeline.add({ at: clock.now(), type: 'rollback', reason, restored: restored.state });
  await runHook(deps, 'rollback', live, back, 0);
  await recordSlots(deps, back, live);
  return { result: 'rolled-back', live: back, previous: live, weight: 0, reason };
}

async function rejectSlot(deps: Deps, slot: Slot): Promise<void> {
  if (!deps.router.reject) return;
  try {
    await deps.router.reject(slot);
  } catch (e) {
    deps.timeline.add({
      at: deps.clock.now(),
      type: 'warning',
      message: `could not mark ${slot} as rejected (a manual rollback could send traffic to it): ${errorMessage(e)}`,
    });
  }
}

async function recordSlots(deps: Deps, live: Slot, previous: Slot): Promise<void> {
  if (!deps.router.record) return;
  try {
    await deps.router.record({ live, previous, runUrl: deps.runUrl });
  } catch (e) {
    deps.timeline.add({
      at: deps.clock.now(),
      type: 'warning',
      message: `could not record the live slot on the load balancer: ${errorMessage(e)}`,
    });
  }
}

/** Runs a hook when configured; returns why it failed, or undefined. */
async function runHook(
  deps: Deps,
  hook: HookName,
  target: Slot,
  live: Slot,
  weight: number,
): Promise<string | undefined> {
  const command = deps.config.hooks[hook];
  if (!command) return undefined;
  const result = await deps.hooks.run(
    hook,
    command,
    { target, live, weight },
    hook === 'rollback' ? undefined : deps.signal,
  );
  deps.timeline.add({ at: deps.clock.now(), type: 'hook', hook, result });
  if (result.timedOut) return `timed out after ${formatDuration(result.durationMs)} (hook-timeout)`;
  if (result.exitCode !== 0) return `exited with code ${result.exitCode}`;
  return undefined;
}

function phaseName(p: Phase): string {
  switch (p.kind) {
    case 'shift':
      return `step ${p.step}/${p.of}`;
    default:
      return p.kind;
  }
}

function phaseDetail(p: Phase, target: Slot): string | undefined {
  if (p.kind === 'shift') return `${target} → ${p.weight}% for ${formatDuration(p.holdMs)}`;
  if (p.kind === 'keep-previous') return `keeping the previous slot for ${formatDuration(p.holdMs)}`;
  return undefined;
}
