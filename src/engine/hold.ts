// Holds one shift step: evaluates every probe-interval, asks the judge, and says why to roll back (or nothing).
import type { Config, Slot } from '../config/types.js';
import { CHECK_READ_GRACE_MS } from '../config/limits.js';
import type { Phase } from '../plan/types.js';
import type { Limits, Signal, Verdict } from '../judge/types.js';
import { judge, type JudgeOptions } from '../judge/thresholds.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Clock } from '../ports/clock.js';
import type { Timeline } from '../ports/timeline.js';
import { errorMessage, raceAbort } from './fault.js';

type Shift = Extract<Phase, { kind: 'shift' }>;

interface HoldDeps {
  config: Config;
  checks: Check[];
  clock: Clock;
  timeline: Timeline;
  signal: AbortSignal;
}

export const limitsOf = (c: Config): Limits => ({
  maxErrorRate: c.maxErrorRate,
  maxLatency: c.maxLatency,
  minRequests: c.minRequests,
  compareToStable: c.compareToStable,
  maxUnhealthyTargets: c.maxUnhealthyTargets,
});

/** Why a step fails: a verdict on the new version, or a fault of the monitoring itself. */
export interface HoldFailure {
  reason: string;
  cause: 'verdict' | 'fault';
}

/**
 * A failure that only monitoring faults explain (a socket lost, CloudWatch unreachable) is a fault of
 * the run: it fails, but the version is not judged bad.
 */
function causeOf(
  signals: readonly Signal[],
  limits: Limits,
  target: Slot,
  options: JudgeOptions,
): 'verdict' | 'fault' {
  if (!signals.some((s) => s.kind === 'fault')) return 'verdict';
  return judge(
    signals.filter((s) => s.kind !== 'fault'),
    limits,
    target,
    options,
  ).status === 'fail'
    ? 'verdict'
    : 'fault';
}

/** Resolves with why the step failed, or undefined when it passed. */
export async function holdStep(
  deps: HoldDeps,
  phase: Shift,
  target: Slot,
  live: Slot,
): Promise<HoldFailure | undefined> {
  const { config, clock, timeline, checks, signal } = deps;
  const startedAt = clock.now();
  const ctx = (windowStart: number): CheckContext => ({
    target,
    live,
    weight: phase.weight,
    now: clock.now(),
    windowStart,
    signal,
  });

  const recordStep = (verdict: Verdict, evaluations: number) =>
    timeline.add({
      at: clock.now(),
      type: 'step-verdict',
      step: phase.step,
      weight: phase.weight,
      startedAt,
      heldMs: clock.now() - startedAt,
      evaluations,
      verdict,
    });

  if (checks.length === 0) {
    await clock.sleep(phase.holdMs, signal);
    recordStep({ status: 'pass', reason: 'no checks configured: held for time only', measures: {} }, 0);
    return undefined;
  }

  // a check that cannot take its baseline says so again, as a failing signal, at its first collect
  await raceAbort(Promise.allSettled(checks.map((c) => c.begin?.(ctx(startedAt)))), signal);
  const limits = limitsOf(config);
  let holdEnd = startedAt + phase.holdMs;
  let extended = false;
  let settling = 0;
  let consecutive = 0;
  let evaluations = 0;
  let windowStart = startedAt;
  const trafficSignals: Signal[] = [];
  let latestStates: Signal[] = [];

  for (let tick = 1; ; tick++) {
    const nextTick = startedAt + tick * config.probeIntervalMs;
    // past the hold only to settle a failure streak: keep the probe cadence
    const wait = (clock.now() < holdEnd ? Math.min(nextTick, holdEnd) : nextTick) - clock.now();
    if (wait > 0) await clock.sleep(wait, signal);
    signal.throwIfAborted();

    const signals = await raceAbort(
      collectAll(checks, ctx(windowStart), config.probeTimeoutMs, clock),
      signal,
    );
    windowStart = clock.now();
    evaluations++;
    const verdict = judge(signals, limits, target, { scope: 'evaluation', targetWeight: phase.weight });
    if (verdict.status === 'fail') consecutive++;
    else if (verdict.status === 'pass') consecutive = 0;
    timeline.add({
      at: clock.now(),
      type: 'evaluation',
      step: phase.step,
      of: phase.of,
      weight: phase.weight,
      elapsedMs: clock.now() - startedAt,
      holdMs: holdEnd - startedAt,
      verdict,
      consecutiveFailures: consecutive,
    });
    if (consecutive >= config.failureThreshold) {
      return {
        reason: `${verdict.decisive ?? verdict.reason}, ${consecutive} evaluations in a row (failure-threshold ${config.failureThreshold})`,
        cause: causeOf(signals, limits, target, { scope: 'evaluation', targetWeight: phase.weight }),
      };
    }
    // Traffic counts accumulate over the whole step so min-requests can be met; probes, alarms,
    // target health and check commands are states: the latest evaluation speaks for them
    // (failure-threshold already absorbed a lone blip).
    trafficSignals.push(...signals.filter((s) => s.kind === 'traffic'));
    latestStates = signals.filter((s) => s.kind !== 'traffic');

    if (clock.now() < holdEnd) continue;
    // A failure streak still short of failure-threshold when the hold ends is settled first (at most
    // threshold-1 more evaluations): one bad last evaluation must neither roll back on its own
    // nor be carried into a passing step.
    if (consecutive > 0 && settling < config.failureThreshold - 1) {
      settling++;
      continue;
    }
    const stepVerdict = judge([...trafficSignals, ...latestStates], limits, target, {
      targetWeight: phase.weight,
    });
    recordStep(stepVerdict, evaluations);
    if (stepVerdict.status === 'pass') return undefined;
    if (stepVerdict.status === 'fail') {
      const window = [...trafficSignals, ...latestStates];
      return {
        reason: stepVerdict.decisive ?? stepVerdict.reason,
        cause: causeOf(window, limits, target, { targetWeight: phase.weight }),
      };
    }
    if (extended)
      return {
        reason: `not enough data to promote after extending step ${phase.step}: ${stepVerdict.decisive ?? stepVerdict.reason}`,
        cause: 'verdict',
      };
    extended = true;
    const extra = Math.max(phase.holdMs, config.probeIntervalMs);
    holdEnd += extra;
    timeline.add({
      at: clock.now(),
      type: 'warning',
      message: `step ${phase.step} at ${phase.weight}% is inconclusive (${stepVerdict.reason}): extending it once by ${Math.round(extra / 1000)}s`,
    });
  }
}

/** Every check once, concurrently; a check that throws or hangs becomes a fault signal, not a crash. */
async function collectAll(
  checks: Check[],
  ctx: CheckContext,
  probeTimeoutMs: number,
  clock: Clock,
): Promise<Signal[]> {
  const boundMs = probeTimeoutMs + CHECK_READ_GRACE_MS;
  const results = await Promise.all(
    checks.map(async (check): Promise<Signal[]> => {
      const bound = clock.timer(boundMs, () => new Error(`no answer within ${Math.round(boundMs / 1000)}s`));
      try {
        const stop = ctx.signal ? AbortSignal.any([bound.signal, ctx.signal]) : bound.signal;
        return await raceAbort(check.collect(ctx), stop);
      } catch (e) {
        return [
          {
            kind: 'fault',
            at: ctx.now,
            source: check.name,
            message: `check ${check.name} could not run: ${errorMessage(e)}`,
          },
        ];
      } finally {
        bound.cancel();
      }
    }),
  );
  return results.flat();
}
