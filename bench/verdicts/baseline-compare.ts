// compare-to-stable: is the new slot's 5xx rate worse than the live slot's, beyond chance and beyond a trivial margin?
//
// The rule (input `compare-to-stable: true`), applied to the 5xx counts of one window:
//   - both slots need at least `min-requests` requests (and at least one), else INCONCLUSIVE;
//   - a one-sided two-proportion z-test with a pooled proportion:
//       p_new = e_new / n_new, p_stable = e_stable / n_stable, p = (e_new + e_stable) / (n_new + n_stable)
//       z = (p_new - p_stable) / sqrt(p (1 - p) (1/n_new + 1/n_stable))
//     "significantly worse" means z > 1.645 (new worse than stable at 95% confidence, one-sided);
//   - FAIL only when significantly worse AND p_new - p_stable > 0.5 percentage point. With huge counts
//     a 0.01% vs 0.02% difference is "significant" yet harmless; the margin keeps it from rolling back.
//   - otherwise PASS. The fixed `max-error-rate` limit still applies separately.
import type { Slot } from '../../src/config/types.js';
import type { VerdictStatus } from './baseline-types.js';
import { formatPercent } from '../../src/judge/format.js';

/** z for a one-sided test at 95% confidence. */
export const Z_CRITICAL = 1.645;
/** Smallest difference, in percentage points, that may fail a step. */
export const MIN_DIFFERENCE_POINTS = 0.5;

export interface SlotCounts {
  /** the slot as the reason names it: `green`, or `version 8` when the router names its slots */
  slot: Slot | string;
  requests: number;
  errors: number;
}

export interface Comparison {
  status: VerdictStatus;
  /** one clause for the verdict sentence */
  text: string;
  /** percent, when the stable side had requests */
  stableErrorRate?: number;
  z?: number;
}

/** The z statistic of "target's error proportion exceeds stable's"; 0 when both are all-success or all-error. */
export function twoProportionZ(target: SlotCounts, stable: SlotCounts): number {
  const p1 = target.errors / target.requests;
  const p2 = stable.errors / stable.requests;
  const pooled = (target.errors + stable.errors) / (target.requests + stable.requests);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / target.requests + 1 / stable.requests));
  // se is 0 only when the pooled rate is 0 or 1, i.e. both slots have the same rate
  return se > 0 ? (p1 - p2) / se : 0;
}

export function compareToStable(target: SlotCounts, stable: SlotCounts, minRequests: number): Comparison {
  const needed = Math.max(minRequests, 1);
  const stableRate = stable.requests > 0 ? (stable.errors / stable.requests) * 100 : undefined;
  const short = [target, stable].find((s) => s.requests < needed);
  if (short) {
    return {
      status: 'inconclusive',
      text: `only ${short.requests} requests on ${short.slot}, fewer than min-requests ${needed} to compare ${target.slot} with ${stable.slot}`,
      ...(stableRate !== undefined && { stableErrorRate: stableRate }),
    };
  }
  const targetRate = (target.errors / target.requests) * 100;
  const z = twoProportionZ(target, stable);
  const diff = targetRate - (stableRate ?? 0);
  const zText = Number(z.toFixed(2));
  const diffText = Number(diff.toFixed(2));
  const base = { stableErrorRate: stableRate, z };
  if (z > Z_CRITICAL && diff > MIN_DIFFERENCE_POINTS) {
    return {
      ...base,
      status: 'fail',
      text:
        `${target.slot} error rate ${formatPercent(targetRate)} is significantly above ${stable.slot}'s ${formatPercent(stableRate ?? 0)} ` +
        `(z ${zText} > ${Z_CRITICAL}, ${diffText} points > the ${MIN_DIFFERENCE_POINTS} allowed)`,
    };
  }
  const why = z > Z_CRITICAL ? `within ${MIN_DIFFERENCE_POINTS} points of` : 'not significantly above';
  return {
    ...base,
    status: 'pass',
    text: `${target.slot} error rate ${formatPercent(targetRate)} ${why} ${stable.slot}'s ${formatPercent(stableRate ?? 0)}`,
  };
}
