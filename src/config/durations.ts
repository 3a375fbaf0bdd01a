// Durations as users type them (`500ms`, `30s`, `5m`, `1h30m`) to milliseconds and back.

/** The accepted form, for error messages. */
export const DURATION_FORM =
  'a duration of whole h, m, s or ms units written together, like 500ms, 30s, 5m or 1h30m';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
// Units must appear largest first, each at most once, so `1h30m` has one reading and `30m1h` is a typo.
const ORDER: readonly Unit[] = ['h', 'm', 's', 'ms'];
// `ms` before `m` so `500ms` is not read as 500 minutes followed by garbage.
const PART = String.raw`(\d+)(ms|h|m|s)`;

/**
 * Milliseconds for a duration like `1h30m`, or undefined when the text is not one.
 * A bare number is rejected on purpose: `interval: 5` could mean seconds or minutes.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '') return undefined;
  // a fresh sticky regex per call: its lastIndex is the parser's cursor
  const part = new RegExp(PART, 'y');
  let total = 0;
  let nextUnit = 0;
  while (part.lastIndex < text.length) {
    const m = part.exec(text);
    if (!m) return undefined;
    const unit = m[2] as Unit;
    const rank = ORDER.indexOf(unit);
    if (rank < nextUnit) return undefined;
    nextUnit = rank + 1;
    total += Number(m[1]) * UNIT_MS[unit];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** The shortest text parseDuration reads back as the same number of ms: `1h30m`, `5m`, `30s`, `500ms`, `0s`. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of ORDER) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * UNIT_MS[unit];
  }
  return out;
}

/** Elapsed and held times to the second (`1m10s`, not `1m10s123ms`); sub-second spans keep their ms. */
export function formatElapsed(ms: number): string {
  return formatDuration(ms >= 1000 ? Math.round(ms / 1000) * 1000 : ms);
}
