// The frame of a run without a router (provider none, command cleanup): cancellation, the run's timeout, its end on the timeline.
import { formatDuration } from '../config/durations.js';
import type { RunOutcome } from '../ports/timeline.js';
import { Fault } from './fault.js';
import type { EngineDeps } from './context.js';

export type FrameDeps = Pick<EngineDeps, 'config' | 'clock' | 'timeline' | 'signal' | 'checks'>;

/**
 * Runs `body` with a signal that aborts on cancellation and when `timeout` passes, puts the outcome on
 * the timeline as `run-end`, and closes the checks whatever happens.
 */
export async function inFrame(
  deps: FrameDeps,
  body: (signal: AbortSignal) => Promise<RunOutcome>,
): Promise<RunOutcome> {
  const { config, clock, timeline } = deps;
  const run = new AbortController();
  const onCancel = () => run.abort(new Fault(reasonOf(deps.signal)));
  if (deps.signal?.aborted) onCancel();
  deps.signal?.addEventListener('abort', onCancel, { once: true });
  const deadline = clock.timer(
    config.timeoutMs,
    () => new Fault(`the run hit its timeout of ${formatDuration(config.timeoutMs)} (input timeout)`),
  );
  deadline.signal.addEventListener('abort', () => run.abort(deadline.signal.reason), { once: true });
  try {
    const outcome = await body(run.signal);
    timeline.add({ at: clock.now(), type: 'run-end', ...outcome });
    return outcome;
  } finally {
    deadline.cancel();
    deps.signal?.removeEventListener('abort', onCancel);
    await Promise.allSettled(deps.checks.map((c) => c.close?.()));
  }
}

function reasonOf(signal?: AbortSignal): string {
  const r: unknown = signal?.reason;
  if (r instanceof Error) return r.message;
  if (typeof r === 'string') return r;
  return 'the run was cancelled';
}
