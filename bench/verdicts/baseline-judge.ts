// The judge: signals of one evaluation window and the limits in, a pass / fail / inconclusive verdict out. Pure.
import type { Slot } from '../../src/config/types.js';
import { otherSlot } from '../../src/config/types.js';
import type { Limits, Measures, Signal, Verdict, VerdictStatus } from './baseline-types.js';
import { compareToStable } from './baseline-compare.js';
import { wilsonLowerBound, Z_99_ONE_SIDED } from './baseline-wilson.js';
import {
  formatLimitMs,
  formatLimitPercent,
  formatMs,
  formatPercent,
  truncate,
} from '../../src/judge/format.js';
import { latencyFigure, sourceOf } from './baseline-latency.js';

type Traffic = Extract<Signal, { kind: 'traffic' }>;
type Probe = Extract<Signal, { kind: 'probe' }>;
type Alarm = Extract<Signal, { kind: 'alarm' }>;
type Targets = Extract<Signal, { kind: 'targets' }>;
type CommandSignal = Extract<Signal, { kind: 'command' }>;
type FaultSignal = Extract<Signal, { kind: 'fault' }>;

/** One criterion's outcome and its clause of the verdict sentence. */
interface Criterion {
  status: VerdictStatus;
  text: string;
}

const REASON_QUOTE_MAX = 120;

/**
 * Judge the target (new) slot. Each criterion with data gives pass, fail or inconclusive; the verdict
 * is fail if any fails, else inconclusive if any is, else pass. The reason lists failing clauses
 * first, then inconclusive ones, then passing ones, so its start is always why.
 */
/**
 * `scope: 'evaluation'` judges one short evaluation window: there a real-traffic error rate fails
 * only when it is above the limit with 99% confidence (Wilson lower bound; bench/false-rollback.ts
 * measures why), because a handful of
 * requests makes a rate noisy and failure-threshold such windows in a row would roll back a
 * healthy version. `'step'` (default) judges a whole step against the limit as measured.
 */
export interface JudgeOptions {
  scope?: 'evaluation' | 'step';
  /** the target's planned percent: at 100 the stable slot gets no traffic, so there is nothing to compare to */
  targetWeight?: number;
  /** how reasons name the slots when the router names them, e.g. `{ green: 'version 8' }` */
  labels?: Partial<Record<Slot, string>>;
}

export function judge(
  signals: readonly Signal[],
  limits: Limits,
  target: Slot,
  options: JudgeOptions = {},
): Verdict {
  const measures: Measures = {};
  const name = (s: Slot): string => options.labels?.[s] ?? s;
  const traffic = signals.filter((s): s is Traffic => s.kind === 'traffic');
  const targetTraffic = traffic.filter((s) => s.slot === target);
  const stableTraffic = traffic.filter((s) => s.slot !== target);
  const probes = signals.filter((s): s is Probe => s.kind === 'probe');
  const upTo = traffic.map((s) => s.dataUpTo).filter((t): t is number => t !== undefined);
  // a late source judges the past: say how fresh the data was
  if (upTo.length) measures.dataUpTo = Math.max(...upTo);
  const share = realisedShare(targetTraffic, stableTraffic);
  if (share !== undefined) measures.targetShare = share;

  const criteria: Criterion[] = [];
  const add = (c: Criterion | undefined) => c && criteria.push(c);

  add(errorRateCriterion(targetTraffic, limits, name(target), measures, options.scope ?? 'step'));
  add(probeCriterion(probes, limits, measures, targetTraffic.length === 0));
  add(latencyCriterion(signals, limits, target, name(target), measures));
  add(alarmCriterion(signals.filter((s): s is Alarm => s.kind === 'alarm')));
  add(
    targetsCriterion(
      signals.filter((s): s is Targets => s.kind === 'targets' && s.slot === target),
      limits,
      name(target),
    ),
  );
  add(commandCriterion(signals.filter((s): s is CommandSignal => s.kind === 'command')));
  add(faultCriterion(signals.filter((s): s is FaultSignal => s.kind === 'fault')));
  const stableServes = (options.targetWeight ?? 0) < 100;
  if (limits.compareToStable && stableServes && targetTraffic.length > 0 && stableTraffic.length > 0) {
    const c = compareToStable(
      {
        slot: name(target),
        requests: sum(targetTraffic, 'requests'),
        errors: sum(targetTraffic, 'errors5xx'),
      },
      {
        slot: name(otherSlot(target)),
        requests: sum(stableTraffic, 'requests'),
        errors: sum(stableTraffic, 'errors5xx'),
      },
      limits.minRequests,
    );
    if (c.stableErrorRate !== undefined) measures.stableErrorRate = c.stableErrorRate;
    add(c);
  }

  if (criteria.length === 0) {
    const reason =
      signals.length === 0
        ? 'no data: nothing was measured in this window'
        : `no data about ${name(target)} in this window`;
    return { status: 'inconclusive', reason, measures };
  }
  const rank: Record<VerdictStatus, number> = { fail: 0, inconclusive: 1, pass: 2 };
  // Array.prototype.sort is stable, so criteria keep their listed order within each status
  const ordered = [...criteria].sort((a, b) => rank[a.status] - rank[b.status]);
  const status = ordered[0]?.status ?? 'inconclusive';
  return {
    status,
    reason: ordered.map((c) => c.text).join('; '),
    decisive: ordered
      .filter((c) => c.status === status)
      .map((c) => c.text)
      .join('; '),
    measures,
  };
}

/** Above a limit, with a hair of tolerance so a rate exactly at the limit is not failed by float noise. */
function above(value: number, limit: number): boolean {
  return value - limit > 1e-9 * Math.max(1, Math.abs(limit));
}

function sum(traffic: readonly Traffic[], key: 'requests' | 'errors5xx'): number {
  return traffic.reduce((n, t) => n + t[key], 0);
}

/** The target's part of both slots' real requests (percent), when both were measured and any flowed. */
function realisedShare(target: readonly Traffic[], stable: readonly Traffic[]): number | undefined {
  if (target.length === 0 || stable.length === 0) return undefined;
  const mine = sum(target, 'requests');
  const all = mine + sum(stable, 'requests');
  return all > 0 ? (mine / all) * 100 : undefined;
}

/**
 * The counts behind a rate, in the source's own terms: `3 of 300 requests, ALB`; for Lambda, whose
 * Invocations leave throttled requests out, `(Errors 2 + Throttles 1) / (Invocations 97 + Throttles 1), Lambda`.
 */
function countsText(traffic: readonly Traffic[], errors: number, requests: number, unit: string): string {
  const source = sourceOf(traffic);
  if (!traffic.every((t) => t.source === 'lambda')) return `${errors} of ${requests}${unit}, ${source}`;
  const throttles = traffic.reduce((n, t) => n + (t.throttles ?? 0), 0);
  return `(Errors ${errors - throttles} + Throttles ${throttles}) / (Invocations ${requests - throttles} + Throttles ${throttles}), ${source}`;
}

function percentOf(part: number, whole: number): number {
  if (whole > 0) return (part / whole) * 100;
  return part > 0 ? 100 : 0;
}

/** a. Real-traffic 5xx rate of the target slot, summed over the window's readings. */
function errorRateCriterion(
  traffic: Traffic[],
  limits: Limits,
  target: string,
  m: Measures,
  scope: 'evaluation' | 'step',
): Criterion | undefined {
  if (traffic.length === 0) return undefined;
  const requests = sum(traffic, 'requests');
  const errors = sum(traffic, 'errors5xx');
  const rate = percentOf(errors, requests);
  const limit = formatLimitPercent(limits.maxErrorRate);
  Object.assign(m, { requests, errors, errorRate: rate, errorSource: traffic[0]?.source });

  const measured = `${target} error rate ${formatPercent(rate)} (${countsText(traffic, errors, requests, ' requests')})`;
  if (scope === 'evaluation' && requests > 0 && errors > 0) {
    const lower = wilsonLowerBound(errors, requests, Z_99_ONE_SIDED);
    if (above(lower, limits.maxErrorRate)) {
      return {
        status: 'fail',
        text: `${measured} is above the ${limit} limit (at least ${formatPercent(lower)} with 99% confidence)`,
      };
    }
    if (above(rate, limits.maxErrorRate)) {
      return {
        status: 'inconclusive',
        text: `${measured} is above the ${limit} limit, but too few requests to be sure (99% lower bound ${formatPercent(lower)})`,
      };
    }
  }
  if (requests < limits.minRequests) {
    // Pad the missing requests with successes: if even that best case is above the limit, more
    // traffic cannot rescue the step, so failing now is conclusive.
    const bestCase = percentOf(errors, limits.minRequests);
    if (above(bestCase, limits.maxErrorRate)) {
      return {
        status: 'fail',
        text: `${measured} is above the ${limit} limit, and would be even if the ${limits.minRequests - requests} requests missing to min-requests ${limits.minRequests} all succeeded`,
      };
    }
    return {
      status: 'inconclusive',
      text: `only ${requests} requests on ${target}, fewer than min-requests ${limits.minRequests}`,
    };
  }
  if (above(rate, limits.maxErrorRate))
    return { status: 'fail', text: `${measured} is above the ${limit} limit` };
  return {
    status: 'pass',
    text: `${target} error rate ${formatPercent(rate)} (${countsText(traffic, errors, requests, '')}) within ${limit}`,
  };
}

/** b. Probes are health checks: no min-requests, each one counts. */
function probeCriterion(
  probes: Probe[],
  limits: Limits,
  m: Measures,
  reportAsErrorRate: boolean,
): Criterion | undefined {
  if (probes.length === 0) return undefined;
  const failed = probes.filter((p) => !p.ok);
  const total = probes.length;
  const rate = percentOf(failed.length, total);
  const limit = formatLimitPercent(limits.maxErrorRate);
  m.probesOk = total - failed.length;
  m.probesFailed = failed.length;
  if (reportAsErrorRate)
    Object.assign(m, { requests: total, errors: failed.length, errorRate: rate, errorSource: 'probes' });

  const first = failed[0];
  if (first && above(rate, limits.maxErrorRate)) {
    const why = truncate(
      first.error ?? (first.status !== undefined ? `status ${first.status}` : 'failed'),
      REASON_QUOTE_MAX,
    );
    return {
      status: 'fail',
      text: `${failed.length} of ${total} probes failed (${formatPercent(rate)}), above the ${limit} limit, first ${first.url}: ${why}`,
    };
  }
  const tolerated = failed.length > 0 ? ` (${failed.length} failed, within ${limit})` : '';
  return { status: 'pass', text: `${total - failed.length}/${total} probes ok${tolerated}` };
}

/** c. Latency of the target slot against `max-latency`, from the best source available. */
function latencyCriterion(
  signals: readonly Signal[],
  limits: Limits,
  target: Slot,
  targetName: string,
  m: Measures,
): Criterion | undefined {
  const max = limits.maxLatency;
  if (!max) return undefined;
  const fig = latencyFigure(signals, target, max.percentile);
  if (!fig) return { status: 'inconclusive', text: `no latency data for ${targetName} to check ${max.text}` };
  m.latencyMs = fig.ms;
  m.latencyLabel = `${fig.stat} (${fig.source})`;
  const measured = `${targetName} ${fig.stat} ${formatMs(fig.ms)} (${fig.source})`;
  if (above(fig.ms, max.maxMs)) return { status: 'fail', text: `${measured} is above the ${max.text} limit` };
  return {
    status: 'pass',
    text: `${fig.stat} ${formatMs(fig.ms)} (${fig.source}) within ${formatLimitMs(max.maxMs)}`,
  };
}

/** d. CloudWatch alarms: ALARM at any reading in the window fails; otherwise the latest state counts. */
function alarmCriterion(alarms: Alarm[]): Criterion | undefined {
  if (alarms.length === 0) return undefined;
  const firing = new Map<string, Alarm>();
  const latest = new Map<string, Alarm>();
  for (const a of alarms) {
    if (a.state === 'ALARM' && !firing.has(a.name)) firing.set(a.name, a);
    const prev = latest.get(a.name);
    if (!prev || a.at >= prev.at) latest.set(a.name, a);
  }
  if (firing.size > 0) {
    const named = [...firing.values()].map((a) =>
      a.reason ? `${a.name} (${truncate(a.reason, REASON_QUOTE_MAX)})` : a.name,
    );
    return {
      status: 'fail',
      text: firing.size === 1 ? `alarm ${named[0]} is in ALARM` : `alarms ${named.join(', ')} are in ALARM`,
    };
  }
  const waiting = [...latest.values()].filter((a) => a.state === 'INSUFFICIENT_DATA').map((a) => a.name);
  if (waiting.length > 0) {
    return {
      status: 'inconclusive',
      text: `${waiting.length === 1 ? 'alarm' : 'alarms'} ${waiting.join(', ')} ${waiting.length === 1 ? 'has' : 'have'} INSUFFICIENT_DATA`,
    };
  }
  return {
    status: 'pass',
    text: latest.size === 1 ? `alarm ${[...latest.keys()][0]} OK` : `${latest.size} alarms OK`,
  };
}

/** e. Target health of the target slot, from its latest reading. */
function targetsCriterion(readings: Targets[], limits: Limits, target: string): Criterion | undefined {
  const last = readings.reduce<Targets | undefined>((a, b) => (a && a.at > b.at ? a : b), undefined);
  if (!last) return undefined;
  // an empty slot cannot serve what the load balancer sends it
  if (last.total === 0) return { status: 'fail', text: `${target} has no registered targets` };
  const reasons = [...new Set(last.reasons)].join(', ');
  const detail = reasons ? ` (${truncate(reasons, REASON_QUOTE_MAX)})` : '';
  if (last.unhealthy > limits.maxUnhealthyTargets) {
    return {
      status: 'fail',
      text: `${last.unhealthy} of ${last.total} ${target} targets unhealthy${detail}, above max-unhealthy-targets ${limits.maxUnhealthyTargets}`,
    };
  }
  const tolerated =
    last.unhealthy > 0
      ? ` (${last.unhealthy} unhealthy, within max-unhealthy-targets ${limits.maxUnhealthyTargets})`
      : '';
  return {
    status: 'pass',
    text: `${last.total - last.unhealthy}/${last.total} ${target} targets healthy${tolerated}`,
  };
}

/** f. The user's check command: any non-zero exit in the window fails. */
function commandCriterion(runs: CommandSignal[]): Criterion | undefined {
  if (runs.length === 0) return undefined;
  const failed = runs.find((r) => r.exitCode !== 0);
  if (!failed)
    return {
      status: 'pass',
      text: runs.length === 1 ? 'check command ok' : `check command ok ${runs.length} times`,
    };
  const lastLine = failed.output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .at(-1);
  return {
    status: 'fail',
    text: lastLine
      ? `check command exited ${failed.exitCode}: ${truncate(lastLine, REASON_QUOTE_MAX)}`
      : `check command exited ${failed.exitCode} with no output`,
  };
}

/**
 * g. Monitoring faults: a source that could not be read fails the evaluation (nothing vouches for the
 * version meanwhile); the engine tells such a failure from a verdict by the signal's kind.
 */
function faultCriterion(faults: FaultSignal[]): Criterion | undefined {
  const first = faults[0];
  if (!first) return undefined;
  return { status: 'fail', text: truncate(first.message, REASON_QUOTE_MAX) };
}
