// The TrafficRouter port: what the engine asks of a load balancer. Adapters in traffic/ implement it.
import type { Slot } from '../config/types.js';

/** Percent of traffic per slot as the load balancer applies it (after the adapter's rounding). */
export interface Weights {
  blue: number;
  green: number;
}

/** What a slot holds, when the router names it (Lambda: a published version of the function). */
export interface SlotName {
  /** what the outputs and hook variables carry, e.g. `7`; '' while not known yet */
  id: string;
  /** what a person reads in place of the slot's colour, e.g. `version 7` */
  label: string;
  /**
   * when the slot holds nothing the router knows of, why: a rollback to it is refused with these
   * words (Lambda: no previous version recorded)
   */
  missing?: string;
}

/** The names of the slots the router knows; a slot left out reads as its colour. */
export type SlotNames = Partial<Record<Slot, SlotName>>;

/** `version 7` when the router named the slot, else `blue` / `green`. */
export function slotLabel(slot: Slot, names?: SlotNames): string {
  return names?.[slot]?.label ?? slot;
}

/** `blue 90% / green 10%`, or `version 7 90% / version 8 10%` with names. */
export function describeSplit(w: Weights, names?: SlotNames): string {
  const pct = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  return `${slotLabel('blue', names)} ${pct(w.blue)}% / ${slotLabel('green', names)} ${pct(w.green)}%`;
}

export interface RouterState {
  /** the split the weights say (HAProxy: over every server of each slot) */
  weights: Weights;
  /**
   * Slots that cannot take balanced traffic even with a weight (HAProxy: no server of the slot is
   * UP; DRAIN/MAINT/DOWN). A slot listed here is never taken as live.
   */
  ineligible?: Slot[];
  /** how the router's own scale reads, for the report, e.g. `be/blue 256, be/green 0` */
  detail?: string;
  /**
   * The split traffic takes now, over the servers that can take it, when it differs from `weights`
   * (HAProxy: a server of a slot went DOWN or into MAINT since its weight was set).
   */
  effective?: Weights;
  /** servers of a slot left out of the split because they cannot take traffic, e.g. `web/green2 DOWN` */
  excluded?: string[];
  /** several load balancers moved as one (HAProxy instances), each as read, in the order given */
  instances?: InstanceState[];
  /** set when the load balancers do not all read the same split: what differs, for a person */
  disagreement?: string;
}

/** One of several load balancers moved as one deploy (an HAProxy instance). */
export interface InstanceState {
  /** how the user named it: `/run/haproxy.sock`, `10.0.0.2:9999` */
  name: string;
  weights: Weights;
  effective?: Weights;
  ineligible?: Slot[];
  detail?: string;
  excluded?: string[];
}

/**
 * A write that reached some of several load balancers and not the others: `applied` is what the
 * ones reached read back, `missed` names the others and why. Traffic is not where it was asked
 * to be everywhere: the caller treats it as a failed write.
 */
export class PartialWrite extends Error {
  override name = 'PartialWrite';
  constructor(
    message: string,
    readonly applied: RouterState,
    readonly reached: string[],
    readonly missed: { name: string; error: string }[],
  ) {
    super(message);
  }
}

/**
 * Why a slot is marked rejected, kept with the mark where the mark lives (HAProxy: a process
 * variable beside the server's admin state; ALB: tags beside `glidepath:rejected`). It is what tells
 * Glidepath's own mark from an operator's, whatever admin state the mark uses.
 */
export interface RejectionNote {
  /** the run that marked it: its URL, else its id */
  run: string;
  /** epoch ms */
  at: number;
  /** one short sentence: `rolled back: …`, `aborted by alice`, `not verified: …` */
  reason: string;
}

/** A slot Glidepath marked rejected, and the note kept with the mark (absent when it was lost). */
export interface Rejection {
  slot: Slot;
  note?: RejectionNote;
}

/** A slot's own state as the load balancer names it, for `status`: `UP`, `DRAIN`, `MAINT`, `DOWN`, `2/2 healthy`. */
export interface SlotState {
  state: string;
  /** e.g. the server `web/green`, or unhealthy targets and their reasons */
  detail?: string;
}

/** Who holds the run lock, for `status`. */
export interface LockHolder {
  run: string;
  /** epoch ms; NaN when the lock cannot be read */
  expiresAt: number;
  /** the holder's run URL, when the lock keeps it */
  url?: string;
  /**
   * what a person must know beside the holder, in a sentence: a value that is no lock (and the
   * command that clears it), instances of a deploy that do not all keep the lock
   */
  problem?: string;
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
  /**
   * optional: exclusive lock for the run (ALB and Lambda tags, HAProxy process variables), expiring
   * `ttlMs` from now by this run's clock; throws naming the holder, or what holds the place of the
   * lock when it is none, and leaves nothing of its own behind when it throws
   */
  lock?(runId: string, ttlMs: number, runUrl?: string): Promise<void>;
  unlock?(runId: string): Promise<void>;
  /** optional, with lock: the exact shell command that removes the lock by hand */
  lockClearCommand?(): Promise<string>;
  /** optional: remember live/previous slot after a promotion or rollback */
  record?(entry: { live: Slot; previous: Slot; runUrl?: string }): Promise<void>;
  /**
   * optional: mark a slot whose version was rolled back or aborted, so a later manual `rollback`
   * never sends traffic to it, keeping `note` with the mark. It also moves every client still
   * pinned to the slot off it (HAProxy: its servers to MAINT, which breaks cookie persistence where
   * weight 0 and DRAIN do not; ALB: the forward's target-group stickiness off, tags the mark).
   */
  reject?(slot: Slot, note?: RejectionNote): Promise<void>;
  /**
   * optional: after an on-call rollback, move every client still pinned to `slot` (the slot rolled
   * back from) off it without calling its version rejected (HAProxy: MAINT with a note; ALB:
   * stickiness off). A deploy's prepare() undoes it, and so does lift() before a rollback back to it.
   */
  evacuate?(slot: Slot, note?: RejectionNote): Promise<void>;
  /** optional: the slot evacuate() keeps clients off, when the router remembers one */
  evacuated?(): Promise<Slot | undefined>;
  /**
   * optional: the requests sent to `slot` so far, a counter that only grows while the load balancer
   * lives (HAProxy `stot` summed over the slot's servers and instances). Read twice after a restore,
   * it tells whether traffic really left the slot.
   */
  slotRequests?(slot: Slot): Promise<number>;
  /** optional: the slot marked by reject() and its note; undefined when no Glidepath mark is known */
  rejected?(): Promise<Rejection | undefined>;
  /**
   * optional: lift Glidepath's own mark from `slot`: the rejected mark (a forced rollback) or the
   * evacuation of an on-call rollback (a rollback back to it). Throws, changing nothing, when
   * something else keeps the slot out: an operator's MAINT, DOWN servers.
   */
  lift?(slot: Slot): Promise<void>;
  /** optional: undo Glidepath's own marks on the slot (never an operator's) before a deploy shifts traffic to it */
  prepare?(slot: Slot): Promise<void>;
  /** optional, for `status`: each slot's admin or health state */
  slotStates?(): Promise<Partial<Record<Slot, SlotState>>>;
  /** optional, for `status`: the run holding the lock, undefined when free */
  lockHolder?(): Promise<LockHolder | undefined>;
  /**
   * optional: remember which slot a deploy in progress is shifting to (undefined: none), so a
   * later promote/abort job knows the new slot from the old one whatever the split
   */
  markTarget?(slot: Slot | undefined): Promise<void>;
  markedTarget?(): Promise<Slot | undefined>;
  /**
   * optional: when the slots stand for named things (Lambda: the live and the new version), their
   * names; the engine puts them on the timeline, and people read them instead of blue and green
   */
  slotNames?(): SlotNames;
  /**
   * optional: a deploy calls it before its first hook (`deployed` false) and again after its deploy
   * hook, before any gate or shift (`deployed` true), to put what was deployed on the target slot
   * (Lambda publishes a version) and refuse what cannot be shifted to. Nothing has moved yet: a
   * throw ends the deploy with its message, which names the input to fix.
   */
  stage?(target: Slot, deployed: boolean, signal?: AbortSignal): Promise<void>;
  /**
   * optional: how many sessions the slot has open now (HAProxy `scur` of its server), so cleanup of
   * the previous slot waits for them to end; routers that cannot count them leave it out, and
   * cleanup then waits drain-timeout. A router over several servers or load balancers sums them.
   */
  openSessions?(slot: Slot): Promise<number>;
  close?(): Promise<void>;
}

/** `aborted by alice at 25% (run …/runs/123, 2026-12-01 03:12 UTC)`; words for a mark whose note was lost. */
export function describeRejection(r: Rejection): string {
  if (!r.note) return 'no note kept with the mark (it was lost, or left by an older Glidepath)';
  const at = new Date(r.note.at).toISOString().slice(0, 16).replace('T', ' ');
  return `${r.note.reason || 'no reason given'} (run ${r.note.run || 'unknown'}, ${at} UTC)`;
}
