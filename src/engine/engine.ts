// Executes a command (deploy, promote, abort, rollback, status) against the ports; owns time and rollback.
import type { Slot } from '../config/types.js';
import { otherSlot } from '../config/types.js';
import { promotePlan } from '../plan/build.js';
import { formatDuration } from '../config/durations.js';
import type { RouterState } from '../ports/traffic.js';
import type { RunOutcome } from '../ports/timeline.js';
import { describeWeights, readSlots, type SlotReading } from './slots.js';
import { errorMessage, Fault } from './fault.js';
import {
  failed,
  label,
  namesOf,
  note,
  noteNames,
  recordSlots,
  stopReason,
  warn,
  type Deps,
  type EngineDeps,
} from './context.js';
import { putBack } from './put-back.js';
import { shiftThrough } from './shift.js';

export type { EngineDeps } from './context.js';

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
    const acted = config.command === 'status' ? await status(d) : await withLock(d, () => act(d));
    const names = namesOf(d);
    const outcome = Object.keys(names).length > 0 ? { ...acted, names } : acted;
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

/** promote/abort with nothing in progress: `weight` is the new slot's, as the output reports it */
function unchanged(deps: Deps, live: Slot, weight: number, what: string): RunOutcome {
  return {
    result: 'unchanged',
    live,
    previous: otherSlot(live),
    weight,
    reason: `${what}: ${label(deps, live)} already has 100%`,
  };
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
  return {
    state,
    reading: readSlots(state, { holdAt: config.holdAt, marked, names: namesOf(deps) }),
    marked,
  };
}

function startEvent(deps: Deps, state: RouterState, reading: SlotReading): void {
  const slots =
    reading.kind === 'at-rest'
      ? { live: reading.live, target: otherSlot(reading.live) }
      : reading.kind === 'split'
        ? { live: reading.live, target: reading.target }
        : {};
  noteNames(deps);
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
  const w = describeWeights(state.weights, namesOf(deps));
  const L = (s: Slot) => label(deps, s);
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
        reason: `a deploy to ${L(reading.target)} is in progress: ${w}`,
      };
    case 'at-rest':
      return {
        result: 'unchanged',
        live: reading.live,
        previous: otherSlot(reading.live),
        weight: 100,
        reason: reading.liveDown
          ? `${L(reading.live)} has all the traffic but cannot serve it: ${reading.liveDown}`
          : seen.marked === otherSlot(reading.live)
            ? undoneMessage(L(seen.marked), L(reading.live))
            : undefined,
      };
  }
}

/** A deploy left held (the router still names its target) whose traffic someone else took back. */
function undoneMessage(target: string, live: string): string {
  return `the deploy held on ${target} was undone outside Glidepath: ${live} has 100% again (IaC re-applied, a reload, or a hand edit); deploy again to continue`;
}

async function act(deps: Deps): Promise<RunOutcome> {
  const { config } = deps;
  const seen = await look(deps);
  if ('result' in seen) return seen;
  const { state, reading } = seen;
  startEvent(deps, state, reading);
  if (reading.kind === 'invalid' || reading.kind === 'ambiguous') return failed(reading.message);
  const w = describeWeights(state.weights, namesOf(deps));
  const L = (s: Slot) => label(deps, s);

  switch (config.command) {
    case 'deploy':
      if (reading.kind === 'split') {
        return failed(
          `a deploy to ${L(reading.target)} is already in progress (${w}): run command promote to finish it or abort to go back to ${L(reading.live)}`,
          reading.live,
        );
      }
      if (reading.liveDown) warn(deps, `the live slot ${L(reading.live)} cannot serve: ${reading.liveDown}`);
      return shiftThrough(deps, deps.plan, reading.live, otherSlot(reading.live), state.weights, true);
    case 'promote':
      if (reading.kind !== 'split' && seen.marked === otherSlot(reading.live)) {
        await note(deps, 'forget the target', () => deps.router.markTarget?.(undefined));
        return failed(undoneMessage(L(seen.marked), L(reading.live)), reading.live);
      }
      if (reading.kind !== 'split') return unchanged(deps, reading.live, 100, 'nothing to promote');
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
        return unchanged(deps, reading.live, 0, 'nothing to abort');
      }
      const { live, target } = reading;
      const reason = `aborted on request: ${L(live)} back to 100%`;
      const back = await putBack(deps, { live, target, lastKnown: state.weights, reason, reject: true });
      return back.ok
        ? { result: 'aborted', live, previous: target, weight: 0, reason: back.reason }
        : back.outcome;
    }
    case 'rollback':
      if (reading.kind === 'split') {
        return failed(
          `traffic is split (${w}): use command abort to return to ${L(reading.live)}`,
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

/** Manual rollback: the previous slot is probed (gates) and takes 100% in one switch. */
async function switchBack(deps: Deps, state: RouterState, live: Slot, back: Slot): Promise<RunOutcome> {
  try {
    return await switchBackChecked(deps, state, live, back);
  } catch (e) {
    return failed(
      `rollback to ${label(deps, back)} stopped before any switch: ${stopReason(deps, e)}; nothing was moved`,
      live,
    );
  }
}

async function switchBackChecked(
  deps: Deps,
  state: RouterState,
  live: Slot,
  back: Slot,
): Promise<RunOutcome> {
  const L = (s: Slot) => label(deps, s);
  // never send all traffic to the version a deploy just rolled back, or to a server that takes none
  if (state.ineligible?.includes(back)) {
    const detail = state.detail ?? 'drained, in maintenance or down';
    const why = /\bDRAIN\b/.test(detail)
      ? 'Glidepath drains the slot of a version that was rolled back, aborted or never verified: deploy a fixed version instead'
      : 'bring it back up first, or deploy to it';
    return failed(`nothing was moved: ${L(back)} cannot take traffic (${detail}); ${why}`, live);
  }
  if ((await deps.router.rejected?.()) === back) {
    return failed(
      `nothing was moved: ${L(back)} holds the version the last deploy rolled back or aborted; ${L(live)} is already serving the previous version: deploy a fixed version instead`,
      live,
    );
  }
  for (const gate of deps.gates ?? []) {
    const why = await gate.run({ target: back, live, signal: deps.signal });
    if (why)
      return failed(
        `pre-traffic check ${gate.name} failed on ${L(back)}: ${why}; traffic stays on ${L(live)}`,
        live,
      );
  }
  const reason = `rolled back on request: ${L(back)} has 100% again, ${L(live)} kept as previous`;
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
