// The rules that are not statistical: each reading of a source passes or fails on its own, and a
// source fails the deploy after `failure-threshold` failed readings in a row (a health check absorbs
// a blip). Probes count per URL; alarms per name; target health, the check command and each
// monitoring source on their own. Fixed latency comparisons (averages or per-minute percentiles,
// which support no stated confidence) are rules of this kind too.
import type { Slot } from '../config/types.js';
import { otherSlot } from '../config/types.js';
import type { Limits, Signal, VerdictStatus } from './types.js';
import { formatLimitMs, formatMs, truncate } from './format.js';
import { formatShift } from './format-stats.js';
import { latencyFigure, sourceOf } from './latency.js';

type Traffic = Extract<Signal, { kind: 'traffic' }>;
type Probe = Extract<Signal, { kind: 'probe' }>;
type Alarm = Extract<Signal, { kind: 'alarm' }>;
type Targets = Extract<Signal, { kind: 'targets' }>;
type CommandSignal = Extract<Signal, { kind: 'command' }>;

const REASON_QUOTE_MAX = 120;

/** One source's outcome in one evaluation. */
export interface RuleOutcome {
  /** the source: `probe <url>`, `alarm <name>`, `targets`, `check-command`, `fault <check>`, ... */
  key: string;
  status: VerdictStatus;
  text: string;
  /** what a failed reading is called in "N … in a row" */
  unit: string;
  cause: 'verdict' | 'fault';
}

export interface RuleContext {
  limits: Limits;
  target: Slot;
  /** how reasons name the slots */
  names: Record<Slot, string>;
  /** the live slot still serves (the target is below 100%) */
  stableServes: boolean;
  /** latency samples decide max-latency (sequential test): the fixed figures do not */
  latencyTested: boolean;
  /** paired or per-request samples decide max-latency-increase: the fixed comparison does not */
  comparisonTested: boolean;
  /** checks whose latest read failed, with the message */
  faults: ReadonlyMap<string, string>;
  /** latency before this instant is the new version warming up: not judged */
  warmupUntil: number;
}

/** Every rule on one evaluation's window of signals. */
export function evaluateRules(window: readonly Signal[], ctx: RuleContext): RuleOutcome[] {
  return [
    ...probeRules(
      window.filter((s): s is Probe => s.kind === 'probe'),
      ctx,
    ),
    ...commandRule(window.filter((s): s is CommandSignal => s.kind === 'command')),
    ...alarmRules(window.filter((s): s is Alarm => s.kind === 'alarm')),
    ...targetsRule(
      window.filter((s): s is Targets => s.kind === 'targets' && s.slot === ctx.target),
      ctx,
    ),
    ...fixedLatencyRule(window, ctx),
    ...fixedComparisonRule(
      window.filter((s): s is Traffic => s.kind === 'traffic'),
      ctx,
    ),
    ...[...ctx.faults].map(([source, message]): RuleOutcome => ({
      key: `fault ${source}`,
      status: 'fail',
      text: truncate(message, REASON_QUOTE_MAX),
      unit: 'evaluations',
      cause: 'fault',
    })),
  ];
}

/** Probes are health checks, per URL; a probe of the live slot (a paired latency sample) never fails the new one. */
function probeRules(probes: Probe[], ctx: RuleContext): RuleOutcome[] {
  const byUrl = new Map<string, Probe>();
  for (const p of probes) {
    if (p.slot !== undefined && p.slot !== ctx.target) continue;
    // the latest reading of a URL in the window speaks for it
    const prev = byUrl.get(p.url);
    if (!prev || p.at >= prev.at) byUrl.set(p.url, p);
  }
  return [...byUrl.values()].map((p) => {
    const key = `probe ${p.url}`;
    if (p.ok) return { key, status: 'pass', text: `probe ${p.url} ok`, unit: 'probes', cause: 'verdict' };
    const why = truncate(
      p.error ?? (p.status !== undefined ? `status ${p.status}` : 'failed'),
      REASON_QUOTE_MAX,
    );
    return { key, status: 'fail', text: `probe ${p.url} failed: ${why}`, unit: 'probes', cause: 'verdict' };
  });
}

function commandRule(runs: CommandSignal[]): RuleOutcome[] {
  if (runs.length === 0) return [];
  const failed = runs.find((r) => r.exitCode !== 0);
  const key = 'check-command';
  if (!failed) return [{ key, status: 'pass', text: 'check command ok', unit: 'runs', cause: 'verdict' }];
  const lastLine = failed.output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .at(-1);
  return [
    {
      key,
      status: 'fail',
      text: lastLine
        ? `check command exited ${failed.exitCode}: ${truncate(lastLine, REASON_QUOTE_MAX)}`
        : `check command exited ${failed.exitCode} with no output`,
      unit: 'runs',
      cause: 'verdict',
    },
  ];
}

function alarmRules(alarms: Alarm[]): RuleOutcome[] {
  const latest = new Map<string, Alarm>();
  for (const a of alarms) {
    const prev = latest.get(a.name);
    // ALARM at any reading of the window counts
    if (!prev || prev.state !== 'ALARM') latest.set(a.name, a);
  }
  return [...latest.values()].map((a): RuleOutcome => {
    const key = `alarm ${a.name}`;
    if (a.state === 'ALARM') {
      const why = a.reason ? ` (${truncate(a.reason, REASON_QUOTE_MAX)})` : '';
      return {
        key,
        status: 'fail',
        text: `alarm ${a.name}${why} is in ALARM`,
        unit: 'readings',
        cause: 'verdict',
      };
    }
    if (a.state === 'INSUFFICIENT_DATA') {
      const why = a.reason ? ` (${truncate(a.reason, REASON_QUOTE_MAX)})` : '';
      return {
        key,
        status: 'inconclusive',
        text: `alarm ${a.name} has INSUFFICIENT_DATA${why}`,
        unit: 'readings',
        cause: 'verdict',
      };
    }
    return { key, status: 'pass', text: `alarm ${a.name} OK`, unit: 'readings', cause: 'verdict' };
  });
}

function targetsRule(readings: Targets[], ctx: RuleContext): RuleOutcome[] {
  const last = readings.reduce<Targets | undefined>((a, b) => (a && a.at > b.at ? a : b), undefined);
  if (!last) return [];
  const key = 'targets';
  const { limits } = ctx;
  const target = ctx.names[ctx.target];
  if (last.total === 0)
    return [
      {
        key,
        status: 'fail',
        text: `${target} has no registered targets`,
        unit: 'readings',
        cause: 'verdict',
      },
    ];
  const reasons = [...new Set(last.reasons)].join(', ');
  const detail = reasons ? ` (${truncate(reasons, REASON_QUOTE_MAX)})` : '';
  if (last.unhealthy > limits.maxUnhealthyTargets) {
    return [
      {
        key,
        status: 'fail',
        text: `${last.unhealthy} of ${last.total} ${target} targets unhealthy${detail}, above max-unhealthy-targets ${limits.maxUnhealthyTargets}`,
        unit: 'readings',
        cause: 'verdict',
      },
    ];
  }
  const tolerated =
    last.unhealthy > 0
      ? ` (${last.unhealthy} unhealthy, within max-unhealthy-targets ${limits.maxUnhealthyTargets})`
      : '';
  return [
    {
      key,
      status: 'pass',
      text: `${last.total - last.unhealthy}/${last.total} ${target} targets healthy${tolerated}`,
      unit: 'readings',
      cause: 'verdict',
    },
  ];
}

/**
 * max-latency from figures that are not samples of the new slot: ALB's per-minute percentile,
 * HAProxy's rolling mean (a mean above a pNN limit is conclusive for right-skewed latencies), or
 * the probes through the service. A fixed comparison: no confidence is stated.
 */
function fixedLatencyRule(window: readonly Signal[], ctx: RuleContext): RuleOutcome[] {
  const max = ctx.limits.maxLatency;
  if (!max) return [];
  const fig = latencyFigure(window, ctx.target, max.percentile, { slotProbes: !ctx.latencyTested });
  if (!fig) return [];
  if (ctx.latencyTested && fig.source.includes('probes')) return [];
  const key = `latency ${fig.source}`;
  const measured = `${ctx.names[ctx.target]} ${fig.stat} ${formatMs(fig.ms)} (${fig.source})`;
  if (fig.ms - max.maxMs > 1e-9 * Math.max(1, max.maxMs)) {
    return [
      {
        key,
        status: 'fail',
        text: `${measured} is above the ${max.text} limit (fixed comparison, no confidence stated)`,
        unit: 'evaluations',
        cause: 'verdict',
      },
    ];
  }
  return [
    {
      key,
      status: 'pass',
      text: `${fig.stat} ${formatMs(fig.ms)} (${fig.source}) within ${formatLimitMs(max.maxMs)}`,
      unit: 'evaluations',
      cause: 'verdict',
    },
  ];
}

/**
 * max-latency-increase from the sources' own figures when no samples exist: HAProxy's per-server
 * rolling means, ALB's per-minute p50 (and the pNN max-latency names). These support a fixed
 * comparison only, never a stated confidence, and the reason says so.
 */
function fixedComparisonRule(traffic: Traffic[], ctx: RuleContext): RuleOutcome[] {
  const { limits, target } = ctx;
  if (!limits.compareToStable || ctx.comparisonTested || !ctx.stableServes) return [];
  const live = otherSlot(target);
  const tol = limits.maxLatencyIncrease;
  const worst = (slot: Slot, pick: (t: Traffic) => number | undefined): number | undefined => {
    const vals = traffic
      .filter((t) => t.slot === slot && t.requests > 0)
      .map(pick)
      .filter((v): v is number => v !== undefined);
    return vals.length ? Math.max(...vals) : undefined;
  };
  const figures: { stat: string; of: (t: Traffic) => number | undefined; what: string }[] = [
    { stat: 'mean', of: (t) => t.meanLatencyMs, what: "HAProxy's rolling averages" },
    { stat: 'p50', of: (t) => t.latencyPercentilesMs?.[50], what: 'per-minute percentiles' },
  ];
  if (limits.maxLatency) {
    const q = limits.maxLatency.percentile;
    figures.push({ stat: `p${q}`, of: (t) => t.latencyPercentilesMs?.[q], what: 'per-minute percentiles' });
  }
  const out: RuleOutcome[] = [];
  for (const f of figures) {
    const a = worst(target, f.of);
    const b = worst(live, f.of);
    if (a === undefined || b === undefined || b <= 0) continue;
    const shift = tol.kind === 'percent' ? a / b - 1 : a - b;
    const over = tol.kind === 'percent' ? shift > tol.value / 100 : shift > tol.value;
    const src = sourceOf(traffic.filter((t) => f.of(t) !== undefined));
    const text = `${ctx.names[target]} ${f.stat} ${formatMs(a)} vs ${ctx.names[live]} ${formatMs(b)} (${src}, ${formatShift(shift, tol)})`;
    out.push({
      key: `comparison ${f.stat}`,
      status: over ? 'fail' : 'pass',
      text: over
        ? `${text} exceeds the ${tol.text} tolerance (max-latency-increase; a fixed comparison of ${f.what}, no confidence stated)`
        : `${text} within the ${tol.text} tolerance`,
      unit: 'evaluations',
      cause: 'verdict',
    });
  }
  return out;
}
