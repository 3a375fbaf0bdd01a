// The lower bound of a Wilson score interval: how low a rate can plausibly be, given k of n.

/** One-sided 95%. */
export const Z_95_ONE_SIDED = 1.645;
export const Z_99_ONE_SIDED = 2.326;

/**
 * Lower bound, in percent, of the true rate behind `k` events in `n` trials. Small windows give
 * wide intervals, so a 2-in-100 blip does not "prove" a rate above 1%, while 10 errors in 10
 * requests does at once.
 */
export function wilsonLowerBound(k: number, n: number, z = Z_95_ONE_SIDED): number {
  if (n <= 0) return 0;
  const p = Math.min(1, Math.max(0, k / n));
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return (Math.max(0, centre - margin) / (1 + z2 / n)) * 100;
}
