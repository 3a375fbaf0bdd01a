// One path back to the live slot for automatic rollback, faults, abort and manual rollback.
import type { Slot } from '../config/types.js';
import type { Weights } from '../ports/traffic.js';
import type { RestoreCause, RunOutcome } from '../ports/timeline.js';
import { label, markRejected, note, runHook, type Deps } from './context.js';
import { restoreLive } from './restore.js';

/**
 * Puts all traffic back on `live`, then runs rollback-command, and marks the rejected slot so a
 * later manual rollback never goes there.
 */
export async function putBack(
  deps: Deps,
  o: {
    live: Slot;
    target: Slot;
    lastKnown: Weights;
    reason: string;
    cause: RestoreCause;
    /** mark `target` rejected with this note's reason (an abort); shiftThrough marks its own */
    reject?: string;
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
    if (restored.reached) {
      // some load balancers (HAProxy instances) are back on the live slot: mark them as usual
      deps.timeline.add({
        at: deps.clock.now(),
        type: 'rollback',
        reason: o.reason,
        restored: restored.reached,
      });
      if (o.reject) await note(deps, 'reject', () => deps.router.reject?.(o.target));
      await note(deps, 'forget the target', () => deps.router.markTarget?.(undefined));
    }
    return fail(o.lastKnown[o.target], `${o.reason}; ${restored.message}`);
  }
  deps.onSplit?.(undefined);
  deps.timeline.add({
    at: deps.clock.now(),
    type: 'rollback',
    reason: o.reason,
    restored: restored.state,
    cause: o.cause,
  });
  let reason = o.reason;
  if (restored.state.ineligible?.includes(o.live)) {
    reason += `; ${label(deps, o.live)} has the traffic back but the load balancer says it cannot serve (${restored.state.detail ?? 'drained, in maintenance or down'})`;
  }
  const hook = await runHook(deps, 'rollback', { target: o.target, live: o.live, weight: 0 });
  if (o.reject !== undefined) await markRejected(deps, o.target, o.reject);
  await note(deps, 'forget the target', () => deps.router.markTarget?.(undefined));
  if (hook) return fail(0, `${reason}; but rollback-command ${hook}`);
  return { ok: true, reason };
}
