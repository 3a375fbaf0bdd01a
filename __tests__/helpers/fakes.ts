// In-memory ports for engine tests: a router that records every write, scripted checks and hooks.
import type { HookName } from '../../src/config/types.js';
import type { Check, CheckContext } from '../../src/ports/checks.js';
import type { HookEnv, HookResult, HookRunner } from '../../src/ports/hooks.js';
import type {
  Rejection,
  RejectionNote,
  RouterState,
  TrafficRouter,
  Weights,
} from '../../src/ports/traffic.js';
import type { Signal } from '../../src/judge/types.js';

export class FakeRouter implements TrafficRouter {
  readonly description = 'fake router';
  readonly writes: Weights[] = [];
  /** make the next N set() calls throw */
  failSets = 0;
  /** make every read() throw */
  failReads = false;
  constructor(public weights: Weights = { blue: 100, green: 0 }) {}

  /** slots drained by reject(), like HAProxy's DRAIN state: read() reports them ineligible */
  readonly drained = new Set<'blue' | 'green'>();
  /** the mark reject() leaves and its note, as HAProxy's process variable or ALB's tags keep them */
  mark: Rejection | undefined;
  /** slots an operator took out (MAINT) or whose health check fails (DOWN): never lifted */
  readonly heldOut = new Map<'blue' | 'green', 'MAINT' | 'DOWN'>();

  async read(): Promise<RouterState> {
    if (this.failReads) throw new Error('router unreachable');
    const ineligible = [...new Set([...this.drained, ...this.heldOut.keys()])];
    return ineligible.length
      ? { weights: { ...this.weights }, ineligible }
      : { weights: { ...this.weights } };
  }

  async reject(slot: 'blue' | 'green', note?: RejectionNote): Promise<void> {
    this.drained.add(slot);
    this.mark = note ? { slot, note } : { slot };
  }

  async rejected(): Promise<Rejection | undefined> {
    return this.mark;
  }

  async lift(slot: 'blue' | 'green'): Promise<void> {
    if (this.mark?.slot !== slot) throw new Error(`no rejected mark on ${slot}`);
    const out = this.heldOut.get(slot);
    if (out === 'MAINT') throw new Error(`${slot} is in MAINT, an operator's maintenance`);
    this.drained.delete(slot);
    this.mark = undefined;
  }

  async prepare(slot: 'blue' | 'green'): Promise<void> {
    this.drained.delete(slot);
    if (this.mark?.slot === slot) this.mark = undefined;
  }

  /** the deploy in progress's target, as HAProxy's proc variable or an ALB tag keeps it */
  marked: 'blue' | 'green' | undefined;

  async markTarget(slot: 'blue' | 'green' | undefined): Promise<void> {
    this.marked = slot;
  }

  async markedTarget(): Promise<'blue' | 'green' | undefined> {
    return this.marked;
  }

  async set(w: Weights): Promise<RouterState> {
    if (this.failSets > 0) {
      this.failSets--;
      throw new Error('socket closed');
    }
    this.writes.push({ ...w });
    this.weights = { ...w };
    return this.read();
  }
}

/** A check whose signals come from a function of the context (weight, time). */
export class ScriptedCheck implements Check {
  readonly name = 'scripted';
  calls = 0;
  constructor(private readonly script: (ctx: CheckContext, call: number) => Signal[] | Promise<Signal[]>) {}
  async collect(ctx: CheckContext): Promise<Signal[]> {
    return this.script(ctx, this.calls++);
  }
}

export const ok = (at: number): Signal => ({
  kind: 'command',
  at,
  command: 'check',
  exitCode: 0,
  output: 'fine',
});
export const bad = (at: number, why = 'the new version is broken'): Signal => ({
  kind: 'command',
  at,
  command: 'check',
  exitCode: 1,
  output: why,
});

export class FakeHooks implements HookRunner {
  readonly runs: { hook: HookName; env: HookEnv }[] = [];
  constructor(private readonly exitCodes: Partial<Record<HookName, number>> = {}) {}
  async run(hook: HookName, command: string, env: HookEnv): Promise<HookResult> {
    this.runs.push({ hook, env });
    return {
      hook,
      command,
      exitCode: this.exitCodes[hook] ?? 0,
      output: `${hook} output`,
      durationMs: 5,
      timedOut: false,
    };
  }
}
