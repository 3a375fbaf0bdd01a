// The pure planner: Config → Plan (phases in order, weight steps, hold times).
import type { Config } from '../config/types.js';
import type { Phase, Plan } from './types.js';
import { describeChecks } from './checks.js';
import { shiftWeights, weightsUpTo } from './weights.js';

export interface BuildOptions {
  /** plan the whole way to 100 even when `hold-at` is set (what `promote` continues from) */
  ignoreHoldAt?: boolean;
}

export function buildPlan(config: Config, options: BuildOptions = {}): Plan {
  const holdAt = options.ignoreHoldAt ? undefined : config.holdAt;
  const phases: Phase[] = [];
  const { hooks } = config;

  if (hooks.backup) phases.push({ kind: 'backup', command: hooks.backup });
  if (hooks.deploy) phases.push({ kind: 'deploy', command: hooks.deploy });
  const invoke = config.provider.kind === 'lambda' && config.provider.preTrafficPayload !== undefined;
  if (config.preTrafficUrls.length > 0 || invoke || hooks.smoke) {
    phases.push({
      kind: 'pre-traffic',
      urls: config.preTrafficUrls.map((t) => t.text),
      ...(invoke ? { invoke } : {}),
      ...(hooks.smoke ? { smoke: hooks.smoke } : {}),
    });
  }

  if (config.provider.kind === 'none') {
    // strategy and steps do not apply: the platform swaps the version in one go
    phases.push({ kind: 'bake', holdMs: config.intervalMs, checks: describeChecks(config, 100) });
    return { strategy: 'in place (provider none)', phases, totalMs: totalOf(phases), inPlace: true };
  }

  const all = shiftWeights(config.strategy.strategy);
  const weights = holdAt === undefined ? all : weightsUpTo(all, holdAt);
  // all-at-once is the emergency path: one evaluation right after the switch, no bake
  const holdMs = config.strategy.strategy.kind === 'all-at-once' ? 0 : config.intervalMs;
  weights.forEach((weight, i) => {
    phases.push({
      kind: 'shift',
      step: i + 1,
      of: weights.length,
      weight,
      holdMs,
      checks: describeChecks(config, weight),
    });
  });

  // a held run leaves both slots serving; keep-previous and cleanup belong to `promote`
  if (holdAt === undefined) {
    if (config.keepPreviousMs > 0) phases.push({ kind: 'keep-previous', holdMs: config.keepPreviousMs });
    if (hooks.cleanup) {
      // sessions still open on the old slot (WebSockets, long responses) would be cut by the cleanup
      if (config.drainTimeoutMs > 0) phases.push({ kind: 'drain', holdMs: config.drainTimeoutMs });
      phases.push({ kind: 'cleanup', command: hooks.cleanup });
    }
  }

  return {
    strategy: strategyLabel(config),
    phases,
    totalMs: totalOf(phases),
    ...(holdAt === undefined ? {} : { holdAt }),
  };
}

/**
 * What `promote` runs after a held deploy: the shifts above the held weight, then the tail.
 * `plan` must go all the way to 100 (built with `ignoreHoldAt`); the shift steps are renumbered
 * 1..N so the continued plan stands on its own.
 */
export function continuePlan(plan: Plan, fromWeight: number): Plan {
  if (plan.holdAt !== undefined) {
    throw new Error(
      `continuePlan needs the full plan, but this one stops at hold-at ${plan.holdAt}%; build it with { ignoreHoldAt: true }`,
    );
  }
  const shifts = plan.phases.filter(
    (p): p is Extract<Phase, { kind: 'shift' }> => p.kind === 'shift' && p.weight > fromWeight,
  );
  const tail = plan.phases.filter(
    (p) => p.kind === 'keep-previous' || p.kind === 'drain' || p.kind === 'cleanup',
  );
  const phases: Phase[] = [...shifts.map((p, i) => ({ ...p, step: i + 1, of: shifts.length })), ...tail];
  return { strategy: plan.strategy, phases, totalMs: totalOf(phases) };
}

/** Convenience for `promote`: the rest of the config's full plan above `fromWeight`. */
export function promotePlan(config: Config, fromWeight: number): Plan {
  return continuePlan(buildPlan(config, { ignoreHoldAt: true }), fromWeight);
}

function totalOf(phases: Phase[]): number {
  return phases.reduce((sum, p) => sum + ('holdMs' in p ? p.holdMs : 0), 0);
}

function strategyLabel(config: Config): string {
  const { name, strategy } = config.strategy;
  return name === '' || name === strategy.kind ? strategy.kind : `${name} (${strategy.kind})`;
}
