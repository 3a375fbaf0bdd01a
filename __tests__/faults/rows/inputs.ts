// "When things go wrong": the workflow passes inputs that cannot work (fuzzed with fast-check).
import type { FaultRow } from './types.js';

const FILE = '__tests__/faults/inputs.test.ts';

export const rows: FaultRow[] = [
  {
    fault: 'Any input set to anything (wrong type, empty, control characters, 5,000 characters)',
    does: 'Refuses before touching any load balancer, check or hook: one `::error` per problem, each naming its input first, none repeated, no secret shown (registered with the runner’s masking); `result` `failed`, `N inputs are invalid: no traffic was moved`',
    endState: 'unchanged: nothing was contacted',
    test: {
      file: FILE,
      name: 'run() never crashes; a refused config fails with one ::error per problem naming its input, reaches no router, check or hook, and prints no secret',
    },
  },
  {
    fault: 'One input changed to a bad value',
    does: 'The refusal names that input (a combination rule names it in its words)',
    endState: 'unchanged: nothing was contacted',
    test: {
      file: FILE,
      name: 'one input changed to anything: a refusal names that input (the problem is where the user made it)',
    },
  },
  {
    fault: '`plan` run on inputs `deploy` would refuse',
    does: 'Refuses them with the same messages as deploy',
    endState: 'unchanged: plan never moves traffic',
    test: { file: FILE, name: 'plan refuses what deploy refuses, with the same messages' },
  },
];
