// Today's rule, kept as the baseline of npm run bench:verdicts: the limits it read (no confidence, no comparison tolerances).
import type { Limits as CurrentLimits } from '../../src/judge/types.js';

export type { Measures, Signal, Verdict, VerdictStatus } from '../../src/judge/types.js';
export type Limits = Pick<
  CurrentLimits,
  'maxErrorRate' | 'maxLatency' | 'minRequests' | 'compareToStable' | 'maxUnhealthyTargets'
>;
