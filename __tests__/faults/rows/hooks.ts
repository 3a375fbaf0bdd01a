// "When things go wrong": a user hook hangs, floods the log, or dies of a signal.
import type { FaultRow } from './types.js';

const FILE = '__tests__/faults/hooks.test.ts';

export const rows: FaultRow[] = [
  {
    fault: 'Deploy hook hangs past `hook-timeout`',
    does: 'Kills the hook with everything it started (SIGTERM to its process group, SIGKILL 3 s later if it ignores that); fails saying `deploy-command timed out: still running after hook-timeout 2s, so it was killed with its children`; releases the lock',
    endState: 'unchanged: the live slot keeps 100%',
    test: {
      file: FILE,
      name: 'bundle: a deploy hook that hangs past hook-timeout 2s fails the step with nothing moved, and the lock is released',
    },
  },
  {
    fault: 'Hook ignores SIGTERM after its timeout',
    does: 'Sends SIGKILL to its process group after the grace, so the run stays bounded',
    endState: 'unchanged: the live slot keeps 100%',
    test: {
      file: FILE,
      name: 'a deploy hook that ignores SIGTERM is killed with SIGKILL after the grace; nothing moved, result failed',
    },
  },
  {
    fault: 'Verify hook hangs at 100%',
    does: 'Kills it at `hook-timeout` and rolls back (result `rolled-back`), naming the timed-out hook',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'a verify hook that hangs at 100% is killed at hook-timeout and the deploy rolls back to blue 100%',
    },
  },
  {
    fault: 'Rollback hook hangs past `hook-timeout`',
    does: 'Traffic is already back before the hook runs; the hook is killed at its timeout and the result is `failed`, naming the verdict and the hook',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'a rollback hook that hangs past hook-timeout: blue already has 100%, result failed naming the verdict and the hook',
    },
  },
  {
    fault: 'Hook prints megabytes',
    does: 'Streams every line to the log as it comes and keeps only the last 64 KiB for the report; one endless line is logged in bounded pieces; the deploy goes on',
    endState: 'as the deploy decides (here promoted: the new slot 100%)',
    test: {
      file: FILE,
      name: 'a deploy hook printing 19 MB in lines: streamed line by line, 64 KiB kept, the deploy promotes',
    },
  },
  {
    fault: 'Hook killed by a signal (OOM killer, `kill -9`)',
    does: 'Fails the step naming the signal: `exited with code 137 (killed by SIGKILL: the out-of-memory killer, or a kill -9 outside Glidepath)`; before the shift nothing moves',
    endState: 'unchanged: the live slot keeps 100%',
    test: {
      file: FILE,
      name: 'a deploy hook killed by SIGKILL (as the OOM killer does): nothing moved, the reason names the signal',
    },
  },
  {
    fault: 'Verify hook killed by a signal at 100%',
    does: 'Rolls back (result `rolled-back`), naming the signal',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'bundle: a verify hook killed by SIGKILL at 100% rolls back to blue 100%, and the reason names the signal',
    },
  },
  {
    fault: 'Cleanup hook killed by a signal after the promotion',
    does: 'Keeps the promotion (result `promoted`) and warns, naming the signal',
    endState: 'new slot 100%',
    test: {
      file: FILE,
      name: 'a cleanup hook killed by SIGKILL after the promotion: green keeps 100%, result promoted with a warning naming the signal',
    },
  },
];
