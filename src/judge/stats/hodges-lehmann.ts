// Hodges–Lehmann estimates of a shift: robust to the odd slow request, as a mean is not.
//
// One sample (paired differences): the median of the Walsh averages (d_i + d_j)/2, i ≤ j.
// Two samples: the median of all differences x_i − y_j. Hodges & Lehmann, "Estimates of location
// based on rank tests", Ann. Math. Statist. 34 (1963); Hollander & Wolfe, Nonparametric Statistical
// Methods (1999), §3.2 and §4.2. Both are quadratic in the sample size, so beyond `MAX_EXACT` samples
// the estimate is taken over that many evenly spaced samples (in arrival order), which moves it by
// far less than the reasons' rounding.

export const MAX_EXACT = 150;

/** The k-th smallest (0-based) by quickselect: linear on average, where a sort is n log n. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

function median(a: Float64Array): number {
  const mid = a.length >> 1;
  if (a.length % 2) return select(a, mid);
  return (select(a, mid - 1) + select(a, mid)) / 2;
}

function thin(values: readonly number[], max: number): readonly number[] {
  if (values.length <= max) return values;
  const step = values.length / max;
  return Array.from({ length: max }, (_, i) => values[Math.floor(i * step)]!);
}

/** The one-sample Hodges–Lehmann estimate (pseudo-median); undefined for no samples. */
export function hodgesLehmannOneSample(values: readonly number[]): number | undefined {
  const d = thin(values, MAX_EXACT);
  if (d.length === 0) return undefined;
  const walsh = new Float64Array((d.length * (d.length + 1)) / 2);
  let w = 0;
  for (let i = 0; i < d.length; i++) for (let j = i; j < d.length; j++) walsh[w++] = (d[i]! + d[j]!) / 2;
  return median(walsh);
}

/** The two-sample Hodges–Lehmann estimate of the shift of `x` over `y`; undefined when either is empty. */
export function hodgesLehmannTwoSample(x: readonly number[], y: readonly number[]): number | undefined {
  const a = thin(x, MAX_EXACT / 2);
  const b = thin(y, MAX_EXACT / 2);
  if (a.length === 0 || b.length === 0) return undefined;
  const diffs = new Float64Array(a.length * b.length);
  let w = 0;
  for (const u of a) for (const v of b) diffs[w++] = u - v;
  return median(diffs);
}
