// The `max-latency` limit: a percentile and a duration, like p99<2s.
import type { LatencyIncrease, LatencyLimit } from './types.js';
import { parseDuration } from './durations.js';

export const LATENCY_FORM =
  'p<percentile><<duration> with a percentile from 1 to 99.9, like p99<2s, p95<500ms or p99.9<1s';

export function parseLatencyLimit(text: string): LatencyLimit | undefined {
  const m = /^p(\d+(?:\.\d+)?)\s*<\s*(\S+)$/.exec(text);
  if (!m) return undefined;
  const percentile = Number(m[1]);
  const maxMs = parseDuration(m[2] ?? '');
  if (!(percentile >= 1 && percentile <= 99.9) || maxMs === undefined || maxMs <= 0) return undefined;
  return { percentile, maxMs, text };
}

export const LATENCY_INCREASE_FORM =
  "a percent of the live slot's latency like 20% (above 0, at most 1000%), or a duration above it like 25ms or 1s";

export function parseLatencyIncrease(text: string): LatencyIncrease | undefined {
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (pct) {
    const value = Number(pct[1]);
    return value > 0 && value <= 1000 ? { kind: 'percent', value, text: `${value}%` } : undefined;
  }
  const ms = parseDuration(text);
  return ms !== undefined && ms > 0 ? { kind: 'ms', value: ms, text } : undefined;
}

export const CONFIDENCE_FORM = 'a percent above 50 and below 100, like 99%, 95% or 99.9%';

/** `99%` or `99` → 0.99; undefined unless strictly between 50% and 100%. */
export function parseConfidence(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text);
  if (!m) return undefined;
  const pct = Number(m[1]);
  // 99.9 / 100 is 0.9990000000000001 in binary: keep the digits the user typed
  return pct > 50 && pct < 100 ? Number((pct / 100).toPrecision(12)) : undefined;
}
