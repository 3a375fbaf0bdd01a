// Our own bounded backoff on AWS throttling (on top of the SDK's retries) and pacing of ELBv2 mutating calls.
//
// Why both: the SDK retries a throttled call about three times within a second or two, which is not
// enough when several pipelines of the same account share the ELBv2 token bucket (mutating calls
// refill at 3 per second per account and region). A throttled call mid-shift is a fault the engine
// turns into a rollback, so it is worth waiting a few seconds more before giving up.

/** Error codes AWS uses for "slow down" (awsQuery ELBv2 says `Throttling`, JSON services `ThrottlingException`). */
const THROTTLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

/** Error codes AWS answers when the request's credentials ran out (STS session tokens expire). */
const EXPIRED_CODES = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);

/**
 * What on-call should know beyond AWS's own words, or '': expired credentials fail every call
 * after them, the restore and the post step's included, until the job gets a longer session.
 */
export function awsErrorHint(err: unknown): string {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  if (typeof name === 'string' && EXPIRED_CODES.has(name))
    return ' (the AWS credentials expired mid-run: give the role a session that outlasts timeout plus hook-timeout, e.g. role-duration-seconds of aws-actions/configure-aws-credentials)';
  return '';
}

/** True for an SDK error that means "throttled": by name, by `Code`, or by HTTP 429. */
export function isThrottle(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as {
    name?: unknown;
    Code?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  for (const code of [e.name, e.Code, e.code]) {
    if (typeof code === 'string' && THROTTLE_CODES.has(code)) return true;
  }
  return e.$metadata?.httpStatusCode === 429;
}

export interface RetryOptions {
  /** total tries, including the first (default 6) */
  attempts?: number;
  /** first backoff in ms; doubles each retry (default 500) */
  baseMs?: number;
  /** cap of one backoff in ms (default 8000) */
  maxMs?: number;
  sleep: (ms: number) => Promise<void>;
  /** 0..1, injected so tests are deterministic (default Math.random) */
  random?: () => number;
  /** called before each backoff, e.g. to log `ModifyRule throttled, retry 2/5 in 1.2s` */
  onRetry?: (info: { attempt: number; attempts: number; delayMs: number; error: unknown }) => void;
}

/**
 * Run `fn`, retrying only throttling errors with exponential backoff and "equal jitter"
 * (half fixed, half random: never a zero wait, yet concurrent runs spread out).
 * Other errors and the last throttling error are rethrown as they are.
 */
export async function withThrottleRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const attempts = Math.max(1, opts.attempts ?? 6);
  const baseMs = opts.baseMs ?? 500;
  const maxMs = opts.maxMs ?? 8000;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isThrottle(error) || attempt >= attempts) throw error;
      const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + (ceiling / 2) * random());
      opts.onRetry?.({ attempt, attempts, delayMs, error });
      await opts.sleep(delayMs);
    }
  }
}

/** ELBv2 refills 3 mutating calls per second: one every 334 ms keeps a single run inside the refill rate. */
export const ELBV2_MUTATING_GAP_MS = 334;

export interface Pacer {
  /** run `fn` no sooner than `minGapMs` after the previous paced call started */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Serialises calls and keeps at least `minGapMs` between their starts.
 * Time comes from the injected `now`/`sleep` so tests take no real time.
 */
export function createPacer(opts: {
  minGapMs?: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}): Pacer {
  const gap = opts.minGapMs ?? ELBV2_MUTATING_GAP_MS;
  let lastStart = Number.NEGATIVE_INFINITY;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const turn = queue.then(async () => {
        const wait = lastStart + gap - opts.now();
        if (wait > 0) await opts.sleep(wait);
        lastStart = opts.now();
        return fn();
      });
      // the next caller waits for this one to start and settle, whatever its outcome
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
