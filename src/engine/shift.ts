// Deploy and promote: the plan's phases in order (hooks, gates, traffic steps), then what follows a promotion.
import type { Slot } from '../config/types.js';
import type { Phase, Plan } from '../plan/types.js';
import { formatDuration } from '../config/durations.js';
import type { Weights } from '../ports/traffic.js';
import type { RunOutcome } from '../ports/timeline.js';
import { describeWeights, sameWeights, weightsFor } from './slots.js';
import { holdStep } from './hold.js';
import { DeployJudge } from '../judge/deploy-judge.js';
import { judgeSetup } from '../judge/setup.js';
import { putBack } from './put-back.js';
import { drainPrevious } from './drain.js';
import {
  failed,
  label,
  markRejected,
  namesOf,
  note,
  noteNames,
  readAgain,
  recordSlots,
  runHook,
  stopReason,
  warn,
  type Deps,
} from './context.js';

type Step = Extract<Phase, { kind: 'shift' }>;
/** What a phase decided: the run's outcome, that the deploy is promoted, or nothing (go on). */
type PhaseEnd = RunOutcome | 'promoted' | undefined;

/**
 * A deploy or promote. Whenever it ends neither promoted nor held, the target slot holds a version
 * that did not make it (judged bad, or never verified because of a fault, a failed hook or gate):
 * it is marked rejected so a manual rollback never switches all traffic to it. Before the deploy
 * hook ran, the target still holds the previous version, a legitimate rollback target.
 */
export async function shiftThrough(
  deps: Deps,
  plan: Plan,
  live: Slot,
  target: Slot,
  before: Weights,
  fresh: boolean,
): Promise<RunOutcome> {
  const shift = new Shift(deps, plan, live, target, before, fresh);
  const out = await shift.run();
  // once traffic moved, the restore marked it already (before the rollback hook ran)
  if (out.result !== 'promoted' && out.result !== 'held' && shift.replaced && !shift.marked) {
    const why =
      out.result === 'rolled-back'
        ? 'rolled back'
        : shift.lackOfData
          ? 'not verified (too little data)'
          : 'not verified';
    await markRejected(deps, target, `${why}: ${out.reason ?? 'the deploy did not finish'}`);
  }
  return { ...out, weightOf: target };
}

class Shift {
  /** the weights last read back from the router */
  private applied: Weights;
  /** the target's percent, as last read back */
  private weight: number;
  /** from the first write on, every exit restores the live slot */
  private moved: boolean;
  /** a promote continues traffic the gates already let through */
  private gatesPassed: boolean;
  /** the target no longer holds the previous version (the deploy hook ran, or this is a promote) */
  replaced: boolean;
  /** the router has put what was deployed on the target (TrafficRouter.stage after the deploy hook) */
  private staged = false;
  /** the deploy stopped because a step had too little data to judge */
  lackOfData = false;
  /** the restore marked the target rejected */
  marked = false;
  private readonly promotionStep: Step | undefined;
  /** one judge for the whole deploy: its sequential tests run over every step */
  private readonly judge: DeployJudge;

  constructor(
    private readonly deps: Deps,
    private readonly plan: Plan,
    private readonly live: Slot,
    private readonly target: Slot,
    before: Weights,
    private readonly fresh: boolean,
  ) {
    this.applied = before;
    this.weight = before[target];
    this.moved = this.weight > 0;
    this.gatesPassed = !fresh;
    this.replaced = !fresh || !deps.config.hooks.deploy;
    const shifts = plan.phases.filter((p): p is Step => p.kind === 'shift');
    this.promotionStep = plan.holdAt === undefined ? shifts.at(-1) : undefined;
    this.judge = new DeployJudge(judgeSetup(deps.config, target));
  }

  async run(): Promise<RunOutcome> {
    const { timeline, clock } = this.deps;
    timeline.add({ at: clock.now(), type: 'plan', plan: this.plan });
    let promoted = false;
    try {
      const refused = await this.stage(false);
      if (refused) return failed(`${refused}; no traffic was moved`, this.live);
      for (const phase of this.plan.phases) {
        if (promoted) break; // keep-previous and cleanup run after, outside the rollback path
        this.deps.signal.throwIfAborted();
        timeline.add({
          at: clock.now(),
          type: 'phase',
          name: phaseName(phase),
          detail: phaseDetail(phase, label(this.deps, this.target)),
        });
        const end = await this.phase(phase);
        if (end === 'promoted') promoted = true;
        else if (end) return end;
      }
    } catch (e) {
      const why = stopReason(this.deps, e);
      return this.bail(this.deps.signal.aborted ? why : `fault: ${why}`, 'fault');
    }
    return promoted ? this.afterPromotion() : this.endUnpromoted();
  }

  private async phase(phase: Phase): Promise<PhaseEnd> {
    switch (phase.kind) {
      case 'backup':
      case 'deploy':
        return this.hookPhase(phase.kind);
      case 'pre-traffic':
        return this.preTraffic(phase.smoke);
      case 'shift':
        return this.step(phase);
      case 'keep-previous':
      case 'drain':
      case 'cleanup':
        return undefined; // only after a promotion
      case 'bake':
        return undefined; // provider none only (engine/in-place.ts)
    }
  }

  private async hookPhase(hook: 'backup' | 'deploy'): Promise<PhaseEnd> {
    if (hook === 'deploy') this.replaced = true;
    const r = await runHook(this.deps, hook, { target: this.target, live: this.live, weight: this.weight });
    return r ? failed(`${hook}-command ${r}; no traffic was moved`, this.live) : undefined;
  }

  private async preTraffic(smoke: string | undefined): Promise<PhaseEnd> {
    const why = await this.passGates();
    if (why) return failed(`${why}; no traffic was moved`, this.live);
    if (!smoke) return undefined;
    const r = await runHook(this.deps, 'smoke', {
      target: this.target,
      live: this.live,
      weight: this.weight,
    });
    return r ? failed(`smoke-command ${r}; no traffic was moved`, this.live) : undefined;
  }

  /**
   * A fresh deploy lets the router refuse or prepare the target (Lambda: check lambda-version, or
   * publish what the deploy hook uploaded) before its hooks, and again before any gate; undefined
   * when it may go on, else why not.
   */
  private async stage(deployed: boolean): Promise<string | undefined> {
    const { router } = this.deps;
    if (!this.fresh || !router.stage || (deployed && this.staged)) return undefined;
    try {
      await router.stage(this.target, deployed, this.deps.signal);
      if (deployed) this.staged = true;
      return undefined;
    } catch (e) {
      return stopReason(this.deps, e);
    } finally {
      noteNames(this.deps);
    }
  }

  private async passGates(): Promise<string | undefined> {
    const refused = await this.stage(true);
    if (refused) return refused;
    for (const gate of this.deps.gates ?? []) {
      const why = await gate.run({ target: this.target, live: this.live, signal: this.deps.signal });
      if (why) return `pre-traffic check ${gate.name} failed on ${label(this.deps, this.target)}: ${why}`;
    }
    this.gatesPassed = true;
    return undefined;
  }

  /** One traffic step: set the weights, verify at 100%, hold and judge, then check nobody else moved them. */
  private async step(phase: Step): Promise<PhaseEnd> {
    if (!this.gatesPassed) {
      const why = await this.passGates();
      if (why) return failed(`${why}; no traffic was moved`, this.live);
    }
    const unset = await this.setWeights(phase);
    if (unset) return unset;
    if (phase.weight >= 100 && this.deps.config.hooks.verify) {
      const { timeline, clock } = this.deps;
      timeline.add({
        at: clock.now(),
        type: 'phase',
        name: 'verify',
        detail: `${label(this.deps, this.target)} at 100%`,
      });
      const env = { target: this.target, live: this.target, weight: this.weight, previous: this.live };
      const r = await runHook(this.deps, 'verify', env);
      if (r) return this.bail(`verify-command ${r}`, 'verdict');
    }
    const verdict = await holdStep(this.deps, phase, this.target, this.live, this.judge);
    if (verdict) {
      const down = verdict.cause === 'verdict' ? await this.unreachable() : undefined;
      if (down) {
        // probes through a load balancer that is gone fail whatever the version: no verdict on it
        return this.bail(
          `the load balancer stopped answering during step ${phase.step} (${down}); what failed meanwhile is not held against ${label(this.deps, this.target)}: ${verdict.reason}`,
          'fault',
        );
      }
      return this.bail(verdict.reason, verdict.cause);
    }
    return this.afterHold(phase);
  }

  /** Why the router cannot be read right now, or undefined when it answers. */
  private async unreachable(): Promise<string | undefined> {
    try {
      await this.deps.router.read();
      return undefined;
    } catch (e) {
      return stopReason(this.deps, e);
    }
  }

  private async setWeights(phase: Step): Promise<RunOutcome | undefined> {
    const { router, timeline, clock } = this.deps;
    if (this.fresh && !this.moved) {
      // a slot drained after an earlier rollback takes no traffic whatever its weight
      await router.prepare?.(this.target);
      // not best effort: a stale note from an earlier run would name the wrong new slot to
      // a later promote or abort; nothing has moved yet, so failing here is free
      await router.markTarget?.(this.target);
    }
    const requested = weightsFor(this.target, phase.weight);
    this.deps.onSplit?.({ live: this.live, target: this.target, weights: requested });
    this.moved = true; // from here a partial write may have happened: every exit restores
    const state = await router.set(requested);
    this.applied = state.weights;
    this.weight = state.weights[this.target];
    timeline.add({ at: clock.now(), type: 'weights', step: phase.step, requested, applied: state });
    if (sameWeights(state.weights, requested)) return undefined;
    return this.bail(
      `the router reports ${describeWeights(state.weights, namesOf(this.deps))} after setting ${describeWeights(requested, namesOf(this.deps))}`,
      'fault',
    );
  }

  /** Someone else (another pipeline, IaC re-applying) may have moved the weights during the hold. */
  private async afterHold(phase: Step): Promise<PhaseEnd> {
    const { router, timeline, clock } = this.deps;
    const promotes = phase === this.promotionStep;
    let why = '';
    const now = await readAgain(this.deps, (e) => (why = `: ${e}`));
    if (!now && promotes) {
      // verified at 100%: one unreadable answer is no reason to undo it
      warn(
        this.deps,
        `could not read the weights back after the last step${why}; ${label(this.deps, this.target)} was verified at 100%`,
      );
      return 'promoted';
    }
    if (!now)
      throw new Error(`could not read the weights from ${router.description} after step ${phase.step}${why}`);
    if (!sameWeights(now.weights, this.applied) || now.disagreement) {
      const expected = this.applied;
      timeline.add({ at: clock.now(), type: 'drift', expected, found: now.weights });
      this.applied = now.weights;
      const found = now.disagreement ?? `found ${describeWeights(now.weights, namesOf(this.deps))}`;
      return this.bail(
        `weights changed outside this run: expected ${describeWeights(expected, namesOf(this.deps))} but ${found}`,
        'fault',
      );
    }
    return promotes ? 'promoted' : undefined;
  }

  private async endUnpromoted(): Promise<RunOutcome> {
    if (this.plan.holdAt !== undefined && this.weight > 0 && this.weight < 100) {
      return {
        result: 'held',
        live: this.live,
        previous: this.target,
        weight: this.weight,
        reason: `held at ${this.weight}% on ${label(this.deps, this.target)} (hold-at)`,
      };
    }
    // a plan always ends at 100 unless held; anything else is a planner bug: never leave traffic split
    return this.bail(`the plan ended at ${this.weight}% without hold-at`, 'fault');
  }

  /**
   * A verdict against the new version ends `rolled-back`; a fault (API error, drift, cancellation,
   * timeout) or too little traffic to judge ends `failed` even once traffic is restored: the deploy
   * got no answer, the version is not called unhealthy, and fail-on-rollback must not turn that green.
   */
  private async bail(reason: string, cause: 'verdict' | 'fault' | 'no-data'): Promise<RunOutcome> {
    const { live, target } = this;
    if (cause === 'no-data') {
      this.lackOfData = true;
      reason = this.lackOfDataReason(reason);
    }
    if (!this.moved) return failed(`${reason}; no traffic was moved`, live);
    // the target holds a version that did not make it: marked with the restore, so clients pinned
    // to it move at once (shiftThrough marks the deploys that stopped before moving any traffic)
    const why =
      cause === 'verdict'
        ? 'rolled back'
        : cause === 'no-data'
          ? 'not verified (too little data)'
          : 'not verified';
    const reject = this.replaced ? `${why}: ${reason}` : undefined;
    this.marked = reject !== undefined;
    const back = await putBack(this.deps, {
      live,
      target,
      lastKnown: this.applied,
      reason,
      cause,
      ...(reject !== undefined ? { reject } : {}),
    });
    if (!back.ok) return back.outcome;
    if (cause !== 'verdict') {
      return {
        result: 'failed',
        live,
        previous: target,
        weight: 0,
        reason: `${back.reason}; traffic restored to ${label(this.deps, live)}`,
      };
    }
    return { result: 'rolled-back', live, previous: target, weight: 0, reason: back.reason };
  }

  /**
   * Too little traffic is no verdict on the version: the run fails (the deploy did not finish) and
   * says what would give the judge enough data.
   */
  private lackOfDataReason(judged: string): string {
    const { config } = this.deps;
    const hold = formatDuration(
      this.plan.phases.find((p): p is Step => p.kind === 'shift')?.holdMs ?? config.intervalMs,
    );
    const t = label(this.deps, this.target);
    return (
      `${judged}; ${t} was not judged unhealthy. To judge it, lower min-requests (now ${config.minRequests}), ` +
      `hold steps longer (now ${hold}; interval), or send it more traffic`
    );
  }

  /**
   * Promoted: from here nothing moves traffic back. keep-previous and cleanup are housekeeping whose
   * failure (or a timeout, or cancellation) is a warning, not a reason to undo a verified deploy.
   */
  private async afterPromotion(): Promise<RunOutcome> {
    const { deps, live, target } = this;
    const { timeline, clock } = deps;
    deps.onSplit?.(undefined);
    await note(deps, 'forget the target', () => deps.router.markTarget?.(undefined));
    await recordSlots(deps, target, live);
    const notes: string[] = [];
    try {
      for (const phase of this.plan.phases) {
        if (phase.kind === 'keep-previous') {
          timeline.add({
            at: clock.now(),
            type: 'phase',
            name: phaseName(phase),
            detail: phaseDetail(phase, label(deps, target)),
          });
          await clock.sleep(phase.holdMs, deps.signal);
        } else if (phase.kind === 'drain') {
          await drainPrevious(deps, live, phase.holdMs);
        } else if (phase.kind === 'cleanup') {
          timeline.add({ at: clock.now(), type: 'phase', name: 'cleanup' });
          const r = await runHook(deps, 'cleanup', { target, live: target, weight: 100, previous: live });
          if (r) notes.push(`cleanup-command ${r}`);
        }
      }
    } catch (e) {
      notes.push(`keep-previous and cleanup were cut short: ${stopReason(deps, e)}`);
    }
    for (const n of notes) warn(deps, `${n} (the deploy itself is promoted)`);
    return {
      result: 'promoted',
      live: target,
      previous: live,
      weight: 100,
      ...(notes.length ? { reason: notes.join('; ') } : {}),
    };
  }
}

function phaseName(p: Phase): string {
  return p.kind === 'shift' ? `step ${p.step}/${p.of}` : p.kind;
}

function phaseDetail(p: Phase, target: string): string | undefined {
  if (p.kind === 'shift') return `${target} → ${p.weight}% for ${formatDuration(p.holdMs)}`;
  if (p.kind === 'keep-previous') return `keeping the previous slot for ${formatDuration(p.holdMs)}`;
  return undefined;
}
