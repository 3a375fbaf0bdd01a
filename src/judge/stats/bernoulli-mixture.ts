// An anytime-valid sequential test of "failure rate ≤ p0" on counts of failures in trials, and the
// confidence bounds it gives when inverted.
//
// The test statistic is the likelihood ratio of a mixture of alternatives against the null rate p0:
//
//   M(k, n; p0) = ∫ (q/p0)^k ((1−q)/(1−p0))^(n−k) π(q) dq,   π uniform on (p0, 1].
//
// For each q > p0 the ratio is a nonnegative martingale when every trial fails with probability p0,
// and a supermartingale when every trial fails with a probability ≤ p0 (each factor's expectation is
// p·q/p0 + (1−p)(1−q)/(1−p0) ≤ 1 for p ≤ p0); so is their mixture. By Ville's inequality
// P(M ever reaches 1/α) ≤ α, however often it is looked at and whenever the looks stop (Ville 1939;
// Robbins 1970; Howard, Ramdas, McAuliffe & Sekhon, Ann. Statist. 2021). Rejecting "rate ≤ p0" when
// M ≥ 1/α is therefore wrong with probability at most α over a whole deploy.
//
// With the uniform prior the integral has a closed form in the incomplete beta function:
//   ∫_{p0}^1 q^k (1−q)^(n−k) dq = B(k+1, n−k+1) · (1 − I_{p0}(k+1, n−k+1)).
// Special values used as reference checks: M(0, n) = 1/(n+1) and
// M(n, n) = (1 − p0^(n+1)) / ((n+1)(1−p0) p0^n).
//
// Inverting the test gives a confidence sequence: every p with M(k, n; p) ≥ 1/α is rejected, so the
// rate is at least the largest such p, simultaneously at every n, with probability ≥ 1 − α.
import { betaIncUpper, logBeta } from './special.js';

/** ln M(k, n; p0): the evidence, in nats, that the failure rate is above p0. */
export function logEvidence(k: number, n: number, p0: number): number {
  if (n <= 0) return 0;
  if (p0 >= 1) return Number.NEGATIVE_INFINITY;
  if (p0 <= 0) return k > 0 ? Number.POSITIVE_INFINITY : -Math.log(n + 1);
  // below the null rate the likelihood ratio of every q > p0 is at most 1
  const tail = betaIncUpper(p0, k + 1, n - k + 1);
  if (!(tail > 0)) return Number.NEGATIVE_INFINITY;
  return (
    logBeta(k + 1, n - k + 1) +
    Math.log(tail) -
    Math.log1p(-p0) -
    k * Math.log(p0) -
    (n - k) * Math.log1p(-p0)
  );
}

/** M(k, n; p0), the e-value (may be Infinity or 0). */
export function evidence(k: number, n: number, p0: number): number {
  return Math.exp(logEvidence(k, n, p0));
}

/** True when `k` failures in `n` trials reject "rate ≤ p0" at level α: M(k, n; p0) ≥ 1/α. */
export function rejects(k: number, n: number, p0: number, alpha: number): boolean {
  if (k <= 0 || n <= 0) return false;
  // at or below the null rate the likelihood of every q > p0 is lower: M ≤ 1 < 1/α
  if (k <= n * p0) return false;
  return logEvidence(k, n, p0) >= -Math.log(alpha);
}

const CRITICAL_CACHE_MAX = 50_000;
const criticalCache = new Map<string, Map<number, number>>();

/**
 * The fewest failures in `n` trials that reject "rate ≤ p0" at level α (n + 1 when none does).
 * M grows with k at fixed n, so a binary search finds it; results are cached per (p0, α).
 */
export function criticalCount(n: number, p0: number, alpha: number): number {
  const key = `${p0}|${alpha}`;
  let byN = criticalCache.get(key);
  if (!byN) criticalCache.set(key, (byN = new Map()));
  const hit = byN.get(n);
  if (hit !== undefined) return hit;
  let lo = Math.max(1, Math.floor(n * p0) + 1);
  let hi = n + 1;
  if (lo > n || !rejects(n, n, p0, alpha)) lo = hi = n + 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rejects(mid, n, p0, alpha)) hi = mid;
    else lo = mid + 1;
  }
  if (byN.size >= CRITICAL_CACHE_MAX) byN.clear();
  byN.set(n, lo);
  return lo;
}

/**
 * Anytime-valid lower confidence bound on the failure rate after `k` failures in `n` trials:
 * every rate below it is rejected at level α. 0 when nothing is.
 */
export function rateLowerBound(k: number, n: number, alpha: number): number {
  if (k <= 0 || n <= 0) return 0;
  const reject = (p: number) => p <= 0 || logEvidence(k, n, p) >= -Math.log(alpha);
  // nothing at or above the observed rate is rejected (M ≤ 1 there)
  let lo = 0;
  let hi = k / n;
  if (reject(hi)) return hi;
  for (let i = 0; i < 100 && hi - lo > 1e-9 * Math.max(hi, 1e-9); i++) {
    const mid = (lo + hi) / 2;
    if (reject(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Anytime-valid upper confidence bound on the failure rate: the mirror image on the successes. */
export function rateUpperBound(k: number, n: number, alpha: number): number {
  if (n <= 0) return 1;
  return 1 - rateLowerBound(n - k, n, alpha);
}
