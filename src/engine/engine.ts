// Executes a command (deploy, promote, abort, rollback, status) against the ports; owns time and rollback.
import type { Slot } from '../config/types.js';
import { otherSlot } from '../config/types.js';
import { promotePlan } from '../plan/build.js';
import { formatDuration } from '../config/durations.js';
import { forceIgnored } from '../config/combinations.js';
import { describeRejection, type Rejection, type RouterState } from '../ports/traffic.js';
import type { RunOutcome, StatusSnapshot } from '../ports/timeline.js';
import { describeWeights, readSlots, type SlotReading } from './slots.js';
import { errorMessage, Fault } from './fault.js';
import {
  failed,
  label,
  namesOf,
  note,
  noteNames,
  recordSlots,
  rejectionNote,
  stopReason,
  warn,
  type Deps,
  type EngineDeps,
} from './context.js';
import { observe } from './observed.js';
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
  const observed = observe(deps.router);
  try {
    const d = { ...deps, router: observed.router, signal: run.signal };
    if (config.force && config.command !== 'rollback') warn(d, forceIgnored(config.command));
    const acted = config.command === 'status' ? await status(d) : await withLock(d, () => act(d));
    const names = namesOf(d);
    const read = readBack(acted, observed.last()?.weights);
    const outcome = Object.keys(names).length > 0 ? { ...read, names } : read;
    timeline.add({ at: clock.now(), type: 'run-end', ...outcome });
    return outcome;
  } finally {
    deadline.cancel();
    deps.signal?.removeEventListener('abort', onCancel);
    await Promise.allSettled(deps.checks.map((c) => c.close?.()));
  }
}

/**
 * The outcome with the weights as last read back from the load balancer, and `weight` as the
 * percent of the slot the output is about (see RunOutcome.weightOf); when the last read or write
 * failed, the weights are unknown and the outcome's own last-known weight stands.
 */
function readBack(outcome: RunOutcome, weights: RunOutcome['weights']): RunOutcome {
  if (!weights) return outcome;
  const weight = outcome.weightOf ? weights[outcome.weightOf] : undefined;
  const { weight: _lastKnown, ...rest } = outcome;
  return { ...rest, weights, ...(weight !== undefined ? { weight } : {}) };
}

function cancelReason(signal?: AbortSignal): string {
  const r: unknown = signal?.reason;
  if (r instanceof Error) return r.message;
  if (typeof r === 'string') return r;
  return 'the run was cancelled';
}

/** promote/abort with nothing in progress: no deploy, so no new slot for the `weight` output */
function unchanged(deps: Deps, live: Slot, what: string): RunOutcome {
  return {
    result: 'unchanged',
    live,
    previous: otherSlot(live),
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

/**
 * The run's first event. `target` (the slot a deploy goes to) only where the command has one:
 * a deploy's idle slot, or the new slot of a split that promote or abort finishes.
 */
function startEvent(deps: Deps, state: RouterState, reading: SlotReading): void {
  const { command } = deps.config;
  const slots =
    reading.kind === 'at-rest'
      ? { live: reading.live, ...(command === 'deploy' ? { target: otherSlot(reading.live) } : {}) }
      : reading.kind === 'split'
        ? { live: reading.live, ...(command !== 'status' ? { target: reading.target } : {}) }
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

/** `status`: reads everything on-call needs (weights, slot states, marks, the lock) and moves nothing. */
async function status(deps: Deps): Promise<RunOutcome> {
  const seen = await look(deps);
  if ('result' in seen) return seen;
  const { state, reading, marked } = seen;
  startEvent(deps, state, reading);
  deps.timeline.add({ at: deps.clock.now(), type: 'status', status: await snapshot(deps, seen) });
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
        weightOf: reading.target,
        reason: `a deploy to ${L(reading.target)} is in progress: ${w}`,
      };
    case 'at-rest':
      return {
        result: 'unchanged',
        live: reading.live,
        previous: otherSlot(reading.live),
        ...(reading.liveDown
          ? { reason: `${L(reading.live)} has all the traffic but cannot serve it: ${reading.liveDown}` }
          : marked === otherSlot(reading.live)
            ? { reason: undoneMessage(L(marked), L(reading.live)) }
            : {}),
      };
  }
}

/** What status shows; a part the router cannot read is left out with a warning, never a failure. */
async function snapshot(
  deps: Deps,
  seen: { state: RouterState; reading: SlotReading; marked?: Slot },
): Promise<StatusSnapshot> {
  const { router, config } = deps;
  const { state, reading, marked } = seen;
  const optional = async <T>(what: string, call: (() => Promise<T>) | undefined): Promise<T | undefined> => {
    if (!call) return undefined;
    try {
      return await call();
    } catch (e) {
      warn(deps, `could not read ${what} from ${router.description}: ${errorMessage(e)}`);
      return undefined;
    }
  };
  const slots = await optional("the slots' states", router.slotStates && (() => router.slotStates!()));
  const rejected = await optional('the rejected mark', router.rejected && (() => router.rejected!()));
  const holder = await optional('the lock', router.lockHolder && (() => router.lockHolder!()));
  const left = await optional(
    'the mark of the last rollback',
    router.evacuated && (() => router.evacuated!()),
  );
  return {
    weights: state.weights,
    ...(slots ? { slots } : {}),
    ...(state.detail ? { detail: state.detail } : {}),
    ...(reading.kind === 'at-rest' ? { live: reading.live } : {}),
    ...(reading.kind === 'at-rest' && reading.liveDown ? { liveDown: reading.liveDown } : {}),
    ...(reading.kind === 'split'
      ? { split: { live: reading.live, target: reading.target, known: marked ? 'note' : 'hold-at' } }
      : {}),
    ...(reading.kind === 'invalid' || reading.kind === 'ambiguous' ? { problem: reading.message } : {}),
    ...(state.instances ? { instances: state.instances } : {}),
    ...(state.disagreement ? { disagree: true } : {}),
    ...(rejected ? { rejected } : {}),
    ...(left ? { left } : {}),
    lock: router.lockHolder ? (holder ?? 'free') : 'none',
    ...(reading.kind === 'at-rest' && marked === otherSlot(reading.live) ? { undone: marked } : {}),
    provider: config.provider.kind,
  };
}

/** A deploy left held (the router still names its target) whose traffic someone else took back. */
function undoneMessage(target: string, live: string): string {
  return `the deploy held on ${target} was undone outside Glidepath: ${live} has 100% again (IaC re-applied, a reload, or a hand edit); deploy again to continue`;
}

async function act(deps: Deps): Promise<RunOutcome> {
  const { config } = deps;
  const seen = await look(deps);
  if ('result' in seen) return seen;
  const { state } = seen;
  // load balancers that disagree (one HAProxy instance left split): abort puts them all back on the
  // live slot when their note names the deploy's target; every other command refuses
  const reading: SlotReading =
    config.command === 'abort' && state.disagreement && seen.marked
      ? { kind: 'split', live: otherSlot(seen.marked), target: seen.marked }
      : seen.reading;
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
          reading.target,
        );
      }
      if (reading.liveDown) warn(deps, `the live slot ${L(reading.live)} cannot serve: ${reading.liveDown}`);
      return shiftThrough(deps, deps.plan, reading.live, otherSlot(reading.live), state.weights, true);
    case 'promote':
      if (reading.kind !== 'split' && seen.marked === otherSlot(reading.live)) {
        await note(deps, 'forget the target', () => deps.router.markTarget?.(undefined));
        return failed(undoneMessage(L(seen.marked), L(reading.live)), reading.live, seen.marked);
      }
      if (reading.kind !== 'split') return unchanged(deps, reading.live, 'nothing to promote');
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
        const none = unchanged(deps, reading.live, 'nothing to abort');
        return seen.marked ? { ...none, weightOf: seen.marked } : none;
      }
      const { live, target } = reading;
      const by = deps.actor ? `aborted by ${deps.actor}` : 'aborted on request';
      const reason = `${by}: ${L(live)} has 100% again; the deploy to ${L(target)} stopped at ${state.weights[target]}%`;
      const back = await putBack(deps, {
        live,
        target,
        lastKnown: state.weights,
        reason,
        cause: 'abort',
        reject: `${by} at ${state.weights[target]}%`,
      });
      return back.ok
        ? { result: 'aborted', live, previous: target, weight: 0, weightOf: target, reason: back.reason }
        : back.outcome;
    }
    case 'rollback':
      if (reading.kind === 'split') {
        return failed(
          `traffic is split (${w}): use command abort to return to ${L(reading.live)}`,
          reading.live,
          reading.live,
        );
      }
      return {
        ...(await switchBack(deps, state, reading.live, otherSlot(reading.live))),
        weightOf: reading.live,
      };
    case 'status':
    case 'plan':
    case 'cleanup': // runs without the router (engine/cleanup.ts)
      return { result: config.command === 'plan' ? 'planned' : 'unchanged' };
  }
}

/** The command that clears the lock by hand, for the post step's words when it cannot; '' when none. */
async function clearCommand(router: Deps['router']): Promise<string> {
  try {
    return (await router.lockClearCommand?.()) ?? '';
  } catch {
    return '';
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
    // noted before the take: a run killed halfway through it leaves the post step a lock to release
    deps.onLock?.(true, await clearCommand(router));
    try {
      // taken before the weights are read and before any hook, so no other run can deploy to the
      // idle slot or move the weights between our read and our write; the rollback hook may run
      // after the deadline: the lock outlives both
      await router.lock(
        deps.runId,
        deps.config.timeoutMs + deps.config.hookTimeoutMs + LOCK_MARGIN_MS,
        deps.runUrl,
      );
    } catch (e) {
      // lock() leaves nothing of this run's behind when it throws (TrafficRouter.lock)
      deps.onLock?.(false);
      const message = `could not take the lock on ${router.description}: ${errorMessage(e)}; nothing was moved`;
      deps.timeline.add({ at: deps.clock.now(), type: 'error', message });
      return failed(message);
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

async function switchBackChecked(deps: Deps, seen: RouterState, live: Slot, back: Slot): Promise<RunOutcome> {
  let state = seen;
  const { router, config } = deps;
  const L = (s: Slot) => label(deps, s);
  // nothing to go back to (a router that names its slots knows none for it): force cannot help
  const missing = namesOf(deps)[back]?.missing;
  if (missing) return failed(`nothing was moved: ${missing}`, live);
  // never send all traffic to the version a deploy just rolled back, or to a server that takes none;
  // a mark that cannot be read stops the rollback (switchBack), it is never taken as no mark
  const rejection = router.rejected ? await router.rejected() : undefined;
  const ours = rejection?.slot === back ? rejection : undefined;
  if (ours && !config.force) {
    return failed(
      `nothing was moved: ${L(back)} is marked rejected: ${describeRejection(ours)}; ${L(live)} already serves the previous version. ` +
        `Deploy a fixed version, or run rollback with force: true to send all traffic to ${L(back)} anyway`,
      live,
    );
  }
  // the slot an earlier on-call rollback moved every client off (Glidepath's own MAINT, not a
  // rejection): lifted to go back to it, and put back if the rollback stops before switching
  const parked = !ours && router.evacuated ? await router.evacuated() : undefined;
  if (parked === back) {
    try {
      await router.lift!(back);
    } catch (e) {
      return failed(`nothing was moved: ${errorMessage(e)}`, live);
    }
    state = await router.read();
  }
  const repark = async () => {
    if (parked === back)
      await note(deps, `move clients off ${L(back)} again`, () =>
        router.evacuate?.(back, rejectionNote(deps, evacuation(deps, live))),
      );
  };
  if (!ours && state.ineligible?.includes(back)) {
    await repark();
    const detail = state.detail ?? 'drained, in maintenance or down';
    return failed(
      `nothing was moved: ${L(back)} cannot take traffic (${detail}) and Glidepath has no rejected mark on it: ` +
        `an operator's drain or maintenance, a failing health check, or a mark whose note was lost (HAProxy reloaded). ` +
        `Glidepath never overrides those, force or not: bring ${L(back)} back up by hand first, or deploy to it`,
      live,
    );
  }
  if (ours) {
    const lifted = await liftMark(deps, ours, live);
    if (lifted) return lifted;
  }
  for (const gate of deps.gates ?? []) {
    const why = await gate.run({ target: back, live, signal: deps.signal });
    if (why) {
      if (ours) await remark(deps, ours);
      await repark();
      return failed(
        `pre-traffic check ${gate.name} failed on ${L(back)}: ${why}; traffic stays on ${L(live)}`,
        live,
      );
    }
  }
  const forced = ours
    ? `, forced by ${deps.actor ?? 'an unnamed actor'} past Glidepath's rejected mark (${describeRejection(ours)})`
    : '';
  const reason = `rolled back on request${forced}: ${L(back)} has 100% again, ${L(live)} kept as previous`;
  const done = await putBack(deps, {
    live: back,
    target: live,
    lastKnown: state.weights,
    reason,
    cause: 'request',
    evacuate: evacuation(deps, back),
  });
  if (!done.ok) return done.outcome;
  await recordSlots(deps, back, live);
  return { result: 'rolled-back', live: back, previous: live, weight: 0, reason: done.reason };
}

/** The note kept with the slot an on-call rollback left: who, and where traffic went. */
function evacuation(deps: Deps, to: Slot): string {
  return `left by an on-call rollback${deps.actor ? ` by ${deps.actor}` : ''}: ${label(deps, to)} took all traffic back`;
}

/**
 * force: true lifts Glidepath's own mark, and only that: the router refuses when something else
 * keeps the slot out, and a slot still unable to take traffic after the lift gets its mark back.
 * Returns the failed outcome, or undefined when the slot may be probed and switched to.
 */
async function liftMark(deps: Deps, ours: Rejection, live: Slot): Promise<RunOutcome | undefined> {
  const { router } = deps;
  const back = ours.slot;
  if (!router.lift) {
    return failed(
      `nothing was moved: force: true cannot lift the rejected mark on ${router.description}`,
      live,
    );
  }
  try {
    await router.lift(back);
  } catch (e) {
    return failed(
      `nothing was moved: force: true lifts only Glidepath's own rejected mark, and ${errorMessage(e)}`,
      live,
    );
  }
  deps.timeline.add({
    at: deps.clock.now(),
    type: 'force',
    slot: back,
    lifted: ours,
    ...(deps.actor ? { by: deps.actor } : {}),
  });
  const now = await router.read();
  if (now.ineligible?.includes(back)) {
    await remark(deps, ours);
    return failed(
      `nothing was moved: Glidepath's mark on ${label(deps, back)} was lifted, but ${label(deps, back)} still cannot take traffic (${now.detail ?? 'down'}); its mark is back`,
      live,
    );
  }
  return undefined;
}

/** Puts back a mark a forced rollback lifted, with its note, when the rollback stops after all. */
async function remark(deps: Deps, ours: Rejection): Promise<void> {
  await note(deps, `mark ${ours.slot} as rejected again`, () => deps.router.reject?.(ours.slot, ours.note));
}
