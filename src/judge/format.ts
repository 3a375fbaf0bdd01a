// How measured numbers read in verdict sentences: percents with one decimal, whole milliseconds.
import { formatDuration } from '../config/durations.js';

/** A measured percent: `4.8%`, `40%`, `0%`; below 0.1 two significant digits so `0.02%` is not shown as `0%`. */
export function formatPercent(value: number): string {
  if (!Number.isFinite(value)) return `${value}%`;
  if (value === 0) return '0%';
  if (Math.abs(value) < 0.1) return `${Number(value.toPrecision(2))}%`;
  return `${Number(value.toFixed(1))}%`;
}

/** A limit the user typed, shown as typed: `1%`, `0.5%`. */
export function formatLimitPercent(value: number): string {
  return `${value}%`;
}

/** A measured latency: `612ms`. */
export function formatMs(ms: number): string {
  return `${Math.round(ms)}ms`;
}

/** A duration limit in the input's own notation: `2s`, `500ms`, `1s500ms`. */
export function formatLimitMs(ms: number): string {
  return formatDuration(ms);
}

/** A user-facing quote of text we did not write, cut to `max` characters. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
