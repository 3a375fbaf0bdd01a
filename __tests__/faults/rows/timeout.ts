// "When things go wrong": the run's `timeout` reached in the middle of a step.
import type { FaultRow } from './types.js';

const FILE = '__tests__/faults/timeout.test.ts';

export const rows: FaultRow[] = [
  {
    fault: '`timeout` reached mid-step',
    does: 'Cuts the step off at the deadline; restores the live slot (the restore itself is not cut short) and says `the run hit its timeout of 7m (input timeout)`; result `failed`, the new version not judged',
    endState: 'live slot 100%, read back from HAProxy; lock released',
    test: {
      file: FILE,
      name: 'timeout reached 2 minutes into the 5-minute second step: the step is cut off, the live slot restored, the reason names the timeout input',
    },
  },
  {
    fault: '`timeout` reached mid-step after a slow deploy hook (through the bundle)',
    does: 'As above, as a runner shows it: the step fails with the timeout as its reason and a non-zero exit',
    endState: 'live slot 100%, read back from HAProxy; lock released',
    test: {
      file: FILE,
      name: 'timeout reached mid-step through the bundle (a slow deploy hook ate the margin): result failed, the reason names the timeout input, the live slot back at 100%',
    },
  },
];
