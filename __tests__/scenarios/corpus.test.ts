// The scenario corpus through the sequential judge: every scenario reaches its expected outcome on a
// handful of seeds (npm run bench:verdicts runs hundreds and the rule it replaced beside it).
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './corpus.js';
import { newJudge, todaysRule } from './simulate.js';

describe('scenario corpus, sequential judge', () => {
  for (const sc of SCENARIOS) {
    it(`${sc.name}: ${sc.expected}`, () => {
      const seeds = sc.kind === 'healthy' ? 12 : 5;
      for (let seed = 1; seed <= seeds; seed++) {
        const r = newJudge(sc, seed * 7919);
        expect(r.outcome, `seed ${seed}: ${r.reason}`).toBe(sc.expected);
      }
    });
  }

  it('reasons a person can check: a latency regression names both slots, the shift and its bound', () => {
    const sc = SCENARIOS.find((s) => s.name.startsWith('+30% latency'))!;
    expect(newJudge(sc, 7919).reason).toMatch(
      /^green p50 \d+ms vs blue \d+ms \(\+\d+%, at least \+\d+(\.\d)?% with 99% confidence\) exceeds the 20% tolerance \(max-latency-increase\); \d+ paired probes$/,
    );
  });

  it('lack of data is never called unhealthy by the new judge, as it was by the rule it replaced', () => {
    const sc = SCENARIOS.find((s) => s.name === 'no traffic')!;
    expect(newJudge(sc, 1).outcome).toBe('failed');
    expect(todaysRule(sc, 1).outcome).toBe('rolled-back');
  });
});
