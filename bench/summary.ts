// Small statistics for repeated measurements: median, min, max of a list of numbers.

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

/** Median (mean of the two middle values for an even count), min and max; throws on an empty list. */
export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values measured (repeat count 0?)');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n: sorted.length, median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** Rounds a millisecond figure for a table: 1 decimal under 10 ms, whole numbers above. */
export function roundMs(ms: number): number {
  return ms < 10 ? Math.round(ms * 10) / 10 : Math.round(ms);
}
