// Exact binomial tail probabilities: what a small count says, with no approximation.
import { betaIncLower } from './special.js';

/**
 * P(X ≥ k) for X ~ Binomial(n, p): the chance of seeing at least `k` failures in `n` trials if the
 * true rate were `p`. Exact: P(X ≥ k) = I_p(k, n − k + 1), the regularized incomplete beta function
 * (Abramowitz & Stegun 26.5.24).
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  return betaIncLower(p, k, n - k + 1);
}
