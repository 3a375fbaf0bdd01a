// Rules that need the plan: a config whose steps cannot be judged, or do not fit in `timeout`.
import type { Config, ConfigError, ConfigResult } from '../config/types.js';
import { InputReader } from '../config/reader.js';
import { parseInputs } from '../config/parse.js';
import { formatDuration } from '../config/durations.js';
import { ALB_MIN_HOLD_MS } from '../config/limits.js';
import { buildPlan } from './build.js';
import type { Plan } from './types.js';

/**
 * Inputs → Config with every rule applied, the plan's included: what main acts on. When only the
 * plan's rules fail, the config comes along (`config`), so `plan` can still draw what was refused.
 */
export function validateInputs(raw: Record<string, string>): ConfigResult {
  const parsed = parseInputs(raw);
  if (!parsed.ok) return parsed;
  const errors = checkFeasibility(parsed.config, raw);
  return errors.length ? { ok: false, errors, secrets: parsed.secrets, config: parsed.config } : parsed;
}

/** What the plan's holds are made of, by the inputs that set them: what to change to shorten it. */
function planLength(config: Config, plan: Plan): string {
  const steps = plan.phases.filter((p) => p.kind === 'shift' || p.kind === 'bake').length;
  const each =
    config.strategy.presetIntervalMs !== undefined
      ? `strategy ${config.strategy.name}`
      : `interval ${formatDuration(config.intervalMs)}`;
  const parts = [`${steps} step${steps === 1 ? '' : 's'} of ${each}`];
  for (const p of plan.phases) {
    if (p.kind === 'keep-previous') parts.push(`keep-previous ${formatDuration(p.holdMs)}`);
    if (p.kind === 'drain') parts.push(`drain-timeout ${formatDuration(p.holdMs)}`);
  }
  return parts.join(', ');
}

export function checkFeasibility(config: Config, raw: Record<string, string>): ConfigError[] {
  const r = new InputReader(raw);
  const p = config.provider;
  // the plan's holds only run on deploy and promote, and `plan` shows what deploy would do, so it
  // refuses the same; an on-call abort, rollback or status must never be refused for them
  const shifting = config.command === 'deploy' || config.command === 'promote' || config.command === 'plan';

  const plan = buildPlan(config, { ignoreHoldAt: true });
  const shifts = plan.phases.filter((ph) => ph.kind === 'shift');
  const shortest = Math.min(...shifts.map((s) => s.holdMs));
  // ALB and Lambda metrics come from CloudWatch the same way: per minute, minutes late
  const perMinute = p.kind === 'alb' ? 'ALB' : p.kind === 'lambda' ? 'Lambda' : undefined;
  if (shifting && perMinute && config.minRequests > 0 && shortest < ALB_MIN_HOLD_MS) {
    const preset =
      config.strategy.presetIntervalMs !== undefined || config.strategy.strategy.kind === 'all-at-once';
    r.bad(
      preset ? 'strategy' : 'interval',
      `holds a step for ${formatDuration(shortest)}, but ${perMinute} metrics are published per minute and about 2 minutes late, ` +
        `so such a step sees no whole minute of traffic and, with min-requests ${config.minRequests}, could never pass; ` +
        `hold steps for ${formatDuration(ALB_MIN_HOLD_MS)} or more, or set min-requests: 0 to judge on ${perMinute === 'ALB' ? 'probes, alarms and target health' : 'alarms, probes and checks'} only`,
      preset ? config.strategy.name : formatDuration(config.intervalMs),
    );
  }

  if (shifting && plan.totalMs >= config.timeoutMs) {
    r.bad(
      'timeout',
      `is not longer than the plan's ${formatDuration(plan.totalMs)} of holds, so the run would stop in the middle of ` +
        `the shift; give more, like ${formatDuration(Math.ceil((plan.totalMs * 1.5) / 60_000) * 60_000)}, or shorten the plan ` +
        `(${planLength(config, plan)})`,
    );
  }
  return r.errors;
}
