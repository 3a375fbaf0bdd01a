// Runs one corpus deploy through a judge on the engine's schedule: HAProxy counters every 100 ms,
// probes and an evaluation every probe-interval, each step held for its interval, extended once when
// short of min-requests. `newJudge` feeds the real DeployJudge the engine uses; `todaysRule` replays
// the rule it replaced (bench/verdicts/baseline-*.ts, kept as they were).
import type { Config } from '../../src/config/types.js';
import { DeployJudge } from '../../src/judge/deploy-judge.js';
import { judgeSetup } from '../../src/judge/setup.js';
import type { Signal } from '../../src/judge/types.js';
import { judge as baselineJudge } from '../../bench/verdicts/baseline-judge.js';
import { configWith } from '../helpers/config.js';
import { DeployStream, type Outcome, type Scenario } from './corpus.js';

export const READ_MS = 100;

export interface RunResult {
  outcome: Outcome;
  /** ms from the first shift to the decision (rollback, lack of data or promotion) */
  atMs: number;
  reason: string;
}

export function configOf(sc: Scenario): Config {
  const i = sc.inputs;
  return configWith({
    provider: {
      kind: 'haproxy',
      sockets: [{ kind: 'unix', path: '/run/haproxy.sock' }],
      blue: { backend: 'web', servers: ['blue'] },
      green: { backend: 'web', servers: ['green'] },
    },
    healthUrls: [
      { url: 'http://shop.test/health', expect: [{ min: 200, max: 299 }], text: 'http://shop.test/health' },
    ],
    intervalMs: i.stepMs,
    probeIntervalMs: i.probeIntervalMs,
    maxErrorRate: i.maxErrorRate,
    minRequests: i.minRequests,
    failureThreshold: i.failureThreshold,
    compareToStable: i.compareToStable,
    ...(i.maxLatency ? { maxLatency: i.maxLatency } : {}),
  });
}

export function newJudge(sc: Scenario, seed: number): RunResult {
  const stream = new DeployStream(sc, seed);
  const config = configOf(sc);
  const judge = new DeployJudge(judgeSetup(config, stream.target));
  const pi = sc.inputs.probeIntervalMs;
  let t = 0;
  const stop = (cause: 'verdict' | 'fault', reason: string): RunResult => ({
    outcome: cause === 'verdict' ? 'rolled-back' : 'failed',
    atMs: t,
    reason,
  });
  for (const [index, weight] of [...sc.inputs.canarySteps, 100].entries()) {
    judge.beginStep(weight, {}, { startedAt: t, holdMs: sc.inputs.stepMs });
    let holdEnd = t + sc.inputs.stepMs;
    let extended = false;
    let settling = 0;
    let nextRead = t;
    let lastRead = t;
    let nextTick = Math.min(t + pi, holdEnd);
    for (;;) {
      t = Math.min(nextRead, nextTick);
      if (t === nextRead) {
        const d = judge.observe(stream.counters(t, weight, t - lastRead), ['haproxy-stats']);
        lastRead = t;
        nextRead = t + READ_MS;
        if (d) return stop(d.cause, d.reason);
      }
      if (t !== nextTick) continue;
      const d =
        judge.observe(stream.probes(t, weight), ['http-probe', 'paired-probes']) ?? judge.evaluate().decision;
      if (d) return stop(d.cause, d.reason);
      if (t < holdEnd) {
        nextTick = Math.min(t + pi, holdEnd);
        continue;
      }
      nextTick = t + pi;
      if (judge.streak > 0 && settling < sc.inputs.failureThreshold - 1) {
        settling++;
        continue;
      }
      const v = judge.endOfStep(index + 1);
      if (v.status === 'pass') break;
      if (extended)
        return { outcome: 'failed', atMs: t, reason: `not enough data: ${v.decisive ?? v.reason}` };
      extended = true;
      holdEnd += Math.max(sc.inputs.stepMs, pi);
      nextTick = Math.min(t + pi, holdEnd);
    }
  }
  return { outcome: 'promoted', atMs: t, reason: '' };
}

type Traffic = Extract<Signal, { kind: 'traffic' }>;

/** The rule in use before the sequential judge: windows of one probe-interval, failure-threshold in a row. */
export function todaysRule(sc: Scenario, seed: number): RunResult {
  const stream = new DeployStream(sc, seed);
  const i = sc.inputs;
  const limits = {
    maxErrorRate: i.maxErrorRate,
    minRequests: i.minRequests,
    compareToStable: i.compareToStable,
    maxUnhealthyTargets: 0,
    ...(i.maxLatency ? { maxLatency: i.maxLatency } : {}),
  };
  const pi = i.probeIntervalMs;
  let t = 0;
  for (const weight of [...i.canarySteps, 100]) {
    let holdEnd = t + i.stepMs;
    let extended = false;
    let settling = 0;
    let consecutive = 0;
    const traffic: Signal[] = [];
    let states: Signal[] = [];
    for (;;) {
      const start = t;
      t = t < holdEnd ? Math.min(t + pi, holdEnd) : t + pi;
      // one HAProxy reading per evaluation window (what the stats check returned), the service probe
      const counts: Signal[] = [];
      for (let r = start; r < t; r += READ_MS)
        counts.push(...stream.counters(r, weight, Math.min(READ_MS, t - r)));
      const window: Signal[] = (['green', 'blue'] as const).map((slot) => {
        const mine = counts.filter((c): c is Traffic => c.kind === 'traffic' && c.slot === slot);
        const s: Traffic = {
          kind: 'traffic',
          at: t,
          slot,
          source: 'haproxy',
          requests: mine.reduce((n, c) => n + c.requests, 0),
          errors5xx: mine.reduce((n, c) => n + c.errors5xx, 0),
        };
        const mean = mine.find((c) => c.meanLatencyMs !== undefined)?.meanLatencyMs;
        if (s.requests > 0 && mean !== undefined) s.meanLatencyMs = mean;
        return s;
      });
      window.push(...stream.probes(t, weight).filter((p) => p.kind === 'probe' && p.via === 'service'));
      const v = baselineJudge(window, limits, stream.target, { scope: 'evaluation', targetWeight: weight });
      if (v.status === 'fail') consecutive++;
      else if (v.status === 'pass') consecutive = 0;
      if (consecutive >= i.failureThreshold)
        return { outcome: 'rolled-back', atMs: t, reason: v.decisive ?? v.reason };
      traffic.push(...window.filter((s) => s.kind === 'traffic'));
      states = window.filter((s) => s.kind !== 'traffic');
      if (t < holdEnd) continue;
      if (consecutive > 0 && settling < i.failureThreshold - 1) {
        settling++;
        continue;
      }
      const step = baselineJudge([...traffic, ...states], limits, stream.target, { targetWeight: weight });
      if (step.status === 'pass') break;
      // today a failed step and a step short of data after its extension both roll back
      if (step.status === 'fail')
        return { outcome: 'rolled-back', atMs: t, reason: step.decisive ?? step.reason };
      if (extended) return { outcome: 'rolled-back', atMs: t, reason: `not enough data: ${step.reason}` };
      extended = true;
      holdEnd += Math.max(i.stepMs, pi);
    }
  }
  return { outcome: 'promoted', atMs: t, reason: '' };
}
