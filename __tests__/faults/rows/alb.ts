// "When things go wrong": the AWS ELBv2 API throttles, fails, lies or stops taking our credentials.
import type { FaultRow } from './types.js';

const FILE = '__tests__/faults/alb.test.ts';

export const rows: FaultRow[] = [
  {
    fault: 'ALB API throttling storm (a few seconds)',
    does: 'Retries each throttled call with bounded exponential backoff (6 tries, 0.4 s to 6 s apart), logging each retry; the deploy goes on',
    endState: 'as the deploy decides (here promoted: the new slot 100%)',
    test: {
      file: FILE,
      name: 'every ELBv2 call throttled for 8 s from the read-back after step 1: the bounded backoff rides it out and the canary promotes',
    },
  },
  {
    fault: 'ALB API throttling storm (40 s)',
    does: 'Gives up on the step naming `Throttling: Rate exceeded` (result `failed`), keeps retrying the restore until it goes through, releases the lock',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'every ELBv2 call throttled for 40 s from the read-back after step 1: the step fails naming Throttling, the restore outlasts the storm, blue 100%, lock released',
    },
  },
  {
    fault: 'ALB API answers 5xx to ModifyRule (after the SDK’s own retries)',
    does: 'Fails the step naming the error (`ServiceUnavailable: Service Unavailable`) and restores the live slot',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'ModifyRule answers 503 at step 2 (after the SDK gave up): blue restored to 100%, result failed naming the 503',
    },
  },
  {
    fault: 'ALB API answers 5xx to the restore',
    does: 'Retries the restore (0.5 s, 1 s, 2 s apart) until the live slot has 100%',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'the restore itself meets a 500 twice: it retries (0.5 s, then 1 s) and blue gets 100%',
    },
  },
  {
    fault: 'ALB API answers 5xx to a read-back',
    does: 'Reads again 0.5 s later; one failed read is no reason to stop',
    endState: 'as the deploy decides (here promoted: the new slot 100%)',
    test: {
      file: FILE,
      name: 'DescribeRules answers 500 once during the read-back after a step: read again 0.5 s later, the canary promotes',
    },
  },
  {
    fault: 'ModifyRule succeeds but reads back other weights',
    does: 'Fails the step naming what it wrote and what it read (`wrote blue 500, green 500; read blue 700, green 299`) and restores the live slot',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'ModifyRule succeeds but reads back blue 700 / green 299 at step 2: rolled back to blue 100%, result failed naming both weights',
    },
  },
  {
    fault: 'ModifyListener succeeds but reads back other weights',
    does: 'The same on a listener’s default action: fails the step naming both weights and restores the live slot',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'ModifyListener succeeds but reads back blue 700 / green 299 at step 2: rolled back to blue 100%, result failed naming both weights',
    },
  },
  {
    fault: 'AWS credentials expire mid-run',
    does: 'Fails naming `ExpiredToken` and how to avoid it (a role session that outlasts `timeout` plus `hook-timeout`); the restore cannot write either, so it says where traffic was last seen and to set the live slot to 100% by hand; the split and the lock stay saved for the post step',
    endState:
      'held at the last split (e.g. blue 95% / green 5%) until someone with credentials restores it (post step, `command: abort`, or by hand)',
    test: {
      file: FILE,
      name: 'every call fails ExpiredToken from minute 5 on: the restore cannot write, result failed naming expired credentials and saying traffic may still be split; the split and the lock stay saved for the post step',
    },
  },
];
