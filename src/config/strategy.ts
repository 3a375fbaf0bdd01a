// Reads the `strategy` input (a plain name or an AWS CodeDeploy preset name) and the weights a strategy steps through.
import type { Strategy } from './types.js';

export type StrategyKind = 'blue-green' | 'canary' | 'linear' | 'all-at-once';

export interface ParsedStrategyName {
  kind: StrategyKind;
  /** present when the name was a CodeDeploy preset; it may carry its own percent and hold time */
  preset?: { percent?: number; intervalMs?: number };
}

/** The accepted form, for error messages. */
export const STRATEGY_FORM =
  'blue-green, canary, linear, all-at-once, or a CodeDeploy preset like Canary10Percent5Minutes, ' +
  'Linear10PercentEvery1Minute or AllAtOnce (optionally CodeDeployDefault. and ECS/Lambda in front; ' +
  'percent 1 to 99, at least 1 minute)';

const PLAIN: readonly StrategyKind[] = ['blue-green', 'canary', 'linear', 'all-at-once'];
/** The plain names, for "did you mean" (presets are a pattern, not a list). */
export const STRATEGY_NAMES: readonly string[] = PLAIN;

// One pattern for every preset AWS has published and will publish in this shape
// (CodeDeployDefault.ECSCanary10Percent15Minutes, LambdaLinear10PercentEvery2Minutes,
// Linear10PercentEvery1Minute, ...), rather than a table that goes stale.
const PRESET =
  /^(?:CodeDeployDefault\.)?(?:ECS|Lambda)?(?:Canary(\d+)Percent(\d+)Minutes?|Linear(\d+)PercentEvery(\d+)Minutes?|(AllAtOnce))$/i;

const MINUTE_MS = 60_000;

/** The strategy a name stands for, or undefined when it names none (or a preset's numbers are out of range). */
export function parseStrategyName(value: string): ParsedStrategyName | undefined {
  const text = value.trim();
  const plain = PLAIN.find((k) => k === text.toLowerCase());
  if (plain) return { kind: plain };

  const m = PRESET.exec(text);
  if (!m) return undefined;
  if (m[5] !== undefined) return { kind: 'all-at-once', preset: {} };

  const canary = m[1] !== undefined;
  const percent = Number(canary ? m[1] : m[3]);
  const minutes = Number(canary ? m[2] : m[4]);
  if (!Number.isInteger(percent) || percent < 1 || percent > 99) return undefined;
  if (!Number.isSafeInteger(minutes * MINUTE_MS) || minutes < 1) return undefined;
  return { kind: canary ? 'canary' : 'linear', preset: { percent, intervalMs: minutes * MINUTE_MS } };
}

export const CANARY_STEPS_FORM =
  'ascending whole percents between 1 and 99 separated by commas, like 5,25,50';

/**
 * `10, 50` or `10%,50%` → [10, 50]; undefined unless every item is a whole percent in 1..99 and they
 * strictly ascend.
 */
export function parseCanarySteps(text: string): number[] | undefined {
  const steps: number[] = [];
  for (const item of text.split(',').map((s) => s.trim().replace(/\s*%$/, ''))) {
    if (!/^\d+$/.test(item)) return undefined;
    const n = Number(item);
    const prev = steps[steps.length - 1];
    if (n < 1 || n > 99 || (prev !== undefined && n <= prev)) return undefined;
    steps.push(n);
  }
  return steps;
}

/** The weights below 100 a strategy stops at: where `hold-at` can hold. */
export function intermediateWeights(strategy: Strategy): number[] {
  switch (strategy.kind) {
    case 'canary':
      return strategy.steps;
    case 'linear': {
      const out: number[] = [];
      for (let w = strategy.increment; w < 100; w += strategy.increment) out.push(w);
      return out;
    }
    default:
      return [];
  }
}
