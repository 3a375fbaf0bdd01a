// Anytime-valid confidence bounds on a quantile of a latency distribution, from order statistics.
//
// For a candidate m, "the q-quantile is at most m" implies P(X > m) ≤ 1 − q: the indicators
// 1{X_i > m} are Bernoulli with a rate at most 1 − q, which the mixture test of bernoulli-mixture.ts
// rejects when at least k* = criticalCount(n, 1 − q, α) samples exceed m. Every m below the k*-th
// largest sample is rejected, so the quantile is at least that sample (and symmetrically at most the
// j*-th smallest, j* = criticalCount(n, q, α)). This is the construction of Howard & Ramdas,
// "Sequential estimation of quantiles with applications to A/B-testing and best-arm identification"
// (Bernoulli 28(3), 2022), with the beta-binomial mixture as the boundary; valid at every n at once.
import { criticalCount } from './bernoulli-mixture.js';

/** Samples sorted ascending (a copy). */
export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * Lower confidence bound (level 1 − α) on the q-quantile (0 < q < 1) of the distribution the
 * samples come from; undefined while too few samples allow any statement.
 */
export function quantileLowerBound(sorted: readonly number[], q: number, alpha: number): number | undefined {
  const n = sorted.length;
  const k = criticalCount(n, 1 - q, alpha);
  return k <= n ? sorted[n - k] : undefined;
}

/** Upper confidence bound (level 1 − α) on the q-quantile; undefined while too few samples. */
export function quantileUpperBound(sorted: readonly number[], q: number, alpha: number): number | undefined {
  const n = sorted.length;
  const j = criticalCount(n, q, alpha);
  return j <= n ? sorted[j - 1] : undefined;
}
