// The plan: what a deploy will do, in order, with its hold times. Built purely from a Config.

export type Phase =
  | { kind: 'backup'; command: string }
  | { kind: 'deploy'; command: string }
  /**
   * probes of pre-traffic URLs, the invocation of a new Lambda version with pre-traffic-payload
   * (`invoke`), and the smoke hook, on the idle slot, before any shift
   */
  | { kind: 'pre-traffic'; urls: string[]; invoke?: boolean; smoke?: string }
  /**
   * Set the new slot's weight, then hold and evaluate for `holdMs`.
   * The last shift of a full plan has weight 100: its hold is the post-promotion
   * verification (verify-command runs when 100 is reached).
   */
  | { kind: 'shift'; step: number; of: number; weight: number; holdMs: number; checks: string[] }
  /**
   * provider none: nothing to shift; verify-command, then the checks for `holdMs` (interval) on the
   * version the platform now runs
   */
  | { kind: 'bake'; holdMs: number; checks: string[] }
  | { kind: 'keep-previous'; holdMs: number }
  /**
   * before cleanup-command: wait for the previous slot's open sessions to end, at most `holdMs`
   * (drain-timeout); counted in the total as its longest
   */
  | { kind: 'drain'; holdMs: number }
  | { kind: 'cleanup'; command?: string };

export interface Plan {
  strategy: string;
  phases: Phase[];
  /** sum of every phase's holdMs */
  totalMs: number;
  /** set when the plan stops at hold-at */
  holdAt?: number;
  /** provider none: one deploy, one bake, no traffic split */
  inPlace?: true;
}
