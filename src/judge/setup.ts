// Which statistical tests a deploy runs, decided from the inputs before any traffic moves, and the
// error budget they share: the chance that any of them rolls back a healthy version during the whole
// deploy is at most 1 − confidence (a union bound over equal shares).
import type { Config, Slot } from '../config/types.js';
import type { Limits, TestId } from './types.js';

/** Providers whose own metrics count the new slot's requests and failed requests. */
const REAL_TRAFFIC: ReadonlySet<string> = new Set(['haproxy', 'alb', 'lambda']);

export interface LatencySamples {
  /** probes straight at the new slot give per-probe latency samples of it */
  slot: boolean;
  /** probes sent to both slots at the same instant (pre-traffic-urls, or HAProxy servers' own addresses) */
  paired: boolean;
}

export function latencySamples(config: Config): LatencySamples {
  const haproxyPairs = config.provider.kind === 'haproxy' && config.healthUrls.length > 0;
  const paired = config.compareToStable && (config.preTrafficUrls.length > 0 || haproxyPairs);
  return { slot: config.preTrafficUrls.length > 0 || paired, paired };
}

export function hasRealTraffic(config: Config): boolean {
  return REAL_TRAFFIC.has(config.provider.kind);
}

/** The statistical tests this config runs, in the order reasons list them. */
export function plannedTests(config: Config): TestId[] {
  const traffic = hasRealTraffic(config);
  const samples = latencySamples(config);
  const tests: TestId[] = [];
  if (traffic) tests.push('error-limit');
  if (config.maxLatency && samples.slot) tests.push('latency-limit');
  if (config.compareToStable && traffic) tests.push('compare-errors');
  if (config.compareToStable && samples.paired) tests.push('compare-latency');
  if (config.compareToStable && config.maxLatency && samples.paired) tests.push('compare-latency-tail');
  return tests;
}

export const limitsOf = (c: Config): Limits => ({
  maxErrorRate: c.maxErrorRate,
  maxLatency: c.maxLatency,
  minRequests: c.minRequests,
  compareToStable: c.compareToStable,
  maxUnhealthyTargets: c.maxUnhealthyTargets,
  confidence: c.confidence,
  failureThreshold: c.failureThreshold,
  maxErrorRateIncrease: c.maxErrorRateIncrease,
  maxLatencyIncrease: c.maxLatencyIncrease,
  ...(c.maxFailedRequests !== undefined ? { maxFailedRequests: c.maxFailedRequests } : {}),
});

export interface JudgeSetup {
  limits: Limits;
  target: Slot;
  tests: TestId[];
  /** real-traffic counts are expected: min-requests applies to every step */
  realTraffic: boolean;
}

export function judgeSetup(config: Config, target: Slot): JudgeSetup {
  return {
    limits: limitsOf(config),
    target,
    tests: plannedTests(config),
    realTraffic: hasRealTraffic(config),
  };
}

/** Each test's share of the error budget. */
export function alphaPerTest(confidence: number, tests: number): number {
  return (1 - confidence) / Math.max(1, tests);
}
