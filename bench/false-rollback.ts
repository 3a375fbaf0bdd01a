// How often the per-evaluation verdict would roll back a HEALTHY version, and how fast it catches a
// broken one: the real judge (evaluation scope) fed simulated traffic windows, seeded so runs repeat.
import { judge } from '../src/judge/thresholds.js';
import type { Limits, Signal } from '../src/judge/types.js';
import type { BenchResult, Figure } from './results.js';

/** mulberry32: a small seeded generator, so the figures are the same on every run */
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

interface Case {
  label: string;
  /** true 5xx rate of the new slot, 0..1 */
  rate: number;
  requestsPerEvaluation: number;
}

const CASES: Case[] = [
  { label: 'healthy 0.5%, 30 req/eval', rate: 0.005, requestsPerEvaluation: 30 },
  { label: 'healthy 0.5%, 100 req/eval', rate: 0.005, requestsPerEvaluation: 100 },
  { label: 'healthy 0.8%, 300 req/eval', rate: 0.008, requestsPerEvaluation: 300 },
  { label: 'broken 5%, 30 req/eval', rate: 0.05, requestsPerEvaluation: 30 },
  { label: 'broken 100%, 10 req/eval', rate: 1, requestsPerEvaluation: 10 },
];

export function benchFalseRollback(opts: {
  steps: number;
  evaluationsPerStep?: number;
  seed?: number;
}): BenchResult {
  const evaluations = opts.evaluationsPerStep ?? 60;
  const limits: Limits = { maxErrorRate: 1, minRequests: 20, compareToStable: false, maxUnhealthyTargets: 0 };
  const threshold = 2;
  const random = rng(opts.seed ?? 42);
  const figures: Figure[] = [];
  const samples: Record<string, unknown> = {};
  /** steps rolled back, and the evaluation of each rollback, judging every evaluation with `scope` */
  const simulate = (c: Case, scope: 'evaluation' | 'step') => {
    let rolledBack = 0;
    const firstAt: number[] = [];
    for (let s = 0; s < opts.steps; s++) {
      let consecutive = 0;
      for (let e = 1; e <= evaluations; e++) {
        let errors = 0;
        for (let i = 0; i < c.requestsPerEvaluation; i++) if (random() < c.rate) errors++;
        const signal: Signal = {
          kind: 'traffic',
          at: e,
          slot: 'green',
          source: 'haproxy',
          requests: c.requestsPerEvaluation,
          errors5xx: errors,
        };
        const v = judge([signal], limits, 'green', { scope });
        if (v.status === 'fail') consecutive++;
        else if (v.status === 'pass') consecutive = 0;
        if (consecutive >= threshold) {
          rolledBack++;
          firstAt.push(e);
          break;
        }
      }
    }
    firstAt.sort((a, b) => a - b);
    return { rolledBack, firstAt };
  };
  for (const c of CASES) {
    const { rolledBack, firstAt } = simulate(c, 'evaluation');
    // the rule it replaced, in the same run: each evaluation's point estimate against the limit
    const before = simulate(c, 'step');
    const healthy = c.rate * 100 < limits.maxErrorRate;
    const share = (rolledBack / opts.steps) * 100;
    figures.push({
      name: `${c.label}: steps rolled back`,
      value: Number(share.toFixed(1)),
      unit: '%',
      ...(healthy ? { target: '< 5 %', ok: share < 5 } : { target: '100 %', ok: rolledBack === opts.steps }),
    });
    figures.push({
      name: `${c.label}: steps rolled back, point-estimate rule`,
      value: Number(((before.rolledBack / opts.steps) * 100).toFixed(1)),
      unit: '%',
    });
    if (!healthy && firstAt.length) {
      figures.push({
        name: `${c.label}: rolled back at evaluation (median)`,
        value: firstAt[firstAt.length >> 1]!,
      });
      figures.push({
        name: `${c.label}: rolled back at evaluation, point-estimate rule`,
        value: before.firstAt[before.firstAt.length >> 1] ?? '-',
      });
    }
    samples[c.label] = {
      rolledBack,
      steps: opts.steps,
      firstAt: firstAt.slice(0, 20),
      pointEstimate: before.rolledBack,
    };
  }
  return {
    id: 'false-rollback',
    title: 'Per-evaluation verdicts: false rollbacks of a healthy version, detection of a broken one',
    workload: `${opts.steps} simulated steps of ${evaluations} evaluations per case, max-error-rate 1%, min-requests 20, failure-threshold ${threshold}; binomial 5xx per evaluation window, seeded RNG`,
    driver:
      'judge() from src/judge/thresholds.ts in-process, scope evaluation (what the engine asks each probe-interval)',
    figures,
    samples,
  };
}
