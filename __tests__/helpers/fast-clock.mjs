// Preloaded into the bundle by end-to-end tests (NODE_OPTIONS=--import) so a five-minute canary step
// runs in seconds: Date runs GLIDEPATH_TEST_SPEED times faster than real time, and timers wait that
// many times less. The SDK's own socket, connection and request timeouts keep real time, so a loaded
// machine cannot time out a loopback call that merely took 200 ms. Nothing else of the process changes.
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

/** the HTTP handler's bounds on one AWS call: real time, as on a runner */
const KEEP = /\bset(?:Request|Connection|Socket)Timeout\b|\bNodeHttpHandler\b/;
const scaled = (delay) => {
  const ms = Number(delay) || 0;
  if (ms <= 0 || KEEP.test(new Error().stack ?? '')) return ms;
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
