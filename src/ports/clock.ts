// The Clock port: every wait and every deadline goes through it, so a five-minute bake is tested in milliseconds.

/** A deadline on a clock: `signal` aborts once its time has come, unless cancelled first. */
export interface ClockTimer {
  readonly signal: AbortSignal;
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** resolves after ms, or rejects with the signal's reason when aborted */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** a deadline `ms` from now, aborting with `reason()` (the clock's own AbortSignal.timeout) */
  timer(ms: number, reason: () => unknown): ClockTimer;
}

/** setTimeout clamps delays above 2^31-1 ms (~24.8 days) to 1 ms: longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fire` once `ms` have passed; returns the cancel function. Never keeps the process alive. */
function after(ms: number, fire: () => void): () => void {
  const end = Date.now() + ms;
  let t: ReturnType<typeof setTimeout>;
  const arm = () => {
    const left = end - Date.now();
    if (left <= 0) return fire();
    t = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    t.unref?.();
  };
  arm();
  return () => clearTimeout(t);
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        cancel();
        reject(signal?.reason);
      };
      // a sleep keeps the process alive like any awaited timer: armed without unref
      const t = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.min(Math.max(0, ms), MAX_TIMER_MS),
      );
      const cancel = () => clearTimeout(t);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  timer: (ms, reason) => {
    const c = new AbortController();
    const cancel = after(ms, () => c.abort(reason()));
    return { signal: c.signal, cancel };
  },
};
