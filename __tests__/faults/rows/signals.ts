// "When things go wrong": the runner cancels the job (SIGINT, then SIGTERM) or the process is killed (SIGKILL).
import type { FaultRow } from './types.js';

const FILE = '__tests__/faults/signals.test.ts';

export const rows: FaultRow[] = [
  {
    fault: 'Job cancelled (SIGINT or SIGTERM) during the deploy hook',
    does: 'Stops the hook with its children; result `failed`: `deploy-command was stopped: the run was cancelled (SIGTERM); no traffic was moved`; releases the lock',
    endState: 'unchanged: the live slot keeps 100%',
    test: {
      file: FILE,
      name: 'SIGTERM before the shift (in the deploy hook): the hook is stopped, nothing moved, result failed, lock released',
    },
  },
  {
    fault: 'Job cancelled (SIGINT or SIGTERM) mid-step',
    does: 'Puts all traffic back on the live slot at once; result `failed`: `the run was cancelled (SIGINT) …; traffic restored to blue`; releases the lock',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'SIGINT mid-step: blue is restored to 100%, result failed naming the signal, lock released',
    },
  },
  {
    fault: 'Job cancelled during a rollback (in `rollback-command`)',
    does: 'Traffic is already back; gives the rollback hook 5 s more, then stops it, so the outputs and the report are written before the runner kills the process; result `failed` naming the verdict and the stopped hook',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: "SIGTERM during a rollback (in the rollback hook): blue stays at 100%, the hook is stopped 5 s later (before the runner's kill), result failed naming the verdict and the stopped hook, lock released",
    },
  },
  {
    fault: 'Job cancelled during cleanup (after the promotion)',
    does: 'Stops `cleanup-command` and keeps the promotion: result `promoted`, with a warning that cleanup was stopped',
    endState: 'new slot 100%',
    test: {
      file: FILE,
      name: 'SIGTERM during cleanup: the promotion stands (green 100%), result promoted with the cleanup cut short, lock released',
    },
  },
  {
    fault: 'Main step killed (SIGKILL) before the shift',
    does: 'Main writes nothing more; the post step finds no split and releases the lock',
    endState: 'unchanged: the live slot keeps 100%',
    test: {
      file: FILE,
      name: 'SIGKILL before the shift, then post: nothing moved, the post step releases the lock',
    },
  },
  {
    fault: 'Main step killed (SIGKILL) mid-step',
    does: 'The post step reads the split main saved, sets the live slot to 100%, marks the unverified slot rejected, warns that the deploy did not finish, and releases the lock',
    endState: 'live slot 100% (post step)',
    test: {
      file: FILE,
      name: 'SIGKILL mid-step, then post: the post step restores blue to 100%, says the deploy did not finish, releases the lock',
    },
  },
  {
    fault: 'Main step killed (SIGKILL) during a rollback',
    does: 'Traffic was back before the rollback hook ran; the post step releases the lock',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'SIGKILL during a rollback, then post: blue is already at 100% and stays, the post step releases the lock',
    },
  },
  {
    fault: 'Main step killed (SIGKILL) during cleanup',
    does: 'The promotion stands; the post step moves nothing and releases the lock',
    endState: 'new slot 100%',
    test: {
      file: FILE,
      name: 'SIGKILL during cleanup, then post: the promotion stands (green 100%), the post step releases the lock',
    },
  },
];
