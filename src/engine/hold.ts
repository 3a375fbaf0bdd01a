// Holds one shift step: evaluates every probe-interval, asks the judge, and says why to roll back (or nothing).
import type { Config, Slot } from '../config/types.js';
import { CHECK_READ_GRACE_MS } from '../config/limits.js';
import type { Phase } from '../plan/types.js';
import type { Limits, Signal, Verdict } from '../judge/types.js';
import { judge, type JudgeOptions } from '../judge/thresholds.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Clock } from '../ports/clock.js';
import type { Timeline } from '../ports/timeline.js';
import type { TrafficRouter } from '../ports/traffic.js';
import { errorMessage, raceAbort } from './fault.js';

type Shift = Extract<Phase, { kind: 'shift' }>;

interface HoldDeps {
  config: Config;
  checks: Check[];
  clock: Clock;
  timeline: Timeline;
  signal: AbortSignal;
  /** its slot names (Lambda versions) name the slots in the verdicts' reasons */
  router?: Pick<TrafficRouter, 'slotNames'>;
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
  const hold = new Hold(deps, phase, target, live);
  if (deps.checks.length === 0) {
    await deps.clock.sleep(phase.holdMs, deps.signal);
    hold.recordStep({ status: 'pass', reason: 'no checks configured: held for time only', measures: {} });
    return undefined;
  }
  // a check that cannot take its baseline says so again, as a failing signal, at its first collect
  await raceAbort(Promise.allSettled(deps.checks.map((c) => c.begin?.(hold.context()))), deps.signal);
  for (;;) {
    await hold.waitForTick();
    const failure = (await hold.evaluate()) ?? hold.settle();
    if (failure !== 'continue') return failure;
  }
}

/** One step's hold: its evaluations every probe-interval (evaluate) and its end (settle). */
class Hold {
  private readonly startedAt: number;
  private readonly limits: Limits;
  /** how the verdicts name the slots */
  private readonly labels: Partial<Record<Slot, string>> = {};
  private holdEnd: number;
  private extended = false;
  private settling = 0;
  private consecutive = 0;
  private evaluations = 0;
  private tick = 0;
  private windowStart: number;
  /** traffic counts accumulate over the whole step, so min-requests can be met */
  private readonly trafficSignals: Signal[] = [];
  /**
   * probes, alarms, target health and check commands are states: the latest evaluation speaks for
   * them (failure-threshold already absorbed a lone blip)
   */
  private latestStates: Signal[] = [];

  constructor(
    private readonly deps: HoldDeps,
    private readonly phase: Shift,
    private readonly target: Slot,
    private readonly live: Slot,
  ) {
    this.startedAt = deps.clock.now();
    this.windowStart = this.startedAt;
    this.holdEnd = this.startedAt + phase.holdMs;
    this.limits = limitsOf(deps.config);
    const names = deps.router?.slotNames?.() ?? {};
    for (const slot of ['blue', 'green'] as const) {
      const label = names[slot]?.label;
      if (label) this.labels[slot] = label;
    }
  }

  context(): CheckContext {
    const { clock, signal } = this.deps;
    const { target, live } = this;
    return {
      target,
      live,
      weight: this.phase.weight,
      now: clock.now(),
      windowStart: this.windowStart,
      signal,
    };
  }

  recordStep(verdict: Verdict): void {
    const { clock, timeline } = this.deps;
    timeline.add({
      at: clock.now(),
      type: 'step-verdict',
      step: this.phase.step,
      weight: this.phase.weight,
      startedAt: this.startedAt,
      heldMs: clock.now() - this.startedAt,
      evaluations: this.evaluations,
      verdict,
    });
  }

  async waitForTick(): Promise<void> {
    const { clock, signal, config } = this.deps;
    const nextTick = this.startedAt + ++this.tick * config.probeIntervalMs;
    // past the hold only to settle a failure streak: keep the probe cadence
    const wait = (clock.now() < this.holdEnd ? Math.min(nextTick, this.holdEnd) : nextTick) - clock.now();
    if (wait > 0) await clock.sleep(wait, signal);
    signal.throwIfAborted();
  }

  /** One evaluation: every check read and judged; a failure once failure-threshold are in a row. */
  async evaluate(): Promise<HoldFailure | undefined> {
    const { config, clock, timeline, checks, signal } = this.deps;
    const { phase, target } = this;
    const signals = await raceAbort(collectAll(checks, this.context(), config.probeTimeoutMs, clock), signal);
    this.windowStart = clock.now();
    this.evaluations++;
    const options: JudgeOptions = { scope: 'evaluation', targetWeight: phase.weight, labels: this.labels };
    const verdict = judge(signals, this.limits, target, options);
    if (verdict.status === 'fail') this.consecutive++;
    else if (verdict.status === 'pass') this.consecutive = 0;
    timeline.add({
      at: clock.now(),
      type: 'evaluation',
      step: phase.step,
      of: phase.of,
      weight: phase.weight,
      elapsedMs: clock.now() - this.startedAt,
      holdMs: this.holdEnd - this.startedAt,
      verdict,
      consecutiveFailures: this.consecutive,
    });
    if (this.consecutive >= config.failureThreshold) {
      return {
        reason: `${verdict.decisive ?? verdict.reason}, ${this.consecutive} evaluations in a row (failure-threshold ${config.failureThreshold})`,
        cause: causeOf(signals, this.limits, target, options),
      };
    }
    this.trafficSignals.push(...signals.filter((s) => s.kind === 'traffic'));
    this.latestStates = signals.filter((s) => s.kind !== 'traffic');
    return undefined;
  }

  /** After an evaluation: go on holding, or judge the whole step once its time is up. */
  settle(): HoldFailure | undefined | 'continue' {
    const { config, clock, timeline } = this.deps;
    const { phase, target } = this;
    if (clock.now() < this.holdEnd) return 'continue';
    // A failure streak still short of failure-threshold when the hold ends is settled first (at most
    // threshold-1 more evaluations): one bad last evaluation must neither roll back on its own
    // nor be carried into a passing step.
    if (this.consecutive > 0 && this.settling < config.failureThreshold - 1) {
      this.settling++;
      return 'continue';
    }
    const window = [...this.trafficSignals, ...this.latestStates];
    const stepOptions: JudgeOptions = { targetWeight: phase.weight, labels: this.labels };
    const stepVerdict = judge(window, this.limits, target, stepOptions);
    this.recordStep(stepVerdict);
    if (stepVerdict.status === 'pass') return undefined;
    if (stepVerdict.status === 'fail') {
      return {
        reason: stepVerdict.decisive ?? stepVerdict.reason,
        cause: causeOf(window, this.limits, target, stepOptions),
      };
    }
    if (this.extended)
      return {
        reason: `not enough data to promote after extending step ${phase.step}: ${stepVerdict.decisive ?? stepVerdict.reason}`,
        cause: 'verdict',
      };
    this.extended = true;
    const extra = Math.max(phase.holdMs, config.probeIntervalMs);
    this.holdEnd += extra;
    timeline.add({
      at: clock.now(),
      type: 'warning',
      message: `step ${phase.step} at ${phase.weight}% is inconclusive (${stepVerdict.reason}): extending it once by ${Math.round(extra / 1000)}s`,
    });
    return 'continue';
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
