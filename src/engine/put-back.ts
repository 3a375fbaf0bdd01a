// One path back to the live slot for automatic rollback, faults, abort and manual rollback.
import type { Slot } from '../config/types.js';
import type { Weights } from '../ports/traffic.js';
import type { RestoreCause, RunOutcome } from '../ports/timeline.js';
import { label, markRejected, note, rejectionNote, runHook, type Deps } from './context.js';
import { LEFT_WATCH_CANCELLED_MS, LEFT_WATCH_MS, watchLeft } from './left.js';
import { restoreLive } from './restore.js';

/**
 * Puts all traffic back on `live`; moves every client off the other slot (the rejected mark, or
 * an on-call rollback's evacuation: weights alone leave clients pinned by cookie persistence where
 * they were) and watches that no request reaches it any more; then runs rollback-command.
 */
export async function putBack(
  deps: Deps,
  o: {
    live: Slot;
    target: Slot;
    lastKnown: Weights;
    reason: string;
    cause: RestoreCause;
    /** mark `target` rejected with this note's reason (an abort, a deploy that did not make it) */
    reject?: string;
    /** an on-call rollback: move clients off `target` without calling its version rejected; the note's reason */
    evacuate?: string;
  },
): Promise<{ ok: true; reason: string } | { ok: false; outcome: RunOutcome }> {
  const fail = (weight: number, reason: string) => ({
    ok: false as const,
    outcome: {
      result: 'failed' as const,
      live: o.live,
      previous: o.target,
      weight,
      weightOf: o.target,
      reason,
    },
  });
  const restored = await restoreLive(deps, o.live, o.lastKnown);
  // the split state stays saved: the post step tries again
  if (!restored.ok) {
    // MAINT on the slot traffic should have left is worth trying even now: it moves clients too
    await keepOff(deps, o);
    if (restored.reached) {
      // some load balancers (HAProxy instances) are back on the live slot: say so, as a rollback
      deps.timeline.add({
        at: deps.clock.now(),
        type: 'rollback',
        reason: o.reason,
        restored: restored.reached,
        cause: o.cause,
      });
      await note(deps, 'forget the target', () => deps.router.markTarget?.(undefined));
    }
    return fail(o.lastKnown[o.target], `${o.reason}; ${restored.message}`);
  }
  deps.onSplit?.(undefined);
  // clients first, before any hook: every second a pinned client stays is a request to the old slot;
  // the event's time is then when traffic left, weights and pinned clients alike
  const marked = await keepOff(deps, o);
  // read again once marked, so the restore's line shows the slot's servers as they are now (MAINT)
  const now = marked ? await deps.router.read().catch(() => restored.state) : restored.state;
  deps.timeline.add({
    at: deps.clock.now(),
    type: 'rollback',
    reason: o.reason,
    restored: sameWeights(now.weights, restored.state.weights) ? now : restored.state,
    cause: o.cause,
  });
  let reason = o.reason;
  if (restored.state.ineligible?.includes(o.live)) {
    reason += `; ${label(deps, o.live)} has the traffic back but the load balancer says it cannot serve (${restored.state.detail ?? 'drained, in maintenance or down'})`;
  }
  await checkLeft(deps, o.target);
  const hook = await runHook(deps, 'rollback', { target: o.target, live: o.live, weight: 0 });
  await note(deps, 'forget the target', () => deps.router.markTarget?.(undefined));
  if (hook) return fail(0, `${reason}; but rollback-command ${hook}`);
  return { ok: true, reason };
}

/** The mark that moves every client off the slot traffic left: rejected, or left by an on-call rollback. */
async function keepOff(
  deps: Deps,
  o: { target: Slot; reject?: string; evacuate?: string },
): Promise<boolean> {
  if (o.reject !== undefined && deps.router.reject) {
    await markRejected(deps, o.target, o.reject);
    return true;
  }
  if (o.reject === undefined && o.evacuate !== undefined && deps.router.evacuate) {
    const reason = o.evacuate;
    await note(deps, `move clients off ${label(deps, o.target)}`, () =>
      deps.router.evacuate?.(o.target, rejectionNote(deps, reason)),
    );
    return true;
  }
  return false;
}

function sameWeights(a: Weights, b: Weights): boolean {
  return a.blue === b.blue && a.green === b.green;
}

/** Counts the requests that still reach `slot` for a moment (bounded; shorter after a cancellation). */
async function checkLeft(deps: Deps, slot: Slot): Promise<void> {
  const windowMs = deps.signal.aborted ? LEFT_WATCH_CANCELLED_MS : LEFT_WATCH_MS;
  const seen = await watchLeft(deps, slot, windowMs);
  if (!seen) return;
  deps.timeline.add({ at: deps.clock.now(), type: 'left', slot, ...seen });
}
