// Signals in, verdicts out. Shared by checks/ (which produce signals) and judge/ (which reads them).
import type { Slot } from '../config/types.js';

export type Signal =
  /** one HTTP probe; `via: 'service'` went through the load balancer, `'slot'` hit the new slot directly */
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
    }
  /** real traffic on one slot over a window: counts are deltas, never lifetime totals */
  | {
      kind: 'traffic';
      at: number;
      slot: Slot;
      source: 'haproxy' | 'alb' | 'lambda';
      /** Lambda: Invocations + Throttles (Invocations leaves throttled requests out) */
      requests: number;
      /** Lambda: Errors + Throttles, so a throttled request counts as a failed one */
      errors5xx: number;
      /** Lambda: the Throttles already folded into `requests` and `errors5xx`, for the reason's wording */
      throttles?: number;
      /** mean response time over the window or HAProxy's rolling mean */
      meanLatencyMs?: number;
      /** percentile → ms, when the source has them (CloudWatch pNN) */
      latencyPercentilesMs?: Record<number, number>;
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

/** The measured values behind a verdict, for the log line and the report. */
export interface Measures {
  requests?: number;
  errors?: number;
  /** percent */
  errorRate?: number;
  errorSource?: 'haproxy' | 'alb' | 'lambda' | 'probes';
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
}

export interface Limits {
  maxErrorRate: number;
  maxLatency?: { percentile: number; maxMs: number; text: string };
  minRequests: number;
  compareToStable: boolean;
  maxUnhealthyTargets: number;
}
