// Hand-built timelines of realistic runs, with secrets planted where careless code would leak them.
import type { TimelineEvent } from '../../src/ports/timeline.js';
import type { Measures, Verdict, VerdictStatus } from '../../src/judge/types.js';
import type { Plan } from '../../src/plan/types.js';
import type { HookName } from '../../src/config/types.js';

export const HEADER_SECRET = 'hdr-S3cret-7f3a9c';
export const WEBHOOK_URL = 'https://hooks.slack.com/services/T0001/B0002/XyZw3bh00kSecret';
export const TOKEN = 'ghp_T0kenValue0123456789abcdef';
export const SECRETS = [HEADER_SECRET, WEBHOOK_URL, TOKEN];
/** secrets and the encoded spellings they take in URLs and JSON */
export const SECRET_SPELLINGS = [...SECRETS, encodeURIComponent(WEBHOOK_URL), 'XyZw3bh00kSecret'];

export const DEFAULT_T0 = Date.UTC(2026, 2, 10, 14, 0, 0);
export const LIMITS = { maxErrorRate: 1, maxLatency: { percentile: 99, maxMs: 2000, text: 'p99<2s' } };
export const ROUTER = 'HAProxy /run/haproxy.sock (web/blue, web/green)';
export const RUN_URL = 'https://github.com/octo/shop/actions/runs/4242';
export const ENV_URL = 'https://green.shop.example/?preview=1&x=(y)';

class Recorder {
  readonly events: TimelineEvent[] = [];
  constructor(public t: number) {}
  after(ms: number): this {
    this.t += ms;
    return this;
  }
  add(e: DistributiveOmit<TimelineEvent, 'at'>): this {
    this.events.push({ ...e, at: this.t } as TimelineEvent);
    return this;
  }
}
type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

const verdict = (status: VerdictStatus, reason: string, measures: Measures): Verdict => ({
  status,
  reason,
  measures,
});
const pass = (m: Measures): Verdict =>
  verdict(
    'pass',
    `error rate ${m.errorRate ?? 0}% ≤ 1%, ${m.latencyLabel ?? 'p99'} ${m.latencyMs ?? 0}ms < 2s`,
    m,
  );

function hook(
  r: Recorder,
  name: HookName,
  command: string,
  output: string,
  exitCode = 0,
  durationMs = 4200,
): void {
  r.add({
    type: 'hook',
    hook: name,
    result: { hook: name, command, exitCode, output, durationMs, timedOut: false },
  });
}

function plan(weights: number[], holdMs: number, holdAt?: number): Plan {
  return {
    strategy: 'canary',
    phases: [
      { kind: 'backup', command: './backup.sh' },
      { kind: 'deploy', command: './deploy.sh green' },
      { kind: 'pre-traffic', urls: ['http://green.internal/healthz'], smoke: './smoke.sh' },
      ...weights.map((weight, i) => ({
        kind: 'shift' as const,
        step: i + 1,
        of: weights.length,
        weight,
        holdMs,
        checks: ['http', 'haproxy'],
      })),
      { kind: 'keep-previous', holdMs: 0 },
      { kind: 'cleanup', command: './cleanup.sh blue' },
    ],
    totalMs: holdMs * weights.length,
    ...(holdAt !== undefined ? { holdAt } : {}),
  };
}

const START = {
  type: 'run-start',
  command: 'deploy',
  strategy: 'canary',
  router: ROUTER,
  live: 'blue',
  target: 'green',
  before: { blue: 100, green: 0 },
} as const;

/** Runs a step: set the weight, evaluate every 30s for `holdMs`, then the step verdict (unless it failed). */
function step(
  r: Recorder,
  n: number,
  of: number,
  weight: number,
  holdMs: number,
  measure: (i: number) => Verdict,
): 'pass' | Verdict {
  r.add({
    type: 'weights',
    step: n,
    requested: { blue: 100 - weight, green: weight },
    applied: {
      weights: { blue: 100 - weight, green: weight },
      detail: `web/blue ${Math.round(((100 - weight) * 256) / 100)}, web/green ${Math.round((weight * 256) / 100)}`,
    },
  });
  const startedAt = r.t;
  let consecutive = 0;
  let evaluations = 0;
  for (let elapsed = 30_000; elapsed <= holdMs; elapsed += 30_000) {
    r.after(30_000);
    const v = measure(evaluations);
    evaluations += 1;
    consecutive = v.status === 'fail' ? consecutive + 1 : v.status === 'pass' ? 0 : consecutive;
    r.add({
      type: 'evaluation',
      step: n,
      of,
      weight,
      elapsedMs: elapsed,
      holdMs,
      verdict: v,
      consecutiveFailures: consecutive,
    });
    if (consecutive >= 2) return v;
  }
  r.add({
    type: 'step-verdict',
    step: n,
    weight,
    startedAt,
    heldMs: holdMs,
    evaluations,
    verdict: pass({
      requests: 480 * evaluations,
      errors: 1,
      errorRate: 0.05,
      errorSource: 'haproxy',
      latencyMs: 140,
      latencyLabel: 'p99',
      probesOk: 6 * evaluations,
    }),
  });
  return 'pass';
}

function preamble(r: Recorder, weights: number[], holdMs: number, holdAt?: number): void {
  r.add(START);
  r.add({ type: 'plan', plan: plan(weights, holdMs, holdAt) });
  r.after(1_000).add({ type: 'phase', name: 'backup' });
  hook(r.after(3_000), 'backup', './backup.sh', 'dumped 3 tables to s3://backups/shop-2026.sql\n');
  r.after(500).add({ type: 'phase', name: 'deploy', detail: 'to green' });
  hook(
    r.after(41_000),
    'deploy',
    `./deploy.sh green --token ${TOKEN}`,
    [
      '\u001b[32mpulling image shop:1.4.2\u001b[0m',
      `curl -H "X-Health: ${HEADER_SECRET}" http://green.internal/healthz`,
      'notify ' + encodeURIComponent(WEBHOOK_URL),
      '```',
      '</details><script>alert(1)</script> | pipes | and `ticks`',
      'done',
    ].join('\n'),
    0,
    41_000,
  );
  r.after(500).add({ type: 'phase', name: 'pre-traffic', detail: '1 URL and smoke on green' });
  hook(r.after(2_000), 'smoke', './smoke.sh', 'GET /healthz 200\nGET /cart 200\n', 0, 2_000);
}

const healthy = (weight: number) => (i: number) =>
  pass({
    requests: 4 * weight + 20 * i,
    errors: 0,
    errorRate: i % 2 ? 0.1 : 0,
    errorSource: 'haproxy',
    latencyMs: 120 + 10 * i,
    latencyLabel: 'p99',
    probesOk: 6,
  });

export function promotedRun(t0 = DEFAULT_T0): TimelineEvent[] {
  const r = new Recorder(t0);
  const weights = [10, 50, 100];
  preamble(r, weights, 120_000);
  for (const [i, w] of weights.entries()) {
    r.after(1_000);
    step(r, i + 1, weights.length, w, 120_000, healthy(w));
    if (w === 100) hook(r.after(1_000), 'verify', './verify.sh', 'all endpoints green\n', 0, 1_500);
  }
  r.after(1_000).add({
    type: 'warning',
    message: `health-headers sent to http://green.internal with X-Health: ${HEADER_SECRET} over plain HTTP`,
  });
  hook(r.after(2_000), 'cleanup', './cleanup.sh blue', 'scaled blue to 0\n', 0, 2_000);
  r.after(500).add({ type: 'run-end', result: 'promoted', live: 'green', previous: 'blue', weight: 100 });
  return r.events;
}

export const ROLLBACK_REASON = `error rate 4.17% (20/480, haproxy) > 1% on green at 50%, twice in a row | token ${TOKEN}`;

export function rolledBackRun(t0 = DEFAULT_T0): TimelineEvent[] {
  const r = new Recorder(t0);
  const weights = [10, 50, 100];
  preamble(r, weights, 120_000);
  r.after(1_000);
  step(r, 1, 3, 10, 120_000, healthy(10));
  r.after(1_000);
  const failing = (i: number): Verdict =>
    i === 0
      ? pass({
          requests: 460,
          errors: 2,
          errorRate: 0.43,
          errorSource: 'haproxy',
          latencyMs: 190,
          latencyLabel: 'p99',
          probesOk: 6,
        })
      : i === 1
        ? verdict('inconclusive', 'only 12 requests on green (min-requests 20)', {
            requests: 12,
            errors: 0,
            errorRate: 0,
            errorSource: 'haproxy',
            probesOk: 6,
          })
        : verdict('fail', i === 2 ? 'error rate 3.1% (15/480, haproxy) > 1%' : ROLLBACK_REASON, {
            requests: 480,
            errors: i === 2 ? 15 : 20,
            errorRate: i === 2 ? 3.1 : 4.17,
            errorSource: 'haproxy',
            latencyMs: 2_350,
            latencyLabel: 'p99',
            probesOk: 4,
            probesFailed: 2,
          });
  step(r, 2, 3, 50, 120_000, failing);
  r.after(200).add({ type: 'phase', name: 'rollback', detail: 'back to blue' });
  r.add({
    type: 'weights',
    requested: { blue: 100, green: 0 },
    applied: { weights: { blue: 100, green: 0 }, detail: 'web/blue 256, web/green 0' },
  });
  hook(
    r.after(1_500),
    'rollback',
    './rollback.sh',
    `restored config\nwebhook ${WEBHOOK_URL} notified\n`,
    0,
    1_500,
  );
  r.add({
    type: 'rollback',
    reason: ROLLBACK_REASON,
    restored: { weights: { blue: 100, green: 0 }, detail: 'web/blue 256, web/green 0' },
  });
  r.after(300).add({
    type: 'run-end',
    result: 'rolled-back',
    live: 'blue',
    previous: 'green',
    weight: 0,
    reason: ROLLBACK_REASON,
  });
  return r.events;
}

export function heldRun(t0 = DEFAULT_T0): TimelineEvent[] {
  const r = new Recorder(t0);
  preamble(r, [25], 300_000, 25);
  r.after(1_000);
  step(r, 1, 1, 25, 300_000, healthy(25));
  r.after(200).add({
    type: 'run-end',
    result: 'held',
    live: 'blue',
    previous: 'green',
    weight: 25,
    reason: 'held at 25% (hold-at 25); run `promote` or `abort` to finish',
  });
  return r.events;
}

export function failedInputRun(t0 = DEFAULT_T0): TimelineEvent[] {
  const r = new Recorder(t0);
  r.add({
    type: 'error',
    message: 'canary-steps: "10,5|0" is not a comma list of ascending percents; expected e.g. 10,50',
  });
  r.add({
    type: 'error',
    message: `health-headers: line 2 "X-Health ${HEADER_SECRET}" has no colon; expected Name: value`,
  });
  r.add({ type: 'run-end', result: 'failed', reason: '2 inputs are invalid: no traffic was moved' });
  return r.events;
}

/**
 * A realistic canary 5,25,50 held 2m a step with probe-interval 5s (24 evaluations a step), rolled
 * back during step 3: a thin first step (inconclusive until min-requests, then a stretch with no
 * requests at all), a clean second step, errors climbing at 50%. Evaluation measures count the step
 * so far, as the judge gives them.
 */
export function rolledBackLongRun(t0 = DEFAULT_T0): TimelineEvent[] {
  const r = new Recorder(t0);
  const weights = [5, 25, 50, 100];
  preamble(r, weights, 120_000);
  const perEval: Record<number, (i: number) => { requests: number; errors: number }> = {
    5: (i) => ({ requests: i >= 12 && i < 16 ? 0 : 3, errors: 0 }),
    25: (i) => ({ requests: 15, errors: i === 9 ? 1 : 0 }),
    50: (i) => ({ requests: 30, errors: i < 5 ? 0 : i < 8 ? 1 : 3 }),
  };
  for (const [idx, weight] of weights.slice(0, 3).entries()) {
    const n = idx + 1;
    r.after(1_000).add({ type: 'phase', name: `step ${n}/4`, detail: `green → ${weight}% for 2m` });
    r.add({
      type: 'weights',
      step: n,
      requested: { blue: 100 - weight, green: weight },
      applied: {
        weights: { blue: 100 - weight, green: weight },
        detail: `web/blue ${100 - weight}, web/green ${weight}`,
      },
    });
    const startedAt = r.t;
    let requests = 0;
    let errors = 0;
    let streak = 0;
    for (let i = 0; i < 24; i++) {
      r.after(5_000);
      const d = perEval[weight]!(i);
      requests += d.requests;
      errors += d.errors;
      const rate = requests ? Math.round((errors / requests) * 10_000) / 100 : 0;
      const m: Measures = {
        requests,
        errors,
        errorRate: rate,
        errorSource: 'haproxy',
        probesOk: 1,
        probesFailed: 0,
      };
      let v: Verdict;
      if (requests < 20)
        v = verdict(
          'inconclusive',
          `only ${requests} requests on green in step ${n} so far, fewer than min-requests 20`,
          m,
        );
      else if (weight === 50 && errors >= 8)
        v = verdict(
          'fail',
          `green error rate ${rate}% (${errors} of ${requests} requests, HAProxy) is above the 1% limit: at least ${Math.max(1.1, rate / 3).toFixed(1)}% with 99% confidence`,
          m,
        );
      else
        v = verdict(
          'pass',
          `green error rate ${rate}% (${errors} of ${requests} requests, HAProxy) is within the 1% limit`,
          m,
        );
      streak = v.status === 'fail' ? streak + 1 : v.status === 'pass' ? 0 : streak;
      r.add({
        type: 'evaluation',
        step: n,
        of: 4,
        weight,
        elapsedMs: (i + 1) * 5_000,
        holdMs: 120_000,
        verdict: v,
        consecutiveFailures: streak,
      });
      if (streak >= 2) {
        r.after(300).add({
          type: 'rollback',
          reason: v.reason,
          restored: {
            weights: { blue: 100, green: 0 },
            detail: 'web/blue weight 100 UP, web/green weight 0 UP',
          },
          cause: 'verdict',
        });
        r.after(200).add({
          type: 'run-end',
          result: 'rolled-back',
          live: 'blue',
          previous: 'green',
          weight: 0,
          weightOf: 'green',
          weights: { blue: 100, green: 0 },
          reason: v.reason,
        });
        return r.events;
      }
    }
    const rate = Math.round((errors / requests) * 10_000) / 100;
    r.add({
      type: 'step-verdict',
      step: n,
      weight,
      startedAt,
      heldMs: 120_000,
      evaluations: 24,
      verdict: verdict(
        'pass',
        `green error rate ${rate}% (${errors} of ${requests} requests, HAProxy) is within the 1% limit`,
        {
          requests,
          errors,
          errorRate: rate,
          errorSource: 'haproxy',
          probesOk: 1,
          probesFailed: 0,
        },
      ),
    });
  }
  throw new Error('the long rolled-back run never rolled back');
}

export const RUNS = {
  promoted: promotedRun,
  'rolled-back': rolledBackRun,
  'rolled-back-long': rolledBackLongRun,
  held: heldRun,
  'failed-input': failedInputRun,
} as const;
