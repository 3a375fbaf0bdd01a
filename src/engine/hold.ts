// Holds one shift step: reads every source on its own cadence (real-traffic counters every few hundred
// ms, probes and the rest every probe-interval), feeds the deploy's judge, and says why to stop, or nothing.
import type { Config, Slot } from '../config/types.js';
import { CHECK_READ_GRACE_MS } from '../config/limits.js';
import { formatDuration } from '../config/durations.js';
import type { Phase } from '../plan/types.js';
import type { Signal, Verdict } from '../judge/types.js';
import type { Decision, DeployJudge } from '../judge/deploy-judge.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Clock } from '../ports/clock.js';
import type { Timeline } from '../ports/timeline.js';
import { slotLabel, type TrafficRouter } from '../ports/traffic.js';
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

/** Why a step fails: a verdict on the new version, a fault of the monitoring, or too little traffic to judge. */
export interface HoldFailure {
  reason: string;
  cause: 'verdict' | 'fault' | 'no-data';
}

/** Resolves with why the step failed, or undefined when it passed. */
export async function holdStep(
  deps: HoldDeps,
  phase: Shift,
  target: Slot,
  live: Slot,
  judge: DeployJudge,
): Promise<HoldFailure | undefined> {
  const hold = new Hold(deps, phase, target, live, judge);
  if (deps.checks.length === 0) {
    await deps.clock.sleep(phase.holdMs, deps.signal);
    hold.recordStep({ status: 'pass', reason: 'no checks configured: held for time only', measures: {} });
    return undefined;
  }
  return hold.run();
}

/**
 * A group of checks read together on one cadence. The `tick` reader (every check without a cadence
 * of its own) is the evaluation: probes, alarms, target health, check-command, per-minute metrics.
 */
interface Reader {
  checks: Check[];
  cadenceMs: number;
  tick: boolean;
  due: number;
  /** start of the window its next read covers (its previous read) */
  windowStart: number;
  inflight?: Promise<void>;
}

class Hold {
  private readonly startedAt: number;
  private holdEnd: number;
  private extended = false;
  private settling = 0;
  private evaluations = 0;
  private readonly readers: Reader[];
  private failure: HoldFailure | undefined;
  private wake = new AbortController();
  /** the step's outcome once the last evaluation of the hold has run */
  private settled: HoldFailure | undefined | 'pass';

  constructor(
    private readonly deps: HoldDeps,
    private readonly phase: Shift,
    private readonly target: Slot,
    private readonly live: Slot,
    private readonly judge: DeployJudge,
  ) {
    const now = deps.clock.now();
    this.startedAt = now;
    this.holdEnd = now + phase.holdMs;
    const interval = deps.config.probeIntervalMs;
    const own = deps.checks.filter((c) => c.cadenceMs !== undefined && c.cadenceMs < interval);
    const ticked = deps.checks.filter((c) => !own.includes(c));
    this.readers = [
      // the first evaluation one probe-interval in (or at the hold's end, if sooner)
      {
        checks: ticked,
        cadenceMs: interval,
        tick: true,
        due: Math.min(now + interval, this.holdEnd),
        windowStart: now,
      },
      ...own.map((c) => ({ checks: [c], cadenceMs: c.cadenceMs!, tick: false, due: now, windowStart: now })),
    ];
  }

  context(windowStart: number): CheckContext {
    const { clock, signal } = this.deps;
    return {
      target: this.target,
      live: this.live,
      weight: this.phase.weight,
      now: clock.now(),
      windowStart,
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

  async run(): Promise<HoldFailure | undefined> {
    const { clock, signal, checks } = this.deps;
    const names = this.deps.router?.slotNames?.() ?? {};
    const labels: Partial<Record<Slot, string>> = {};
    for (const slot of ['blue', 'green'] as const) {
      const label = names[slot]?.label;
      if (label) labels[slot] = label;
    }
    this.judge.beginStep(this.phase.weight, labels, { startedAt: this.startedAt, holdMs: this.phase.holdMs });
    // a check that cannot take its baseline says so again, as a failing signal, at its first collect
    await raceAbort(Promise.allSettled(checks.map((c) => c.begin?.(this.context(this.startedAt)))), signal);
    try {
      for (;;) {
        signal.throwIfAborted();
        if (this.failure) return this.failure;
        if (this.settled !== undefined) return this.settled === 'pass' ? undefined : this.settled;
        const now = clock.now();
        for (const r of this.readers) if (!r.inflight && now >= r.due) this.start(r, now);
        // reads that answer at once are judged before anything waits
        await new Promise((resolve) => setImmediate(resolve));
        if (this.failure || this.settled !== undefined) continue;
        await this.waitForNext();
      }
    } finally {
      // after a pass, a read still running belongs to this step: let it finish (bounded) before the
      // next step takes its baseline; after a failure nothing waits for it, traffic goes back first
      if (this.settled === 'pass') await Promise.allSettled(this.readers.map((r) => r.inflight));
    }
  }

  private async waitForNext(): Promise<void> {
    const { clock, signal } = this.deps;
    const idle = this.readers.filter((r) => !r.inflight);
    const stop = AbortSignal.any([this.wake.signal, signal]);
    try {
      if (idle.length === 0) {
        // every reader is busy: wait for one to answer
        await new Promise<void>((resolve) => {
          if (stop.aborted) return resolve();
          stop.addEventListener('abort', () => resolve(), { once: true });
        });
      } else {
        const next = Math.min(...idle.map((r) => r.due));
        const wait = next - clock.now();
        if (wait > 0) await clock.sleep(wait, stop);
      }
    } catch (e) {
      if (!this.wake.signal.aborted) throw e;
    }
    signal.throwIfAborted();
    if (this.wake.signal.aborted) this.wake = new AbortController();
  }

  private start(r: Reader, now: number): void {
    const { config, clock } = this.deps;
    const ctx = this.context(r.windowStart);
    r.windowStart = now;
    r.inflight = collectAll(r.checks, ctx, config.probeTimeoutMs, clock).then((signals) => {
      r.inflight = undefined;
      this.onRead(r, signals);
      // the next read: one cadence after this one began, never two at once
      const next = now + r.cadenceMs;
      r.due =
        r.tick && clock.now() < this.holdEnd ? Math.min(next, this.holdEnd) : Math.max(next, clock.now());
      this.wake.abort();
    });
  }

  private onRead(r: Reader, signals: Signal[]): void {
    if (this.failure || this.settled !== undefined) return;
    const decision = this.judge.observe(
      signals,
      r.checks.map((c) => c.name),
    );
    if (!r.tick) {
      if (decision) this.stop(decision);
      return;
    }
    const { verdict, decision: ruled } = this.judge.evaluate();
    this.evaluations++;
    this.recordEvaluation(verdict);
    const d = decision ?? ruled;
    if (d) return this.stop(d, false);
    if (this.deps.clock.now() >= this.holdEnd) this.settle();
  }

  private stop(d: Decision, record = true): void {
    if (record) {
      this.evaluations++;
      this.recordEvaluation(d.verdict);
    }
    this.failure = { reason: d.reason, cause: d.cause };
  }

  private recordEvaluation(verdict: Verdict): void {
    const { clock, timeline } = this.deps;
    const { phase } = this;
    timeline.add({
      at: clock.now(),
      type: 'evaluation',
      step: phase.step,
      of: phase.of,
      weight: phase.weight,
      elapsedMs: clock.now() - this.startedAt,
      holdMs: this.holdEnd - this.startedAt,
      verdict,
      consecutiveFailures: this.judge.streak,
    });
  }

  /** After the evaluation at (or past) the hold's end: pass, extend once, or stop for lack of data. */
  private settle(): void {
    const { config, clock, timeline } = this.deps;
    const { phase } = this;
    // a failure streak still short of failure-threshold is settled first (at most threshold − 1 more
    // evaluations): one bad last reading must neither roll back on its own nor slip into a passing step
    if (this.judge.streak > 0 && this.settling < config.failureThreshold - 1) {
      this.settling++;
      return;
    }
    const verdict = this.judge.endOfStep(phase.step);
    this.recordStep(verdict);
    if (verdict.status === 'pass') {
      this.settled = 'pass';
      return;
    }
    if (this.extended) {
      this.settled = {
        reason: `not enough data to judge ${slotLabel(this.target, this.deps.router?.slotNames?.())} after extending step ${phase.step}: ${verdict.decisive ?? verdict.reason}`,
        cause: 'no-data',
      };
      return;
    }
    this.extended = true;
    const extra = Math.max(phase.holdMs, config.probeIntervalMs);
    this.holdEnd += extra;
    const tick = this.readers.find((r) => r.tick);
    if (tick) tick.due = Math.min(clock.now() + config.probeIntervalMs, this.holdEnd);
    timeline.add({
      at: clock.now(),
      type: 'warning',
      message: `step ${phase.step} at ${phase.weight}% is inconclusive (${verdict.reason}): extending it once by ${formatDuration(extra)}`,
    });
  }
}

/** Every check of a reader once, concurrently; a check that throws or hangs becomes a fault signal, not a crash. */
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
