// Properties of the sequential judge on generated streams: healthy A/A traffic is rolled back no more
// often than the error budget allows, however often it is looked at; a version failing every request
// always is. Each property runs a few hundred seeded streams and compares the count of false
// rollbacks with the budget through an exact binomial tail, so a judge that peeks without paying
// (a fixed-n test re-run at every reading) fails it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DeployJudge } from '../../src/judge/deploy-judge.js';
import { binomialUpperTail } from '../../src/judge/stats/binomial.js';
import { limits, probe, traffic } from './signal-builders.js';
import type { TestId } from '../../src/judge/types.js';

/** mulberry32: a seeded generator */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function binomial(n: number, p: number, r: () => number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (r() < p) k++;
  return k;
}

/** the fewest false rollbacks in `runs` streams that would be surprising (chance < 1e-4) at rate `alpha` */
function surprising(runs: number, alpha: number): number {
  let c = 0;
  while (binomialUpperTail(c, runs, alpha) >= 1e-4) c++;
  return c;
}

const STREAMS = 200;
const CONFIDENCE = 0.95;

function judge(tests: TestId[], over = {}) {
  const j = new DeployJudge({
    limits: limits({
      confidence: CONFIDENCE,
      compareToStable: tests.some((t) => t.startsWith('compare')),
      ...over,
    }),
    target: 'green',
    tests,
    realTraffic: true,
  });
  j.beginStep(10);
  return j;
}

describe('A/A: healthy streams at the limit, any cadence', () => {
  it('errors against the limit: false rollbacks stay within 1 − confidence', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          perReading: fc.integer({ min: 1, max: 120 }),
          readings: fc.integer({ min: 20, max: 300 }),
          limitPct: fc.constantFrom(0.5, 1, 2, 5),
        }),
        ({ seed, perReading, readings, limitPct }) => {
          const r = rng(seed);
          let rolledBack = 0;
          for (let s = 0; s < STREAMS; s++) {
            // the worst healthy version: exactly at the limit
            const j = judge(['error-limit'], { maxErrorRate: limitPct });
            for (let i = 0; i < readings; i++) {
              if (j.observe([traffic('green', perReading, binomial(perReading, limitPct / 100, r))])) {
                rolledBack++;
                break;
              }
              if (i % 20 === 19) j.evaluate();
            }
          }
          expect(rolledBack).toBeLessThan(surprising(STREAMS, 1 - CONFIDENCE));
        },
      ),
      { numRuns: 8, seed: 9 },
    );
  });

  it('errors compared with the live slot at the same rate: false rollbacks stay within budget', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          perReading: fc.integer({ min: 5, max: 200 }),
          readings: fc.integer({ min: 20, max: 200 }),
          ratePct: fc.constantFrom(0.5, 2, 5),
        }),
        ({ seed, perReading, readings, ratePct }) => {
          const r = rng(seed);
          let rolledBack = 0;
          for (let s = 0; s < STREAMS; s++) {
            const j = judge(['compare-errors'], { maxErrorRateIncrease: 0, maxErrorRate: 100 });
            for (let i = 0; i < readings; i++) {
              const stable = perReading * 9;
              const g = traffic('green', perReading, binomial(perReading, ratePct / 100, r));
              const b = traffic('blue', stable, binomial(stable, ratePct / 100, r));
              if (j.observe([g, b])) {
                rolledBack++;
                break;
              }
              if (i % 20 === 19) j.evaluate();
            }
          }
          expect(rolledBack).toBeLessThan(surprising(STREAMS, 1 - CONFIDENCE));
        },
      ),
      { numRuns: 4, seed: 11 },
    );
  });

  it('paired latency of two equal slots: the sign test rolls back no more than its budget', () => {
    fc.assert(
      fc.property(
        fc.record({ seed: fc.integer(), pairs: fc.integer({ min: 10, max: 400 }) }),
        ({ seed, pairs }) => {
          const r = rng(seed);
          let rolledBack = 0;
          for (let s = 0; s < STREAMS; s++) {
            // zero tolerance: the null is exactly "the median ratio is 1"
            const j = judge(['compare-latency'], {
              maxLatencyIncrease: { kind: 'ms', value: 0, text: '0ms' },
            });
            for (let i = 0; i < pairs; i++) {
              const base = 40 + 20 * r();
              const g = probe({
                via: 'slot',
                slot: 'green',
                pair: i,
                latencyMs: base * Math.exp(0.3 * (r() - 0.5)),
              });
              const b = probe({
                via: 'slot',
                slot: 'blue',
                pair: i,
                latencyMs: base * Math.exp(0.3 * (r() - 0.5)),
              });
              if (j.observe([g, b])) {
                rolledBack++;
                break;
              }
            }
          }
          expect(rolledBack).toBeLessThan(surprising(STREAMS, 1 - CONFIDENCE));
        },
      ),
      { numRuns: 5, seed: 13 },
    );
  });

  it('a judge that re-ran a fixed-n test at every reading would fail this bound (the check has teeth)', () => {
    // the point estimate above the limit at any reading: what "judge again and again" does
    const r = rng(1);
    let rolledBack = 0;
    for (let s = 0; s < STREAMS; s++) {
      let k = 0;
      let n = 0;
      for (let i = 0; i < 100; i++) {
        n += 20;
        k += binomial(20, 0.01, r);
        if (k / n > 0.01 && binomialUpperTail(k, n, 0.01) < 1 - CONFIDENCE) {
          rolledBack++;
          break;
        }
      }
    }
    expect(rolledBack).toBeGreaterThanOrEqual(surprising(STREAMS, 1 - CONFIDENCE));
  });
});

describe('a stream failing every request', () => {
  it('is always rolled back, within a few readings, at any cadence and limit below 100%', () => {
    fc.assert(
      fc.property(
        fc.record({
          perReading: fc.integer({ min: 1, max: 50 }),
          limitPct: fc.double({ min: 0, max: 50, noNaN: true }),
          confidence: fc.constantFrom(0.9, 0.99, 0.999),
        }),
        ({ perReading, limitPct, confidence }) => {
          const j = judge(['error-limit', 'latency-limit', 'compare-errors'], {
            maxErrorRate: limitPct,
            confidence,
          });
          let at = 0;
          while (!j.observe([traffic('green', perReading, perReading)]) && at < 50) at++;
          expect(j.decision?.cause).toBe('verdict');
          // at most 16 failing requests even at 99.9% split three ways and a 50% limit
          expect((at + 1) * perReading).toBeLessThanOrEqual(Math.max(16, perReading));
        },
      ),
      { numRuns: 200, seed: 17 },
    );
  });
});
