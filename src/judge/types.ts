// Signals in, verdicts out. Shared by checks/ (which produce signals) and judge/ (which reads them).
//
// A provider adds its real-traffic source by adding a name to TrafficSource (and its label in
// judge/latency.ts); everything else about a traffic signal is provider-neutral: requests and failed
// requests since the previous reading, and whatever latency the source gives (per-request samples,
// percentiles, a mean). The judge's tests read only these fields.
import type { LatencyIncrease, Slot } from '../config/types.js';

/** Who measured real traffic. */
export type TrafficSource = 'haproxy' | 'alb' | 'lambda';

export type Signal =
  /**
   * One HTTP probe; `via: 'service'` went through the load balancer, `'slot'` hit one slot directly
   * (`slot` says which). Probes sent to both slots at the same instant share `pair`: paired latency
   * samples for the comparison with the live slot.
   */
  | {
      kind: 'probe';
      at: number;
      url: string;
      via: 'service' | 'slot';
      ok: boolean;
      status?: number;
      latencyMs: number;
      /** why it failed, e.g. `status 503 not in 200-299`, `timeout after 3s`, `body lacks "ready"` */
      error?: string;
      /** the slot a direct probe reached; unset on a direct probe means the new slot */
      slot?: Slot;
      pair?: number;
    }
  /** real traffic on one slot since the source's previous reading: counts are deltas, never lifetime totals */
  | {
      kind: 'traffic';
      at: number;
      slot: Slot;
      source: TrafficSource;
      /** Lambda: Invocations + Throttles (Invocations leaves throttled requests out) */
      requests: number;
      /**
       * failed requests answered by or on behalf of the slot: HAProxy `hrsp_5xx` + `eresp`, ALB
       * `HTTPCode_Target_5XX_Count`, Lambda Errors + Throttles (the name stays for compatibility)
       */
      errors5xx: number;
      /** Lambda: the Throttles already folded into `requests` and `errors5xx`, for the reason's wording */
      throttles?: number;
      /** mean response time over the window or HAProxy's rolling mean (last 1024 requests) */
      meanLatencyMs?: number;
      /** percentile → ms, when the source has them (CloudWatch pNN, worst minute of the reading) */
      latencyPercentilesMs?: Record<number, number>;
      /** per-request response times, ms, when the source gives them */
      latencySamplesMs?: number[];
      /** newest data point included, for late sources (CloudWatch), epoch ms */
      dataUpTo?: number;
    }
  | { kind: 'alarm'; at: number; name: string; state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; reason?: string }
  | { kind: 'targets'; at: number; slot: Slot; total: number; unhealthy: number; reasons: string[] }
  /** check-command's run */
  | { kind: 'command'; at: number; command: string; exitCode: number; output: string }
  /**
   * The monitoring itself failed (a check threw or hung: HAProxy socket lost, CloudWatch unreachable):
   * no measurement, so no verdict on the version. Like Argo Rollouts' measurement `Error` phase.
   */
  | { kind: 'fault'; at: number; source: string; message: string };

export type VerdictStatus = 'pass' | 'fail' | 'inconclusive';

/** The statistical tests, each with its share of the error budget. */
export type TestId =
  'error-limit' | 'latency-limit' | 'compare-errors' | 'compare-latency' | 'compare-latency-tail';

/** Where one statistical test stands, for the report. */
export interface TestReport {
  id: TestId;
  status: VerdictStatus;
  /** one clause of the verdict sentence */
  text: string;
  /** its share of 1 − confidence */
  alpha: number;
}

/** The measured values behind a verdict, for the log line and the report. */
export interface Measures {
  /** the new slot's real-traffic requests and failed requests in the step (or the evaluation's step so far) */
  requests?: number;
  errors?: number;
  /** percent */
  errorRate?: number;
  errorSource?: TrafficSource | 'probes';
  /**
   * percent of both slots' real requests the new slot served in the window: what the router
   * realised, beside the weight it was given (Lambda routes each request at random)
   */
  targetShare?: number;
  latencyMs?: number;
  latencyLabel?: string;
  probesOk?: number;
  probesFailed?: number;
  stableErrorRate?: number;
  /** newest data point behind the traffic figures (late sources: CloudWatch), epoch ms */
  dataUpTo?: number;
}

export interface Verdict {
  status: VerdictStatus;
  /** one sentence with the measured values and the limits, deciding clauses first */
  reason: string;
  /** only the clauses that decided the status (the failing ones of a fail): what a rollback reports */
  decisive?: string;
  measures: Measures;
  /** the statistical tests' states when this verdict was given */
  tests?: TestReport[];
}

export interface Limits {
  /** percent, 0..100 */
  maxErrorRate: number;
  maxLatency?: { percentile: number; maxMs: number; text: string };
  minRequests: number;
  compareToStable: boolean;
  maxUnhealthyTargets: number;
  /** the deploy's confidence, e.g. 0.99: the statistical tests share 1 − confidence */
  confidence: number;
  /** consecutive failed readings of one probe URL, check command, alarm or target group */
  failureThreshold: number;
  /** percentage points the new slot's 5xx rate may exceed the live slot's */
  maxErrorRateIncrease: number;
  maxLatencyIncrease: LatencyIncrease;
  /** blast-radius budget: more failed requests than this on the new slot roll back */
  maxFailedRequests?: number;
}
