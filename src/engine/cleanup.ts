// command cleanup (pull_request: closed): runs cleanup-command to remove a preview; moves no traffic.
import type { RunOutcome } from '../ports/timeline.js';
import { failed, runHook, stopReason, type EngineDeps } from './context.js';
import { inFrame } from './frame.js';

export type CleanupDeps = Omit<EngineDeps, 'router' | 'onSplit' | 'onLock' | 'gates'> & {
  /** what carries the traffic, for the summary; cleanup never reads or writes it */
  routerDescription: string;
};

/**
 * The preview is removed by the user's cleanup-command (required with this command). The hook sees
 * no slot variables: a preview is not a slot. The GitHub side (deployment inactive, the PR comment)
 * follows the outcome in report/.
 */
export function runCleanup(deps: CleanupDeps): Promise<RunOutcome> {
  return inFrame(deps, async (signal) => {
    const d = { ...deps, signal };
    const { timeline, clock, config, plan } = d;
    timeline.add({
      at: clock.now(),
      type: 'run-start',
      command: 'cleanup',
      strategy: plan.strategy,
      router: deps.routerDescription,
    });
    timeline.add({ at: clock.now(), type: 'phase', name: 'cleanup', detail: 'cleanup-command' });
    try {
      const r = await runHook(d, 'cleanup', {});
      if (r) return failed(`cleanup-command ${r}; the preview may still be running`);
    } catch (e) {
      return failed(`cleanup-command did not finish: ${stopReason(d, e)}; the preview may still be running`);
    }
    return {
      result: 'removed',
      reason: config.hooks.cleanup ? 'cleanup-command removed the preview' : 'nothing to remove',
    };
  });
}
