// "When things go wrong": HAProxy itself fails (killed, its runtime socket refusing, a server gone, one of a pair dead).
import type { FaultRow } from './types.js';

const FILE = '__tests__/faults/haproxy.test.ts';

export const rows: FaultRow[] = [
  {
    fault: 'HAProxy killed mid-canary, restarted 2 s later',
    does: 'Sees the probes and the stats check fail; finds the runtime socket dead (`connect ECONNREFUSED`), so holds nothing against the new version (result `failed`, not `rolled-back`); retries the restore 4 times over 3.5 s and sets the live slot to 100% once HAProxy answers (a restart reloads the weights of its config file, which may favour the new slot)',
    endState: 'live slot 100%, read back from the restarted HAProxy; the run lock gone with the restart',
    test: {
      file: FILE,
      name: 'HAProxy killed mid-canary and restarted 2 s later: no verdict on the new version, the live slot gets 100% back once HAProxy answers, the reason names the dead socket',
    },
  },
  {
    fault: 'Runtime socket refusing connections at the start',
    does: 'Refuses the deploy naming the socket and `connect ECONNREFUSED`, before any hook runs',
    endState: 'unchanged: the live slot keeps 100%',
    test: {
      file: FILE,
      name: 'the runtime socket refuses connections from the start: the deploy is refused naming the socket, its hooks never run, nothing moves',
    },
  },
  {
    fault: 'Runtime socket refusing connections mid-step (HAProxy still serving)',
    does: 'Fails the step on the stats check that cannot run, retries the restore 4 times, then fails saying where traffic was last seen and to set the live slot to 100% by hand; the post step restores it when the socket answers again, and releases the lock',
    endState:
      'held at the last split (e.g. blue 90% / green 10%) until the socket answers; then the live slot 100% (post step)',
    test: {
      file: FILE,
      name: 'the runtime socket starts refusing mid-step: the run fails naming it and says the split is held and how to end it; the post step restores the live slot once it answers',
    },
  },
  {
    fault: 'HAProxy answers unknown server (a server of the new slot deleted or reloaded away mid-step)',
    does: 'Fails the step naming the `*-target` server HAProxy no longer has; restores the live slot without it (a server HAProxy lacks takes no traffic) and says so',
    endState: 'live slot 100%',
    test: {
      file: FILE,
      name: 'HAProxy no longer has a server of the new slot mid-step (unknown server): the live slot gets 100%, the reason names the missing server',
    },
  },
  {
    fault: 'One instance of an HAProxy pair dies mid-step',
    does: 'Fails the run; restores the live slot on the instance that answers and names the dead one, which could not be set after 4 attempts; the post step tries it again and says it still cannot',
    endState:
      'live slot 100% on the surviving instance; the dead one as it was when it died (set it by hand or run `abort` when it answers)',
    test: {
      file: '__tests__/e2e/haproxy-topologies.test.ts',
      name: 'one instance dies mid-step: the run fails, the other is restored, the message names the dead one; the post step says it still cannot',
    },
  },
];
