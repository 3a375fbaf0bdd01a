// The signal-source ports: checks read during a hold, gates passed once before any traffic moves.
import type { Slot } from '../config/types.js';
import type { Signal } from '../judge/types.js';

export interface CheckContext {
  /** the slot being deployed to */
  target: Slot;
  live: Slot;
  /** current percent of the target slot */
  weight: number;
  /** epoch ms (from the engine's clock) */
  now: number;
  /** start of the window this read covers (the previous read of the same check), epoch ms */
  windowStart: number;
  signal?: AbortSignal;
}

/**
 * A source of signals (probes, HAProxy stats, CloudWatch, ...), read by the engine during a hold.
 * Each source may have its own cadence: real-traffic counters are cheap and can be read every few
 * hundred ms, probes keep probe-interval, per-minute sources gain nothing from being asked often.
 */
export interface Check {
  readonly name: string;
  /**
   * How often the engine reads this source, in ms; unset: every probe-interval. Each read's
   * window runs from the previous read of the same source, so counters never overlap.
   */
  readonly cadenceMs?: number;
  /** called once when a step starts (e.g. to take a counter baseline) */
  begin?(ctx: CheckContext): Promise<void>;
  collect(ctx: CheckContext): Promise<Signal[]>;
  close?(): Promise<void>;
}

/** A check that must pass once before any traffic moves (pre-traffic probes, target health). */
export interface Gate {
  name: string;
  /**
   * a failure says the run cannot go on (no URL to probe), not that the new version is unhealthy:
   * with provider none it ends `failed`, never `rolled-back`
   */
  aboutRun?: true;
  /** undefined when the gate passes, else the reason nothing may move */
  run(ctx: { target: Slot; live: Slot; signal: AbortSignal }): Promise<string | undefined>;
}
