// Executes a command (deploy, promote, abort, rollback, status) against the ports; owns time and rollback.
import type { Config, HookName, Slot } from '../config/types.js';
import { otherSlot } from '../config/types.js';
import type { Phase, Plan } from '../plan/types.js';
import { promotePlan } from '../plan/build.js';
import { formatDuration } from '../config/durations.js';
import { ROLLBACK_HOOK_WHEN_CANCELLED_MS } from '../config/limits.js';
import type { Check, Gate } from '../ports/checks.js';
import type { Clock } from '../ports/clock.js';
import type { HookEnv, HookRunner } from '../ports/hooks.js';
import type { RouterState, TrafficRouter, Weights } from '../ports/traffic.js';
import type { RunOutcome, Timeline } from '../ports/timeline.js';
import { describeWeights, readSlots, sameWeights, weightsFor, type SlotReading } from './slots.js';
import { holdStep } from './hold.js';
import { restoreLive } from './restore.js';
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
  gates?: Gate[];
  /** called whenever the split changes, so the post step can restore after a crash */
  onSplit?: (s: { live: Slot; target: Slot; weights: Weights } | undefined) => void;
  /** called when the run lock is taken (true) and released (false), so the post step can release it */
  onLock?: (held: boolean) => void;
}

const LOCK_MARGIN_MS = 10 * 60_000;

export async function runEngine(deps: EngineDeps): Promise<RunOutcome> {
  const { config, clock, timeline } = deps;
  const run = new AbortController();
  const onCancel = () => run.abort(new Fault(cancelReason(deps.signal)));
  if (deps.signal?.aborted) onCancel();
  deps.signal?.addEventListener('abort', onCancel, { once: true });
  const deadline = clock.timer(
    config.timeoutMs,
    () => new Fault(`the run hit its timeout of ${formatDuration(config.timeoutMs)} (input timeout)`),
  );
  deadline.signal.addEventListener('abort', () => run.abort(deadline.signal.reason), { once: true });
  try {
    const d = { ...deps, signal: run.signal };
    const outcome = config.command === 'status' ? await status(d) : await withLock(d, () => act(d));
    timeline.add({ at: clock.now(), type: 'run-end', ...outcome });
    return outcome;
  } finally {
    deadline.cancel();
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

/** promote/abort with nothing in progress: `weight` is the new slot's, as the output reports it */
function unchanged(live: Slot, weight: number, what: string): RunOutcome {
  return {
    result: 'unchanged',
    live,
    previous: otherSlot(live),
    weight,
    reason: `${what}: ${live} already has 100%`,
  };
}

function failed(reason: string, live?: Slot): RunOutcome {
  return { result: 'failed', reason, live, previous: live && otherSlot(live) };
}

function warn(deps: Deps, message: string): void {
  deps.timeline.add({ at: deps.clock.now(), type: 'warning', message });
}

/** The weights and what they say about the slots; undefined with a failed outcome when unreadable. */
async function look(
  deps: Deps,
): Promise<{ state: RouterState; reading: SlotReading; marked?: Slot } | RunOutcome> {
  const { router, config } = deps;
  let state: RouterState;
  try {
    state = await router.read();
  } catch (e) {
    return failed(`could not read the current weights from ${router.description}: ${errorMessage(e)}`);
  }
  let marked: Slot | undefined;
  if (router.markedTarget) {
    try {
      marked = await router.markedTarget();
    } catch (e) {
      warn(deps, `could not read which slot the deploy in progress targets: ${errorMessage(e)}`);
    }
  }
  return { state, reading: readSlots(state, { holdAt: config.holdAt, marked }), marked };
}

function startEvent(deps: Deps, state: RouterState, reading: SlotReading): void {
  const slots =
    reading.kind === 'at-rest'
      ? { live: reading.live, target: otherSlot(reading.live) }
      : reading.kind === 'split'
        ? { live: reading.live, target: reading.target }
        : {};
  deps.timeline.add({
    at: deps.clock.now(),
    type: 'run-start',
    command: deps.config.command,
    strategy: deps.plan.strategy,
    router: deps.router.description,
    before: state.weights,
    ...slots,
  });
}

async function status(deps: Deps): Promise<RunOutcome> {
  const seen = await look(deps);
  if ('result' in seen) return seen;
  const { state, reading } = seen;
  startEvent(deps, state, reading);
  const w = describeWeights(state.weights);
  switch (reading.kind) {
    case 'invalid':
      return failed(reading.message);
    case 'ambiguous':
      // no live-slot output: which side is the old version is exactly what is not known
      return { result: 'unchanged', reason: reading.message };
    case 'split':
      return {
        result: 'unchanged',
        live: reading.live,
        previous: reading.target,
        weight: state.weights[reading.target],
        reason: `a deploy to ${reading.target} is in progress: ${w}`,
      };
    case 'at-rest':
      return {
        result: 'unchanged',
        live: reading.live,
        previous: otherSlot(reading.live),
        weight: 100,
        reason: reading.liveDown
          ? `${reading.live} has all the traffic but cannot serve it: ${reading.liveDown}`
          : seen.marked === otherSlot(reading.live)
            ? undoneMessage(seen.marked, reading.live)
            : undefined,
      };
  }
}

/** A deploy left held (the router still names its target) whose traffic someone else took back. */
function undoneMessage(target: Slot, live: Slot): string {
  return `the deploy held on ${target} was undone outside Glidepath: ${live} has 100% again (IaC re-applied, a reload, or a hand edit); deploy again to continue`;
}

async function act(deps: Deps): Promise<RunOutcome> {
  const { config } = deps;
  const seen = await look(deps);
  if ('result' in seen) return seen;
  const { state, reading } = seen;
  startEvent(deps, state, reading);
  if (reading.kind === 'invalid' || reading.kind === 'ambiguous') return failed(reading.message);
  const w = describeWeights(state.weights);

  switch (config.command) {
    case 'deploy':
      if (reading.kind === 'split') {
        return failed(
          `a deploy to ${reading.target} is already in progress (${w}): run command promote to finish it or abort to go back to ${reading.live}`,
          reading.live,
        );
      }
      if (reading.liveDown) warn(deps, `the live slot ${reading.live} cannot serve: ${reading.liveDown}`);
      return shiftThrough(deps, deps.plan, reading.live, otherSlot(reading.live), state.weights, true);
    case 'promote':
      if (reading.kind !== 'split' && seen.marked === otherSlot(reading.live)) {
        await note(deps, 'forget the target', () => deps.router.markTarget?.(undefined));
        return failed(undoneMessage(seen.marked, reading.live), reading.live);
      }
      if (reading.kind !== 'split') return unchanged(reading.live, 100, 'nothing to promote');
      return shiftThrough(
        deps,
        promotePlan(config, state.weights[reading.target]),
        reading.live,
        reading.target,
        state.weights,
        false,
      );
    case 'abort': {
      if (reading.kind !== 'split') {
        if (seen.marked) await note(deps, 'forget the target', () => deps.router.markTarget?.(undefined));
        return unchanged(reading.live, 0, 'nothing to abort');
      }
      const { live, target } = reading;
      const reason = `aborted on request: ${live} back to 100%`;
      const back = await putBack(deps, { live, target, lastKnown: state.weights, reason, reject: true });
      return back.ok
        ? { result: 'aborted', live, previous: target, weight: 0, reason: back.reason }
        : back.outcome;
    }
    case 'rollback':
      if (reading.kind === 'split') {
        return failed(
          `traffic is split (${w}): use command abort to return to ${reading.live}`,
          reading.live,
        );
      }
      return switchBack(deps, state, reading.live, otherSlot(reading.live));
    case 'status':
    case 'plan':
      return { result: config.command === 'plan' ? 'planned' : 'unchanged' };
  }
}

async function withLock(deps: Deps, body: () => Promise<RunOutcome>): Promise<RunOutcome> {
  const { router } = deps;
  const release = async () => {
    try {
      await router.unlock?.(deps.runId);
      if (router.unlock) deps.onLock?.(false);
    } catch (e) {
      warn(deps, `could not release the lock: ${errorMessage(e)}`);
    }
  };
  if (router.lock) {
    try {
      // taken before the weights are read, so no other run can move them between our read and our write
      // the rollback hook may run after the deadline: the lock outlives both
      await router.lock(deps.runId, deps.config.timeoutMs + deps.config.hookTimeoutMs + LOCK_MARGIN_MS);
      deps.onLock?.(true);
    } catch (e) {
      await release(); // the tag may have been written before the read-back failed; unlock only removes ours
      return failed(`could not take the lock on ${router.description}: ${errorMessage(e)}`);
    }
  }
  try {
    return await body();
  } finally {
    await release();
  }
}

/**
 * Puts all traffic back on `live`, then runs rollback-command, and marks the rejected slot so a
 * later manual rollback never goes there. One path for automatic rollback, faults and abort.
 */
async function putBack(
  deps: Deps,
  o: { live: Slot; target: Slot; lastKnown: Weights; reason: string; reject: boolean },
): Promise<{ ok: true; reason: string } | { ok: false; outcome: RunOutcome }> {
  const fail = (weight: number, reason: string) => ({
    ok: false as const,
    outcome: { result: 'failed' as const, live: o.live, previous: o.target, weight, reason },
  });
  const restored = await restoreLive(deps, o.live, o.lastKnown);
  // the split state stays saved: the post step tries again
  if (!restored.ok) return fail(o.lastKnown[o.target], `${o.reason}; ${restored.message}`);
  deps.onSplit?.(undefined);
  deps.timeline.add({ at: deps.clock.now(), type: 'rollback', reason: o.reason, restored: restored.state });
  let reason = o.reason;
  if (restored.state.ineligible?.includes(o.live)) {
    reason += `; ${o.live} has the traffic back but the load balancer says it cannot serve (${restored.state.detail ?? 'drained, in maintenance or down'})`;
  }
  const hook = await runHook(deps, 'rollback', { target: o.target, live: o.live, weight: 0 });
  if (o.reject) await note(deps, 'reject', () => deps.router.reject?.(o.target));
  await note(deps, 'forget the target', () => deps.router.markTarget?.(undefined));
  if (hook) return fail(0, `${reason}; but rollback-command ${hook}`);
  return { ok: true, reason };
}

/**
 * A deploy or promote. Whenever it ends neither promoted nor held, the target slot holds a version
 * that did not make it (judged bad, or never verified because of a fault, a failed hook or gate):
 * it is marked rejected so a manual rollback never switches all traffic to it. Before the deploy
 * hook ran, the target still holds the previous version, a legitimate rollback target.
 */
async function shiftThrough(
  deps: Deps,
  plan: Plan,
  live: Slot,
  target: Slot,
  before: Weights,
  fresh: boolean,
): Promise<RunOutcome> {
  const progress = { replaced: !fresh || !deps.config.hooks.deploy };
  const out = await runPhases(deps, plan, live, target, before, fresh, progress);
  if (out.result !== 'promoted' && out.result !== 'held' && progress.replaced) {
    await note(deps, `mark ${target} as rejected`, () => deps.router.reject?.(target));
  }
  return out;
}

async function runPhases(
  deps: Deps,
  plan: Plan,
  live: Slot,
  target: Slot,
  before: Weights,
  fresh: boolean,
  progress: { replaced: boolean },
): Promise<RunOutcome> {
  const { router, timeline, clock } = deps;
  let applied = before;
  let weight = before[target];
  let moved = weight > 0;
  let gatesPassed = !fresh; // a promote continues traffic the gates already let through
  timeline.add({ at: clock.now(), type: 'plan', plan });

  /**
   * A verdict against the new version ends `rolled-back`; a fault (API error, drift, cancellation,
   * timeout) ends `failed` even once traffic is restored: the deploy got no answer, and
   * fail-on-rollback must not turn that green.
   */
  const bail = async (reason: string, cause: 'verdict' | 'fault'): Promise<RunOutcome> => {
    if (!moved) return failed(`${reason}; no traffic was moved`, live);
    const back = await putBack(deps, { live, target, lastKnown: applied, reason, reject: false });
    if (!back.ok) return back.outcome;
    if (cause === 'fault') {
      return {
        result: 'failed',
        live,
        previous: target,
        weight: 0,
        reason: `${back.reason}; traffic restored to ${live}`,
      };
    }
    return { result: 'rolled-back', live, previous: target, weight: 0, reason: back.reason };
  };

  const passGates = async (): Promise<string | undefined> => {
    for (const gate of deps.gates ?? []) {
      const why = await gate.run({ target, live, signal: deps.signal });
      if (why) return `pre-traffic check ${gate.name} failed on ${target}: ${why}`;
    }
    gatesPassed = true;
    return undefined;
  };

  const shifts = plan.phases.filter((p) => p.kind === 'shift');
  const promotionStep = plan.holdAt === undefined ? shifts.at(-1) : undefined;
  let promoted = false;

  try {
    for (const phase of plan.phases) {
      if (promoted) break; // keep-previous and cleanup run below, outside the rollback path
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
          if (phase.kind === 'deploy') progress.replaced = true;
          const r = await runHook(deps, phase.kind, { target, live, weight });
          if (r) return failed(`${phase.kind}-command ${r}; no traffic was moved`, live);
          break;
        }
        case 'pre-traffic': {
          const why = await passGates();
          if (why) return failed(`${why}; no traffic was moved`, live);
          if (phase.smoke) {
            const r = await runHook(deps, 'smoke', { target, live, weight });
            if (r) return failed(`smoke-command ${r}; no traffic was moved`, live);
          }
          break;
        }
        case 'shift': {
          if (!gatesPassed) {
            const why = await passGates();
            if (why) return failed(`${why}; no traffic was moved`, live);
          }
          if (fresh && !moved) {
            // a slot drained after an earlier rollback takes no traffic whatever its weight
            await router.prepare?.(target);
            // not best effort: a stale note from an earlier run would name the wrong new slot to
            // a later promote or abort; nothing has moved yet, so failing here is free
            await router.markTarget?.(target);
          }
          const requested = weightsFor(target, phase.weight);
          deps.onSplit?.({ live, target, weights: requested });
          moved = true; // from here a partial write may have happened: every exit restores
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
            const r = await runHook(deps, 'verify', { target, live: target, weight, previous: live });
            if (r) return await bail(`verify-command ${r}`, 'verdict');
          }
          const verdict = await holdStep(deps, phase, target, live);
          if (verdict) return await bail(verdict.reason, verdict.cause);
          // Someone else (another pipeline, IaC re-applying) may have moved the weights during the hold.
          const now = await readAgain(deps);
          if (!now && phase === promotionStep) {
            // verified at 100%: one unreadable answer is no reason to undo it
            warn(deps, `could not read the weights back after the last step; ${target} was verified at 100%`);
            promoted = true;
            break;
          }
          if (!now)
            throw new Error(`could not read the weights from ${router.description} after step ${phase.step}`);
          if (!sameWeights(now.weights, applied)) {
            const expected = applied;
            timeline.add({ at: clock.now(), type: 'drift', expected, found: now.weights });
            applied = now.weights;
            return await bail(
              `weights changed outside this run: expected ${describeWeights(expected)} but found ${describeWeights(now.weights)}`,
              'fault',
            );
          }
          if (phase === promotionStep) promoted = true;
          break;
        }
        case 'keep-previous':
        case 'cleanup':
          break; // only after a promotion, below
      }
    }
  } catch (e) {
    const why = errorMessage(deps.signal.aborted ? deps.signal.reason : e);
    return bail(deps.signal.aborted ? why : `fault: ${why}`, 'fault');
  }

  if (!promoted) {
    if (plan.holdAt !== undefined && weight > 0 && weight < 100) {
      return {
        result: 'held',
        live,
        previous: target,
        weight,
        reason: `held at ${weight}% on ${target} (hold-at)`,
      };
    }
    // a plan always ends at 100 unless held; anything else is a planner bug: never leave traffic split
    return bail(`the plan ended at ${weight}% without hold-at`, 'fault');
  }

  // Promoted: from here nothing moves traffic back. keep-previous and cleanup are housekeeping whose
  // failure (or a timeout, or cancellation) is a warning, not a reason to undo a verified deploy.
  deps.onSplit?.(undefined);
  await note(deps, 'forget the target', () => router.markTarget?.(undefined));
  await recordSlots(deps, target, live);
  const notes: string[] = [];
  try {
    for (const phase of plan.phases) {
      if (phase.kind === 'keep-previous') {
        timeline.add({
          at: clock.now(),
          type: 'phase',
          name: phaseName(phase),
          detail: phaseDetail(phase, target),
        });
        await clock.sleep(phase.holdMs, deps.signal);
      } else if (phase.kind === 'cleanup') {
        timeline.add({ at: clock.now(), type: 'phase', name: 'cleanup' });
        const r = await runHook(deps, 'cleanup', { target, live: target, weight: 100, previous: live });
        if (r) notes.push(`cleanup-command ${r}`);
      }
    }
  } catch (e) {
    notes.push(
      `keep-previous and cleanup were cut short: ${errorMessage(deps.signal.aborted ? deps.signal.reason : e)}`,
    );
  }
  for (const n of notes) warn(deps, `${n} (the deploy itself is promoted)`);
  return {
    result: 'promoted',
    live: target,
    previous: live,
    weight: 100,
    ...(notes.length ? { reason: notes.join('; ') } : {}),
  };
}

/** A read retried a few times (0.5 s apart): undefined when the router stays unreadable. */
async function readAgain(deps: Deps): Promise<RouterState | undefined> {
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

/** Manual rollback: the previous slot is probed (gates) and takes 100% in one switch. */
async function switchBack(deps: Deps, state: RouterState, live: Slot, back: Slot): Promise<RunOutcome> {
  try {
    return await switchBackChecked(deps, state, live, back);
  } catch (e) {
    const why = errorMessage(deps.signal.aborted ? deps.signal.reason : e);
    return failed(`rollback to ${back} stopped before any switch: ${why}; nothing was moved`, live);
  }
}

async function switchBackChecked(
  deps: Deps,
  state: RouterState,
  live: Slot,
  back: Slot,
): Promise<RunOutcome> {
  // never send all traffic to the version a deploy just rolled back, or to a server that takes none
  if (state.ineligible?.includes(back)) {
    const detail = state.detail ?? 'drained, in maintenance or down';
    const why = /\bDRAIN\b/.test(detail)
      ? 'Glidepath drains the slot of a version that was rolled back, aborted or never verified: deploy a fixed version instead'
      : 'bring it back up first, or deploy to it';
    return failed(`nothing was moved: ${back} cannot take traffic (${detail}); ${why}`, live);
  }
  if ((await deps.router.rejected?.()) === back) {
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
  const reason = `rolled back on request: ${back} has 100% again, ${live} kept as previous`;
  const done = await putBack(deps, {
    live: back,
    target: live,
    lastKnown: state.weights,
    reason,
    reject: false,
  });
  if (!done.ok) return done.outcome;
  await recordSlots(deps, back, live);
  return { result: 'rolled-back', live: back, previous: live, weight: 0, reason: done.reason };
}

/** A best-effort call on the router (marks, records): a failure is a warning, never a fault. */
async function note(deps: Deps, what: string, call: () => Promise<void> | undefined): Promise<void> {
  try {
    await call();
  } catch (e) {
    warn(deps, `could not ${what} on ${deps.router.description}: ${errorMessage(e)}`);
  }
}

async function recordSlots(deps: Deps, live: Slot, previous: Slot): Promise<void> {
  await note(deps, 'record the live slot', () =>
    deps.router.record?.({ live, previous, runUrl: deps.runUrl }),
  );
}

/** Runs a hook when configured; returns why it failed, or undefined. */
async function runHook(deps: Deps, hook: HookName, env: HookEnv): Promise<string | undefined> {
  const command = deps.config.hooks[hook];
  if (!command) return undefined;
  // rollback-command runs after cancellation too, but must end before the runner kills us
  const bound =
    hook === 'rollback' && deps.signal.aborted
      ? deps.clock.timer(ROLLBACK_HOOK_WHEN_CANCELLED_MS, () => new Fault('the run was cancelled'))
      : undefined;
  const signal = hook !== 'rollback' ? deps.signal : bound?.signal;
  const result = await deps.hooks.run(hook, command, env, signal).finally(() => bound?.cancel());
  deps.timeline.add({ at: deps.clock.now(), type: 'hook', hook, result });
  if (result.timedOut) return `timed out after ${formatDuration(result.durationMs)} (hook-timeout)`;
  if (result.exitCode !== 0) return `exited with code ${result.exitCode}`;
  return undefined;
}

function phaseName(p: Phase): string {
  return p.kind === 'shift' ? `step ${p.step}/${p.of}` : p.kind;
}

function phaseDetail(p: Phase, target: Slot): string | undefined {
  if (p.kind === 'shift') return `${target} → ${p.weight}% for ${formatDuration(p.holdMs)}`;
  if (p.kind === 'keep-previous') return `keeping the previous slot for ${formatDuration(p.holdMs)}`;
  return undefined;
}
