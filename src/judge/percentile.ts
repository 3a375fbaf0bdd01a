// Nearest-rank percentile: always one of the measured values, never an interpolation between two.

/**
 * The smallest value such that at least `p` percent of `values` are ≤ it (nearest-rank method).
 * `p` is in (0, 100]; p ≤ 0 gives the minimum. Undefined for no values.
 * Nearest-rank is used because with a handful of probes an interpolated p99 would be a latency
 * nobody observed; here p99 of 10 probes is simply the slowest one.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * sorted.length);
  return sorted[Math.max(rank, 1) - 1];
}
