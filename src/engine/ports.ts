// The ports the engine talks to. Adapters (traffic/, checks/, hooks/) implement them; tests hand fakes or real servers.
import type { HookName, Slot } from '../config/types.js';
import type { Signal } from '../judge/types.js';

/** Percent of traffic per slot as the load balancer applies it (after the adapter's rounding). */
export interface Weights {
  blue: number;
  green: number;
}

export interface RouterState {
  weights: Weights;
  /**
   * Slots that cannot take balanced traffic even with a weight (HAProxy DRAIN/MAINT/DOWN).
   * A slot listed here is never taken as live.
   */
  ineligible?: Slot[];
  /** how the router's own scale reads, for the report, e.g. `be/blue 256, be/green 0` */
  detail?: string;
}

export interface TrafficRouter {
  /** e.g. `HAProxy /run/haproxy.sock (web/blue, web/green)`; never contains secrets */
  readonly description: string;
  read(): Promise<RouterState>;
  /**
   * Apply the percent split (sums to 100). Must raise the gaining slot before lowering the
   * losing one, never write all zeros, and return the state read back after the change.
   */
  set(weights: Weights): Promise<RouterState>;
  /** optional: exclusive lock for the run (ALB tags); throws naming the holder */
  lock?(runId: string, ttlMs: number): Promise<void>;
  unlock?(runId: string): Promise<void>;
  /** optional: remember live/previous slot after a promotion or rollback */
  record?(entry: { live: Slot; previous: Slot; runUrl?: string }): Promise<void>;
  /**
   * optional: mark a slot whose version was rolled back or aborted, so a later manual `rollback`
   * never sends traffic to it (HAProxy drains the server, ALB tags the rule/listener)
   */
  reject?(slot: Slot): Promise<void>;
  /** optional: the slot marked by reject(), when the router remembers it somewhere read() doesn't show */
  rejected?(): Promise<Slot | undefined>;
  /** optional: undo reject() and any drain before a deploy shifts traffic to the slot */
  prepare?(slot: Slot): Promise<void>;
  /**
   * optional: remember which slot a deploy in progress is shifting to (undefined: none), so a
   * later promote/abort job knows the new slot from the old one whatever the split
   */
  markTarget?(slot: Slot | undefined): Promise<void>;
  markedTarget?(): Promise<Slot | undefined>;
  close?(): Promise<void>;
}

export interface CheckContext {
  /** the slot being deployed to */
  target: Slot;
  live: Slot;
  /** current percent of the target slot */
  weight: number;
  /** epoch ms (from the engine's clock) */
  now: number;
  /** start of the current evaluation window, epoch ms */
  windowStart: number;
  signal?: AbortSignal;
}

/** A source of signals sampled at every evaluation (probes, HAProxy stats, CloudWatch, ...). */
export interface Check {
  readonly name: string;
  /** called once when a step starts (e.g. to take a counter baseline) */
  begin?(ctx: CheckContext): Promise<void>;
  collect(ctx: CheckContext): Promise<Signal[]>;
  close?(): Promise<void>;
}

export interface HookResult {
  hook: HookName | 'check' | 'traffic';
  command: string;
  exitCode: number;
  /** combined stdout+stderr, truncated, with secrets masked */
  output: string;
  durationMs: number;
  timedOut: boolean;
}

export interface HookEnv {
  /** the slot being deployed to */
  target: Slot;
  /** the slot serving (most of) the traffic when the hook runs: the new one once it is promoted */
  live: Slot;
  /** the target's percent when the hook runs */
  weight: number;
  /** after a promotion: the slot that was live before it (what cleanup-command cleans) */
  previous?: Slot;
}

export interface HookRunner {
  run(hook: HookName, command: string, env: HookEnv, signal?: AbortSignal): Promise<HookResult>;
}

/** Time, injected so a five-minute bake is tested in milliseconds. */
export interface Clock {
  now(): number;
  /** resolves after ms, or rejects with the signal's reason when aborted */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
