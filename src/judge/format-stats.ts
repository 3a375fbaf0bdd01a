// How the statistical figures read: a confidence as the user typed it, points, signed shifts.
import type { LatencyIncrease } from '../config/types.js';
import { formatMs, formatPercent } from './format.js';

/** 0.99 → `99%`, 0.999 → `99.9%`. */
export function formatConfidence(c: number): string {
  return `${Number((c * 100).toFixed(4))}%`;
}

/** A difference of rates in percentage points: `+2.2 points`. */
export function formatPoints(points: number): string {
  const v = Math.abs(points) < 0.1 ? Number(points.toPrecision(2)) : Number(points.toFixed(1));
  return `${v >= 0 ? '+' : ''}${v} points`;
}

/** A latency shift in the tolerance's own unit: `+29%` or `+15ms`. */
export function formatShift(shift: number, tolerance: LatencyIncrease): string {
  if (tolerance.kind === 'percent') {
    const pct = Math.round(shift * 100);
    return `${pct >= 0 ? '+' : ''}${pct}%`;
  }
  return `${shift >= 0 ? '+' : '-'}${formatMs(Math.abs(shift))}`;
}

/**
 * A bound that lies above a limit, with just enough digits to show it: a lower bound of 1.04% against
 * a 1% limit reads `1.04%`, never `1%`.
 */
export function formatPercentAbove(value: number, limit: number): string {
  if (Number(formatPercent(value).slice(0, -1)) > limit) return formatPercent(value);
  for (const digits of [3, 4, 5, 6]) {
    const shown = Number(value.toPrecision(digits));
    if (shown > limit) return `${shown}%`;
  }
  return formatPercent(value);
}

/** A shift bound that clears a tolerance, with just enough precision to show it: `+20.3%`, never `+20%`. */
export function formatShiftAbove(shift: number, tolerance: LatencyIncrease): string {
  const shown = formatShift(shift, tolerance);
  const value = tolerance.kind === 'percent' ? shift * 100 : shift;
  if (value <= tolerance.value || Number(shown.replace(/[^\d.-]/g, '')) > tolerance.value) return shown;
  for (const digits of [1, 2, 3]) {
    const v = Number(value.toFixed(digits));
    if (v > tolerance.value) return tolerance.kind === 'percent' ? `+${v}%` : `+${v}ms`;
  }
  return shown;
}
