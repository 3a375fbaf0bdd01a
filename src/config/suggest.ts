// "Did you mean ...?" for inputs that take one of a few words: the closest accepted word, when close enough.

/** Edits (insert, delete, substitute, swap two neighbours) between a and b: optimal string alignment distance. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The accepted word closest to `value` (letter case, spaces, hyphens and underscores ignored), when
 * at most about a third of it differs: `canery` → canary, `bluegreen` → blue-green, `rolling` → none.
 */
export function closest(value: string, accepted: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '');
  const v = norm(value);
  if (v === '') return undefined;
  let best: { word: string; distance: number } | undefined;
  for (const word of accepted) {
    const distance = editDistance(v, norm(word));
    if (!best || distance < best.distance) best = { word, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(v.length, norm(best.word).length) / 3));
  return best.distance <= allowed ? best.word : undefined;
}

/** `; did you mean canary?`, or '' when nothing is close. */
export function didYouMean(value: string, accepted: readonly string[]): string {
  const word = closest(value, accepted);
  return word ? `; did you mean ${word}?` : '';
}
