// After a promotion, before cleanup-command: wait for the previous slot's open sessions to end, bounded by drain-timeout.
import type { Slot } from '../config/types.js';
import { formatDuration, formatElapsed } from '../config/durations.js';
import { DRAIN_POLL_MS, DRAIN_PROGRESS_MS } from '../config/limits.js';
import { errorMessage } from './fault.js';
import { label, warn, type Deps } from './context.js';

/** Why the load balancer cannot say how many sessions a slot has open, per provider. */
function cannotCount(deps: Deps): string {
  switch (deps.config.provider.kind) {
    case 'alb':
      return 'ALB has no count of open connections per target group';
    case 'lambda':
      return 'Lambda has no count of in-flight invocations per version';
    case 'command':
      return 'provider command has no way to count open sessions';
    default:
      return `${deps.router.description} cannot count open sessions`;
  }
}

const sessions = (n: number) => `${n} open session${n === 1 ? '' : 's'}`;

/**
 * Returns once `previous` has no open session (read every DRAIN_POLL_MS), or once `timeoutMs` has
 * passed: then a warning says how many were still open and that cleanup-command may cut them.
 * Where the router cannot count (no `openSessions`), or the count cannot be read, it says so and
 * waits the whole `timeoutMs`. Throws only when the run is cancelled or times out.
 */
export async function drainPrevious(deps: Deps, previous: Slot, timeoutMs: number): Promise<void> {
  const { clock, timeline, router, signal } = deps;
  const name = label(deps, previous);
  const bound = formatDuration(timeoutMs);
  const phase = (detail: string) => timeline.add({ at: clock.now(), type: 'phase', name: 'drain', detail });
  const count = router.openSessions?.bind(router);
  if (!count) {
    warn(deps, `${cannotCount(deps)}: waits drain-timeout (${bound}) before cleanup-command of ${name}`);
    phase(`waiting ${bound} (drain-timeout) before cleanup-command`);
    await clock.sleep(timeoutMs, signal);
    return;
  }
  const start = clock.now();
  const end = start + timeoutMs;
  let open: number | undefined;
  let unreadable: string | undefined;
  let nextProgress = start;
  for (;;) {
    try {
      open = await count(previous);
      unreadable = undefined;
    } catch (e) {
      // a lost socket is no reason to skip the wait: the sessions may well be there
      unreadable ??= errorMessage(e);
      open = undefined;
    }
    const now = clock.now();
    if (open === 0) {
      phase(`${name} has no open session after ${formatElapsed(now - start)}: cleanup-command runs`);
      return;
    }
    if (now >= end) break;
    if (now >= nextProgress) {
      phase(
        open === undefined
          ? `could not read ${name}'s open sessions (${unreadable}); waiting, ${formatElapsed(now - start)}/${bound}`
          : `${name} has ${sessions(open)}; waiting for them to end, ${formatElapsed(now - start)}/${bound}`,
      );
      nextProgress = now + DRAIN_PROGRESS_MS;
    }
    await clock.sleep(Math.min(DRAIN_POLL_MS, end - now), signal);
  }
  warn(
    deps,
    open === undefined
      ? `drain-timeout (${bound}) passed without reading ${name}'s open sessions (${unreadable}): cleanup-command runs now and may cut any still open`
      : `drain-timeout (${bound}) passed with ${sessions(open)} still on ${name}: cleanup-command runs now and may cut them`,
  );
}
