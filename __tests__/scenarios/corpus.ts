// The scenario corpus: seeded generators of whole deploys on an HAProxy-like provider (counters per
// slot every 100 ms, a probe through the service and a pair of probes straight at both slots every
// probe-interval), each with the outcome a good judge must reach.
import type { Slot } from '../../src/config/types.js';
import type { Signal } from '../../src/judge/types.js';

export type Outcome = 'promoted' | 'rolled-back' | 'failed';

/** What each slot does at time t (ms since the deploy's first shift). */
export interface SlotModel {
  /** failure probability of one request */
  errorRate: (t: number) => number;
  /** median latency, ms */
  latencyMs: (t: number) => number;
}

export interface Scenario {
  name: string;
  expected: Outcome;
  /** healthy versions count towards false rollbacks; broken ones towards missed regressions */
  kind: 'healthy' | 'regression' | 'no-data';
  /** when the regression starts, ms (for time to decision) */
  onsetMs: number;
  /** requests per second through the service */
  rps: number;
  inputs: {
    canarySteps: number[];
    stepMs: number;
    probeIntervalMs: number;
    maxErrorRate: number;
    minRequests: number;
    failureThreshold: number;
    compareToStable: boolean;
    maxLatency?: { percentile: number; maxMs: number; text: string };
  };
  model: (target: Slot) => Record<Slot, SlotModel>;
}

/** mulberry32: a small seeded generator */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function poisson(mean: number, r: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(r)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  for (;;) {
    p *= r();
    if (p <= l) return k;
    k++;
  }
}

export function binomial(n: number, p: number, r: () => number): number {
  if (p <= 0) return 0;
  if (p >= 1) return n;
  let k = 0;
  for (let i = 0; i < n; i++) if (r() < p) k++;
  return k;
}

export function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const STEP_MS = 120_000;
const base: Scenario['inputs'] = {
  canarySteps: [5, 25, 50],
  stepMs: STEP_MS,
  probeIntervalMs: 2_000,
  maxErrorRate: 1,
  minRequests: 20,
  failureThreshold: 2,
  compareToStable: true,
};
const steady = (errorRate: number, latencyMs = 50): SlotModel => ({
  errorRate: () => errorRate,
  latencyMs: () => latencyMs,
});
const both = (target: Slot, fresh: SlotModel, live: SlotModel): Record<Slot, SlotModel> =>
  target === 'green' ? { green: fresh, blue: live } : { blue: fresh, green: live };

export const SCENARIOS: Scenario[] = [
  {
    name: 'healthy with noise',
    expected: 'promoted',
    kind: 'healthy',
    onsetMs: 0,
    rps: 20,
    inputs: base,
    model: (t) => both(t, steady(0.003), steady(0.003)),
  },
  {
    name: 'slow warm-up',
    expected: 'promoted',
    kind: 'healthy',
    onsetMs: 0,
    rps: 20,
    inputs: base,
    // +50% latency for the first 20% of the first step, then equal
    model: (t) =>
      both(t, { errorRate: () => 0.003, latencyMs: (ms) => (ms < 0.2 * STEP_MS ? 75 : 50) }, steady(0.003)),
  },
  {
    name: 'sparse traffic below min-requests',
    expected: 'failed',
    kind: 'no-data',
    onsetMs: 0,
    rps: 0.05,
    inputs: base,
    model: (t) => both(t, steady(0.003), steady(0.003)),
  },
  {
    name: 'no traffic',
    expected: 'failed',
    kind: 'no-data',
    onsetMs: 0,
    rps: 0,
    inputs: base,
    model: (t) => both(t, steady(0), steady(0)),
  },
  {
    name: '+30% latency, compare-to-stable',
    expected: 'rolled-back',
    kind: 'regression',
    onsetMs: 0,
    rps: 20,
    inputs: { ...base, maxLatency: { percentile: 99, maxMs: 2000, text: 'p99<2s' } },
    model: (t) => both(t, steady(0.003, 65), steady(0.003, 50)),
  },
  {
    name: 'sustained 3% errors, 1% limit',
    expected: 'rolled-back',
    kind: 'regression',
    onsetMs: 0,
    rps: 20,
    inputs: base,
    model: (t) => both(t, steady(0.03), steady(0.003)),
  },
  {
    name: 'intermittent bursts averaging 3%',
    expected: 'rolled-back',
    kind: 'regression',
    onsetMs: 0,
    rps: 20,
    inputs: base,
    // 30% failures for 6 s in every minute
    model: (t) =>
      both(t, { errorRate: (ms) => (ms % 60_000 < 6_000 ? 0.3 : 0), latencyMs: () => 50 }, steady(0.003)),
  },
  {
    name: 'degraded live slot (both 3%, 1% limit)',
    expected: 'rolled-back',
    kind: 'regression',
    onsetMs: 0,
    rps: 20,
    inputs: base,
    model: (t) => both(t, steady(0.03), steady(0.03)),
  },
  {
    name: 'hard failure (every request fails)',
    expected: 'rolled-back',
    kind: 'regression',
    onsetMs: 0,
    rps: 20,
    inputs: base,
    model: (t) => both(t, steady(1), steady(0.003)),
  },
];

/** A latency sample: the slot's median, a shared instant factor (load), and its own jitter. */
export function latencySample(medianMs: number, common: number, r: () => number): number {
  return medianMs * Math.exp(common + 0.08 * gaussian(r));
}

/**
 * The readings of one deploy, as the engine's sources would give them: `counters(t)` every 100 ms
 * (both slots, since the previous reading), `probes(t)` every probe-interval.
 */
export class DeployStream {
  readonly target: Slot = 'green';
  readonly live: Slot = 'blue';
  private readonly r: () => number;
  private readonly slots: Record<Slot, SlotModel>;
  private pair = 0;

  constructor(
    readonly scenario: Scenario,
    seed: number,
  ) {
    this.r = rng(seed);
    this.slots = scenario.model(this.target);
  }

  counters(t: number, weight: number, spanMs: number): Signal[] {
    const total = (this.scenario.rps * spanMs) / 1000;
    return (['green', 'blue'] as const).map((slot): Signal => {
      const share = slot === this.target ? weight / 100 : 1 - weight / 100;
      const requests = poisson(total * share, this.r);
      const m = this.slots[slot];
      const errors = binomial(requests, m.errorRate(t), this.r);
      const s: Signal = { kind: 'traffic', at: t, slot, source: 'haproxy', requests, errors5xx: errors };
      // HAProxy's rolling mean over its last requests: the mean of a lognormal around the median
      if (requests > 0) s.meanLatencyMs = m.latencyMs(t) * Math.exp((0.3 ** 2 + 0.08 ** 2) / 2);
      return s;
    });
  }

  probes(t: number, weight: number): Signal[] {
    const common = 0.3 * gaussian(this.r);
    const sample = (slot: Slot) => latencySample(this.slots[slot].latencyMs(t), common, this.r);
    const fails = (slot: Slot) => this.r() < this.slots[slot].errorRate(t);
    const served: Slot = this.r() < weight / 100 ? this.target : this.live;
    const failed = fails(served);
    const out: Signal[] = [
      {
        kind: 'probe',
        at: t,
        url: 'http://shop.test/health',
        via: 'service',
        ok: !failed,
        status: failed ? 500 : 200,
        latencyMs: sample(served),
      },
    ];
    if (this.scenario.inputs.compareToStable) {
      const id = ++this.pair;
      for (const slot of [this.target, this.live]) {
        const bad = fails(slot);
        out.push({
          kind: 'probe',
          at: t,
          url: `http://10.0.0.${slot === 'blue' ? 1 : 2}:8080/health`,
          via: 'slot',
          slot,
          pair: id,
          ok: !bad,
          status: bad ? 500 : 200,
          latencyMs: sample(slot),
        });
      }
    }
    return out;
  }
}
