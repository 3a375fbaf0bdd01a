// After traffic goes back to the live slot: did it really leave the other one? The slot's request
// counter read twice, a short bounded time apart (clients pinned by cookie persistence or sticky
// sessions are exactly what weights alone do not move).
import type { Slot } from '../config/types.js';
import type { Clock } from '../ports/clock.js';
import type { TrafficRouter } from '../ports/traffic.js';
import { errorMessage } from './fault.js';

/** How long the slot rolled back from is watched after a restore. */
export const LEFT_WATCH_MS = 2_000;
/** After a cancellation the runner kills the process within seconds: the watch is shorter. */
export const LEFT_WATCH_CANCELLED_MS = 1_000;

export type LeftReading = { requests: number; windowMs: number } | { error: string; windowMs: number };

/**
 * The requests `slot` served during `windowMs` from now, or why they could not be read; undefined
 * when the router has no request counter (ALB and Lambda count per minute: nothing to see in 2 s).
 * Not cancellable: it runs after a restore, whatever stopped the run.
 */
export async function watchLeft(
  deps: { router: Pick<TrafficRouter, 'slotRequests'>; clock: Pick<Clock, 'sleep'> },
  slot: Slot,
  windowMs: number,
): Promise<LeftReading | undefined> {
  const count = deps.router.slotRequests?.bind(deps.router);
  if (!count) return undefined;
  try {
    const before = await count(slot);
    await deps.clock.sleep(windowMs);
    const after = await count(slot);
    // a smaller count means the load balancer restarted: all it counted since is new
    return { requests: after >= before ? after - before : after, windowMs };
  } catch (e) {
    return { error: errorMessage(e), windowMs };
  }
}
