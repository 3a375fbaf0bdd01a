// Numbers several layers must agree on: input validation, the adapters that live by them, the engine's bounds.

/** One DescribeAlarms call per evaluation reads at most this many alarms. */
export const MAX_ALARMS = 100;

/** Longest name CloudWatch accepts for an alarm. */
export const MAX_ALARM_NAME = 255;

/** ALB metrics come per minute, about two minutes late: a step needs this long to see one whole minute. */
export const ALB_MIN_HOLD_MS = 3 * 60_000;

/** check-command may run this much longer than probe-timeout before it is stopped and fails. */
export const CHECK_COMMAND_GRACE_MS = 4_000;

/**
 * The engine gives up on any one check read after probe-timeout plus this. Longer than
 * CHECK_COMMAND_GRACE_MS, so a slow check-command is stopped (and reports why) before the engine
 * stops waiting for it.
 */
export const CHECK_READ_GRACE_MS = CHECK_COMMAND_GRACE_MS + 1_000;

/** Bound on waiting for the new slot's targets to turn healthy before any shift (ALB). */
export const TARGET_HEALTH_WAIT_MS = 5 * 60_000;

/**
 * After cancellation the runner kills the process about 7.5 s after SIGTERM: the rollback hook
 * gets this much, so the report is still written.
 */
export const ROLLBACK_HOOK_WHEN_CANCELLED_MS = 5_000;

/** How often the previous slot's open sessions are read while cleanup waits for them (HAProxy: one `show stat`). */
export const DRAIN_POLL_MS = 250;

/** While cleanup waits for open sessions, a progress line this often. */
export const DRAIN_PROGRESS_MS = 5_000;

/**
 * Clocks of two runners may disagree by this much: a run lock is taken over only once its expiry
 * (an absolute time from the holder's clock) is this far in the past by the taker's clock.
 */
export const LOCK_CLOCK_SKEW_MS = 5 * 60_000;
