// The new slot's weight at each shift step, from the strategy alone (no hold-at, no timing).
import type { Strategy } from '../config/types.js';
import { intermediateWeights } from '../config/strategy.js';

/**
 * Percent weights of the NEW slot, ascending, always ending at 100. The intermediate weights
 * come from config/ (the same list `hold-at` is validated against); this side stays defensive
 * about values config/ already rejects, so a hand-built Config can never move traffic backwards,
 * past 100, or loop on a zero increment.
 */
export function shiftWeights(strategy: Strategy): number[] {
  if (strategy.kind === 'linear' && !(Number.isFinite(strategy.increment) && strategy.increment > 0))
    return [100];
  const out: number[] = [];
  for (const w of intermediateWeights(strategy)) {
    if (w > 0 && w < 100 && w > (out[out.length - 1] ?? 0)) out.push(w);
  }
  return [...out, 100];
}

/**
 * The weights a run stops at when `hold-at` is set: every planned weight below `holdAt`, then
 * `holdAt` itself. When `holdAt` is one of the planned weights this is a plain truncation; when it
 * is not, the run still stops at exactly the weight the user asked for instead of overshooting.
 */
export function weightsUpTo(weights: number[], holdAt: number): number[] {
  return [...weights.filter((w) => w < holdAt), holdAt];
}
