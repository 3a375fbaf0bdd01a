// The `max-latency` limit: a percentile and a duration, like p99<2s.
import type { LatencyLimit } from './types.js';
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
