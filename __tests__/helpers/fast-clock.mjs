// Preloaded into the bundle by end-to-end tests (NODE_OPTIONS=--import) so a five-minute canary step
// runs in seconds: Date runs GLIDEPATH_TEST_SPEED times faster than real time, and waits are that many
// times shorter. Only waits: a timer armed by a function named `sleep` (the Clock port's sleep in
// src/ports/clock.ts, through which every wait of Glidepath goes, and the checks' and routers' sleep
// options; esbuild keeps the names). Every other timer keeps real time: bounds (a check's read bound,
// a hook's, the run's, a GitHub call's, the SDK's socket and request timeouts) and small internal
// delays, so a loaded machine cannot fail a loopback call that merely took 200 ms, nor cut a hook's
// output. Nothing else of the process changes.
const speed = Number(process.env.GLIDEPATH_TEST_SPEED || '60');
if (!(speed > 1))
  throw new Error(`GLIDEPATH_TEST_SPEED must be above 1, got ${process.env.GLIDEPATH_TEST_SPEED}`);

const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);
const origin = realNow();
const now = () => origin + (realNow() - origin) * speed;

class FastDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(now());
    else super(...args);
  }
  static now() {
    return now();
  }
}
globalThis.Date = FastDate;

/** a frame of a function named sleep (`sleep`, `Object.sleep`, `AlbRouter.sleep`…) arms a wait */
const WAIT = /^\s+at (?:async )?(?:[\w$]+\.)*sleep \(/m;
const scaled = (delay) => {
  const ms = Number(delay) || 0;
  if (ms <= 0 || !WAIT.test(new Error().stack ?? '')) return ms;
  return ms / speed;
};
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
globalThis.setTimeout = Object.assign(
  (fn, delay, ...args) => realSetTimeout(fn, scaled(delay), ...args),
  realSetTimeout,
);
globalThis.setInterval = Object.assign(
  (fn, delay, ...args) => realSetInterval(fn, scaled(delay), ...args),
  realSetInterval,
);
