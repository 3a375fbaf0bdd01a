// provider none: deploy in place (the platform replaces the running version), then check it; nothing to shift.
import type { Slot } from '../config/types.js';
import { formatDuration } from '../config/durations.js';
import type { Phase } from '../plan/types.js';
import type { RunOutcome } from '../ports/timeline.js';
import type { SlotNames } from '../ports/traffic.js';
import { holdStep } from './hold.js';
import { DeployJudge } from '../judge/deploy-judge.js';
import { judgeSetup } from '../judge/setup.js';
import { failed, runHook, stopReason, type EngineDeps } from './context.js';
import { inFrame } from './frame.js';

export type InPlaceDeps = Omit<EngineDeps, 'router' | 'onSplit' | 'onLock'>;
type RunDeps = InPlaceDeps & { signal: AbortSignal };

export const IN_PLACE_ROUTER = 'none: the platform replaces the running version';

/**
 * The judge reads real traffic per slot; with no router there is none, only probes, alarms and
 * check-command. It still needs a slot to call the new version: this one, named for people.
 */
const NEW: Slot = 'green';
const NAMES: SlotNames = {
  green: { id: '', label: 'the new version' },
  blue: { id: '', label: 'the previous version' },
};

/**
 * backup, deploy, the pre-traffic checks (gates, smoke), then verify-command and the checks for
 * `interval`. Once the deploy hook has run the new version is what the platform serves, so any
 * failure after it runs rollback-command: `rolled-back` when a verdict failed and it ran, else
 * `failed` (with `judged` when the version was found unhealthy and nothing could roll it back).
 */
export function runInPlace(deps: InPlaceDeps): Promise<RunOutcome> {
  return inFrame(deps, (signal) => new InPlace({ ...deps, signal }).run());
}

class InPlace {
  /** the deploy hook has run: the platform now serves the new version */
  private deployed = false;
  private gatesPassed = false;

  constructor(private readonly deps: RunDeps) {}

  async run(): Promise<RunOutcome> {
    const { timeline, clock, config, plan } = this.deps;
    timeline.add({
      at: clock.now(),
      type: 'run-start',
      command: config.command,
      strategy: plan.strategy,
      router: IN_PLACE_ROUTER,
    });
    timeline.add({ at: clock.now(), type: 'plan', plan });
    // a deploy without a deploy hook deploys nothing itself: what runs is what gets checked
    this.deployed = !config.hooks.deploy;
    try {
      for (const phase of plan.phases) {
        this.deps.signal.throwIfAborted();
        timeline.add({ at: clock.now(), type: 'phase', name: phase.kind, ...detailOf(phase) });
        const end = await this.phase(phase);
        if (end) return end;
      }
    } catch (e) {
      const why = stopReason(this.deps, e);
      return this.notPromoted(this.deps.signal.aborted ? why : `fault: ${why}`, 'fault');
    }
    return { result: 'promoted' };
  }

  private async phase(phase: Phase): Promise<RunOutcome | undefined> {
    switch (phase.kind) {
      case 'backup': {
        const r = await runHook(this.deps, 'backup', {});
        return r ? failed(`backup-command ${r}; nothing was deployed`) : undefined;
      }
      case 'deploy': {
        const r = await runHook(this.deps, 'deploy', {});
        // a deploy that did not finish is not rolled back: nothing of it was ever checked
        if (r) return failed(`deploy-command ${r}; nothing was checked`);
        this.deployed = true;
        return undefined;
      }
      case 'pre-traffic':
        return this.preTraffic(phase.smoke);
      case 'bake':
        return this.bake(phase.holdMs);
      default:
        // shift, keep-previous and cleanup are not in an in-place plan
        return undefined;
    }
  }

  private async preTraffic(smoke: string | undefined): Promise<RunOutcome | undefined> {
    const refused = await this.passGates();
    if (refused) return refused;
    if (!smoke) return undefined;
    const r = await runHook(this.deps, 'smoke', {});
    return r ? this.notPromoted(`smoke-command ${r}`, 'verdict') : undefined;
  }

  /** The gates ({url}, pre-traffic-urls) once, before the first probe of the bake at the latest. */
  private async passGates(): Promise<RunOutcome | undefined> {
    if (this.gatesPassed) return undefined;
    this.gatesPassed = true;
    for (const gate of this.deps.gates ?? []) {
      const why = await gate.run({ target: NEW, live: 'blue', signal: this.deps.signal });
      if (why)
        return this.notPromoted(
          `pre-traffic check ${gate.name} failed: ${why}`,
          gate.aboutRun ? 'fault' : 'verdict',
        );
    }
    return undefined;
  }

  private async bake(holdMs: number): Promise<RunOutcome | undefined> {
    const refused = await this.passGates();
    if (refused) return refused;
    if (this.deps.config.hooks.verify) {
      const r = await runHook(this.deps, 'verify', {});
      if (r) return this.notPromoted(`verify-command ${r}`, 'verdict');
    }
    const phase = { kind: 'shift' as const, step: 1, of: 1, weight: 100, holdMs, checks: [] };
    const judge = new DeployJudge(judgeSetup(this.deps.config, NEW));
    const router = { slotNames: () => NAMES };
    const failure = await holdStep({ ...this.deps, router }, phase, NEW, 'blue', judge);
    if (!failure) return undefined;
    // too little data to judge says nothing against the version: not a verdict
    return this.notPromoted(failure.reason, failure.cause === 'verdict' ? 'verdict' : 'fault');
  }

  /**
   * The new version did not make it. Nothing moved (there is no split); once it was deployed,
   * rollback-command is what can put the previous version back.
   */
  private async notPromoted(reason: string, cause: 'verdict' | 'fault'): Promise<RunOutcome> {
    const judged = cause === 'verdict' ? { judged: true as const } : {};
    if (!this.deployed) return failed(`${reason}; nothing was deployed`);
    if (!this.deps.config.hooks.rollback) {
      return {
        result: 'failed',
        reason: `${reason}; the platform keeps running the new version (no rollback-command)`,
        ...judged,
      };
    }
    const { timeline, clock } = this.deps;
    timeline.add({ at: clock.now(), type: 'phase', name: 'rollback', detail: 'rollback-command' });
    const r = await runHook(this.deps, 'rollback', {});
    if (r) return { result: 'failed', reason: `${reason}; rollback-command ${r}`, ...judged };
    if (cause === 'fault') return { result: 'failed', reason: `${reason}; rollback-command ran` };
    return { result: 'rolled-back', reason: `${reason}; rollback-command ran` };
  }
}

function detailOf(p: Phase): { detail?: string } {
  if (p.kind === 'bake')
    return { detail: `verify-command, then checks for ${formatDuration(p.holdMs)} on the new version` };
  return {};
}
