// The router as the engine uses it, remembering the last state it read back: what the result line
// and the `weight` output report, never a number the run only meant to set.
import type { RouterState, TrafficRouter } from '../ports/traffic.js';

export interface Observed {
  router: TrafficRouter;
  /** the state the last read() or set() returned; undefined once a read or write failed after it */
  last(): RouterState | undefined;
}

/**
 * Wraps read() and set(); every other member is the router's own (optional methods stay absent when
 * the adapter has none, so `router.lock` still tells whether a provider locks).
 */
export function observe(inner: TrafficRouter): Observed {
  let last: RouterState | undefined;
  const track =
    <A extends unknown[]>(call: (...args: A) => Promise<RouterState>) =>
    async (...args: A): Promise<RouterState> => {
      try {
        last = await call(...args);
        return last;
      } catch (e) {
        // a failed write may have half applied: what was read before no longer holds
        last = undefined;
        throw e;
      }
    };
  const read = track(() => inner.read());
  const set = track((w: Parameters<TrafficRouter['set']>[0]) => inner.set(w));
  const router = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'read') return read;
      if (prop === 'set') return set;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { router, last: () => last };
}
