// The Recorder port: one timeline of events per run, with the run's outcome; the log streams it, the report is rendered from it.
import type { Command, HookName, Slot } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import type { Verdict } from '../judge/types.js';
import type { HookResult } from './hooks.js';
import type {
  InstanceState,
  LockHolder,
  Rejection,
  RouterState,
  SlotNames,
  SlotState,
  Weights,
} from './traffic.js';

export type Result =
  | 'promoted'
  | 'rolled-back'
  | 'held'
  | 'aborted'
  | 'failed'
  | 'planned'
  | 'unchanged'
  /** command cleanup: the preview was removed (cleanup-command ran) */
  | 'removed';

/** How a run ended: what the outputs, the summary and the notifications report. */
export interface RunOutcome {
  result: Result;
  live?: Slot;
  previous?: Slot;
  /** the percent of `weightOf` as read back (the `weight` output) */
  weight?: number;
  /**
   * The slot the `weight` output is about, per command: deploy, promote and abort: the deploy's
   * target; rollback: the slot rolled back from; status: the target of a split in progress.
   */
  weightOf?: Slot;
  /** both slots' percent as last read back from the load balancer; absent when unknown */
  weights?: Weights;
  reason?: string;
  /** what the slots held at the end, when the router names them (Lambda versions) */
  names?: SlotNames;
  /**
   * a `failed` run whose new version was judged unhealthy (provider none without rollback-command:
   * nothing could be rolled back), as opposed to one whose process broke
   */
  judged?: true;
}

/**
 * Why traffic went back to the live slot: a verdict on the version, a fault of the run, too little
 * data to judge, an abort, or an on-call rollback (which goes back to the previous slot).
 */
export type RestoreCause = 'verdict' | 'fault' | 'no-data' | 'abort' | 'request';

/** What `status` saw: the load balancer's facts; the report words them and the next commands. */
export interface StatusSnapshot {
  weights: Weights;
  /** each slot's admin or health state, when the provider has one */
  slots?: Partial<Record<Slot, SlotState>>;
  /** the router's own scale, e.g. `web/blue weight 100 UP, web/green weight 0 DRAIN` */
  detail?: string;
  /** the slot with all the traffic, at rest */
  live?: Slot;
  /** a deploy in progress (held): its target and how that is known */
  split?: { live: Slot; target: Slot; known: 'note' | 'hold-at' };
  /** traffic is split and nothing says which slot is new, or no slot is live */
  problem?: string;
  /** the live slot takes the traffic but cannot serve it */
  liveDown?: string;
  /** a slot Glidepath marked rejected, and why */
  rejected?: Rejection;
  /** the slot an on-call rollback moved every client off (HAProxy MAINT); a rollback back lifts it */
  left?: Slot;
  /** the run lock: 'none' when the provider keeps none */
  lock?: LockHolder | 'free' | 'none';
  /** a deploy held earlier whose traffic was taken back outside Glidepath */
  undone?: Slot;
  /** the provider is the user's command: no notes, no lock */
  provider?: string;
  /** several load balancers moved as one (HAProxy instances): each as read */
  instances?: InstanceState[];
  /** those load balancers do not all read the same split (`problem` says how) */
  disagree?: boolean;
}

export type TimelineEvent = { at: number } & (
  | {
      type: 'run-start';
      command: Command;
      strategy: string;
      router: string;
      live?: Slot;
      target?: Slot;
      before?: Weights;
    }
  /** what the slots hold (Lambda versions), whenever the router's names change; absent: blue and green */
  | { type: 'slot-names'; names: SlotNames }
  | { type: 'plan'; plan: Plan }
  | { type: 'phase'; name: string; detail?: string }
  | { type: 'weights'; step?: number; requested: Weights; applied: RouterState }
  /** one evaluation during a hold */
  | {
      type: 'evaluation';
      step: number;
      of: number;
      weight: number;
      elapsedMs: number;
      holdMs: number;
      verdict: Verdict;
      consecutiveFailures: number;
    }
  /** the verdict over a whole step's window */
  | {
      type: 'step-verdict';
      step: number;
      weight: number;
      startedAt: number;
      heldMs: number;
      evaluations: number;
      verdict: Verdict;
    }
  | { type: 'hook'; hook: HookName | 'check' | 'traffic'; result: HookResult }
  | { type: 'drift'; expected: Weights; found: Weights }
  | { type: 'rollback'; reason: string; restored?: RouterState; cause?: RestoreCause }
  /**
   * After a restore: the requests that still reached the slot rolled back from in a short window
   * (`error` when they could not be counted). Zero is the proof that traffic left it.
   */
  | { type: 'left'; slot: Slot; windowMs: number; requests?: number; error?: string }
  | { type: 'status'; status: StatusSnapshot }
  /** a rollback told to go past Glidepath's own rejected mark (`force: true`) */
  | { type: 'force'; slot: Slot; by?: string; lifted?: Rejection }
  | { type: 'warning'; message: string }
  | { type: 'error'; message: string }
  | ({ type: 'run-end' } & RunOutcome)
);

export type TimelineEventOf<T extends TimelineEvent['type']> = Extract<TimelineEvent, { type: T }>;

/** The slot names as last put on the timeline up to `before` (default: all); empty when none. */
export function slotNamesOf(events: readonly TimelineEvent[], before = events.length): SlotNames {
  for (let i = Math.min(before, events.length) - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'slot-names') return e.names;
  }
  return {};
}

/** Collects events; `onEvent` lets the log stream them as they happen. */
export class Timeline {
  private readonly list: TimelineEvent[] = [];
  constructor(private readonly onEvent?: (e: TimelineEvent) => void) {}

  add(e: TimelineEvent): void {
    this.list.push(e);
    this.onEvent?.(e);
  }

  get events(): readonly TimelineEvent[] {
    return this.list;
  }

  last<T extends TimelineEvent['type']>(type: T): TimelineEventOf<T> | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const e = this.list[i]!;
      if (e.type === type) return e as TimelineEventOf<T>;
    }
    return undefined;
  }
}
