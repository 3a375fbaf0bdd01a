// The TrafficRouter port: what the engine asks of a load balancer. Adapters in traffic/ implement it.
import type { Slot } from '../config/types.js';

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
