// Puts all traffic back on one slot, retrying: the path that must work when everything else failed.
import type { Slot } from '../config/types.js';
import type { Clock } from '../ports/clock.js';
import {
  PartialWrite,
  slotLabel,
  type RouterState,
  type TrafficRouter,
  type Weights,
} from '../ports/traffic.js';
import { describeWeights, sameWeights, weightsFor } from './slots.js';
import { errorMessage } from './fault.js';

const BACKOFF_MS = [0, 500, 1000, 2000];

export type RestoreResult =
  | { ok: true; state: RouterState }
  /** `reached`: the load balancers (HAProxy instances) that were restored when others could not be */
  | { ok: false; message: string; reached?: RouterState };

/**
 * Sets `slot` to 100%. Not cancellable on purpose: it runs after cancellation and must finish.
 * `lastKnown` is what we believe traffic looks like, for the message when every attempt fails.
 */
export async function restoreLive(
  deps: { router: TrafficRouter; clock: Clock },
  slot: Slot,
  lastKnown: Weights,
): Promise<RestoreResult> {
  const want = weightsFor(slot, 100);
  const names = deps.router.slotNames?.();
  const errors: string[] = [];
  let partial: PartialWrite | undefined;
  for (const wait of BACKOFF_MS) {
    if (wait) await deps.clock.sleep(wait);
    try {
      const state = await deps.router.set(want);
      if (sameWeights(state.weights, want)) return { ok: true, state };
      errors.push(`read back ${describeWeights(state.weights, names)}`);
    } catch (e) {
      // some of several load balancers restored: keep trying the others, and say which is which
      partial = e instanceof PartialWrite && sameWeights(e.applied.weights, want) ? e : undefined;
      errors.push(errorMessage(e));
    }
  }
  const L = slotLabel(slot, names);
  if (partial) {
    const missed = partial.missed.map((m) => m.name);
    return {
      ok: false,
      reached: partial.applied,
      message:
        `${L} has 100% again on ${partial.reached.join(', ')}, but ${missed.join(', ')} could not be set after ${BACKOFF_MS.length} attempts ` +
        `(${partial.missed.map((m) => m.error).join('; ')}): when ${missed.length > 1 ? 'they answer' : 'it answers'} again, ` +
        `set ${L} to 100% there by hand or run command abort (traffic through ${missed.length > 1 ? 'them' : 'it'} may still be split)`,
    };
  }
  let seen = `last seen at ${describeWeights(lastKnown, names)}`;
  try {
    seen = `now reads ${describeWeights((await deps.router.read()).weights, names)}`;
  } catch {
    // the router is unreachable: the last weights we set are the best we know
  }
  return {
    ok: false,
    message: `could not restore ${L} to 100% after ${BACKOFF_MS.length} attempts (${errors.at(-1) ?? 'unknown error'}); traffic ${seen} on ${deps.router.description} and may still be split: set ${L} to 100% by hand`,
  };
}
