// Rules that need the whole Config (and its plan): combinations that parse one by one but cannot work.
import type { Config } from './types.js';
import type { InputReader } from './reader.js';
import { buildPlan } from '../plan/build.js';
import { formatDuration } from './durations.js';

/** One DescribeAlarms call per evaluation reads at most this many alarms. */
export const MAX_ALARMS = 100;

/** ALB metrics come per minute, about two minutes late: a step needs this long to see one whole minute. */
export const ALB_MIN_HOLD_MS = 3 * 60_000;

export function checkWholeConfig(config: Config, r: InputReader): void {
  const p = config.provider;
  const acting = config.command !== 'plan';
  // the plan's holds only run on deploy and promote: an on-call abort or rollback must never be refused for them
  const shifting = config.command === 'deploy' || config.command === 'promote';

  if (p.kind === 'command' && acting && !p.statusCommand) {
    r.problem(
      'traffic-status-command',
      'is required with provider command: a command printing the current split as JSON, like {"blue":100,"green":0}; ' +
        'without it Glidepath cannot tell which slot is live and would have to guess',
    );
  }
  if (p.kind === 'command' && config.holdAt === 50) {
    r.bad(
      'hold-at',
      'leaves both slots at 50%, and with provider command nothing records which one is new, so promote and abort ' +
        'could not tell them apart; hold at another weight of the plan',
    );
  }

  const plan = buildPlan(config, { ignoreHoldAt: true });
  const shifts = plan.phases.filter((ph) => ph.kind === 'shift');
  const shortest = Math.min(...shifts.map((s) => s.holdMs));
  if (shifting && p.kind === 'alb' && config.minRequests > 0 && shortest < ALB_MIN_HOLD_MS) {
    const preset =
      config.strategy.presetIntervalMs !== undefined || config.strategy.strategy.kind === 'all-at-once';
    r.bad(
      preset ? 'strategy' : 'interval',
      `holds a step for ${formatDuration(shortest)}, but ALB metrics are published per minute and about 2 minutes late, ` +
        `so such a step sees no whole minute of traffic and, with min-requests ${config.minRequests}, could never pass; ` +
        `hold steps for ${formatDuration(ALB_MIN_HOLD_MS)} or more, or set min-requests: 0 to judge on probes, alarms and target health only`,
      preset ? config.strategy.name : formatDuration(config.intervalMs),
    );
  }

  if (shifting && plan.totalMs >= config.timeoutMs) {
    r.bad(
      'timeout',
      `is not longer than the plan's ${formatDuration(plan.totalMs)} of holds, so the run would stop in the middle of ` +
        `the shift; give more, like ${formatDuration(Math.ceil((plan.totalMs * 1.5) / 60_000) * 60_000)}, or shorten the plan`,
    );
  }
}
