// The machine-readable record of a run (the `report` output): a versioned JSON file built from the timeline.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command, Slot } from '../config/types.js';
import type { Measures, VerdictStatus } from '../judge/types.js';
import type { SlotNames, Weights } from '../ports/traffic.js';
import { slotNamesOf, type Result, type TimelineEvent } from '../ports/timeline.js';
import { redactDeep } from '../shared/redact.js';

/** A timeline event with its epoch-ms times (`at`, `startedAt`) as ISO-8601 strings. */
type WithIsoTimes<E> = E extends unknown
  ? { [K in keyof E]: K extends 'at' | 'startedAt' ? string : E[K] }
  : never;
export type ReportEvent = WithIsoTimes<TimelineEvent>;

/** One traffic step: a weight held while checks ran. */
export type ReportStep = Omit<StepSummary, 'startedAt'> & {
  /** when the weight was set (ISO-8601) */
  startedAt: string;
};

/**
 * The JSON report written at the end of every run (path in the `report` output).
 * Times are ISO-8601 strings in UTC; durations are milliseconds; weights are percent (0–100).
 * Every string has secrets masked as `***`. Fields may be added in later versions; renaming
 * or removing one bumps `schemaVersion`.
 */
export interface GlidepathReport {
  /** version of this schema; always 1 for this shape */
  schemaVersion: 1;
  /** the GitHub run (`GITHUB_RUN_ID`, with attempt when retried) */
  runId: string;
  /** link to the workflow run */
  runUrl?: string;
  /** deploy, promote, abort, rollback, status or plan */
  command?: Command;
  /** the strategy as typed (`canary`, `Canary10Percent5Minutes`, ...) */
  strategy?: string;
  /** which load balancer was driven, e.g. `HAProxy /run/haproxy.sock (web/blue, web/green)` */
  router?: string;
  /** the same value as the `result` output; `failed` when the run ended without one (crash) */
  result: Result;
  /** the slot taking traffic after the run */
  live?: Slot;
  /** the other slot, kept for rollback */
  previous?: Slot;
  /** the slot the run deployed to */
  target?: Slot;
  /**
   * when the router names what the slots hold (Lambda: function versions): each slot's name, and
   * the versions behind `live`, `previous` and `target` (the `live-slot` / `previous-slot` outputs)
   */
  slotNames?: SlotNames;
  versions?: { live?: string; previous?: string; target?: string };
  /** the new slot's final weight, percent */
  weight?: number;
  /** why the run rolled back, held or failed, in one sentence */
  reason?: string;
  /** weights when the run started */
  before?: Weights;
  /** weights as last applied (after any rollback) */
  after?: Weights;
  /** after a restore: requests that still reached the slot rolled back from in the watch window */
  trafficLeft?: { slot: Slot; windowMs: number; requests?: number; error?: string };
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** one entry per traffic step, in order */
  steps: ReportStep[];
  /** warnings raised during the run */
  warnings: string[];
  /** errors raised during the run */
  errors: string[];
  /** the full timeline, in order */
  events: ReportEvent[];
}

export interface ReportMeta {
  runId: string;
  runUrl?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** One traffic step: a weight held while checks ran. */
export interface StepSummary {
  /** 1-based position in the plan's shifts */
  step: number;
  /** number of shifts in the plan, when known */
  of?: number;
  /** the new slot's percent during the step */
  weight: number;
  /** when the weight was set (epoch ms; ISO-8601 in the report) */
  startedAt: number;
  /** how long the step was held, ms */
  heldMs: number;
  /** evaluations run during the step: passed + failed + inconclusive */
  evaluations: number;
  /** evaluations whose verdict was pass */
  passedEvaluations: number;
  /** evaluations whose verdict was fail (an inconclusive one is not a failure) */
  failedEvaluations: number;
  /** evaluations whose verdict was inconclusive (too little data yet) */
  inconclusiveEvaluations: number;
  /** every probe of the step's evaluations: ok + failed is how many were sent */
  probes?: { ok: number; failed: number };
  /**
   * The step's verdict; `interrupted` when the step never reached its own verdict
   * (rolled back, aborted, cancelled or crashed mid-step).
   */
  status: VerdictStatus | 'interrupted';
  /** the verdict's sentence (for `interrupted`, the last evaluation's) */
  reason?: string;
  /** the values measured over the step (or at its last evaluation) */
  measures?: Measures;
  /** the last evaluation's status, which for an `interrupted` step says why it stopped */
  lastEvaluation?: VerdictStatus;
}

/**
 * The slot being deployed to: named at run start, else (a deploy) the one that is not live. Status,
 * rollback and an abort with nothing in progress deploy to no slot.
 */
export function targetOf(events: readonly TimelineEvent[]): Slot | undefined {
  for (const e of events) {
    if (e.type === 'run-start') {
      if (e.target) return e.target;
      if (e.live && e.command === 'deploy') return e.live === 'blue' ? 'green' : 'blue';
    }
  }
  return undefined;
}

/** Folds weights, evaluations and step verdicts into one row per step. */
export function collectSteps(events: readonly TimelineEvent[]): StepSummary[] {
  const target = targetOf(events);
  const byStep = new Map<number, StepSummary & { closed: boolean }>();
  const ofFromPlan = new Map<number, number>();
  const get = (step: number, at: number) => {
    let s = byStep.get(step);
    if (!s) {
      s = {
        step,
        of: ofFromPlan.get(step),
        weight: 0,
        startedAt: at,
        heldMs: 0,
        evaluations: 0,
        passedEvaluations: 0,
        failedEvaluations: 0,
        inconclusiveEvaluations: 0,
        status: 'interrupted',
        closed: false,
      };
      byStep.set(step, s);
    }
    return s;
  };
  for (const e of events) {
    switch (e.type) {
      case 'plan':
        for (const p of e.plan.phases) if (p.kind === 'shift') ofFromPlan.set(p.step, p.of);
        break;
      case 'weights': {
        if (e.step === undefined) break;
        const s = get(e.step, e.at);
        if (target) s.weight = e.applied.weights[target];
        break;
      }
      case 'evaluation': {
        const s = get(e.step, e.at - e.elapsedMs);
        if (s.closed) break;
        s.of = e.of;
        s.weight = e.weight;
        s.evaluations += 1;
        if (e.verdict.status === 'pass') s.passedEvaluations += 1;
        else if (e.verdict.status === 'fail') s.failedEvaluations += 1;
        else s.inconclusiveEvaluations += 1;
        const m = e.verdict.measures;
        if (m.probesOk !== undefined || m.probesFailed !== undefined) {
          s.probes ??= { ok: 0, failed: 0 };
          s.probes.ok += m.probesOk ?? 0;
          s.probes.failed += m.probesFailed ?? 0;
        }
        s.heldMs = Math.max(s.heldMs, e.elapsedMs);
        s.reason = e.verdict.reason;
        s.measures = e.verdict.measures;
        s.lastEvaluation = e.verdict.status;
        break;
      }
      case 'step-verdict': {
        const s = get(e.step, e.startedAt);
        s.weight = e.weight;
        s.startedAt = e.startedAt;
        s.heldMs = e.heldMs;
        // the evaluations counted above are the ones on the timeline: their three kinds add up to it
        s.status = e.verdict.status;
        s.reason = e.verdict.reason;
        // the step's probes are all its evaluations' probes, not the last evaluation's
        s.measures = s.probes
          ? { ...e.verdict.measures, probesOk: s.probes.ok, probesFailed: s.probes.failed }
          : e.verdict.measures;
        s.closed = true;
        break;
      }
      default:
        break;
    }
  }
  return [...byStep.values()].map(({ closed: _closed, ...s }) => s);
}

/** Weights as last read back: the run's end, else the latest `weights` event or rollback restore. */
export function finalWeights(events: readonly TimelineEvent[]): Weights | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'run-end' && e.weights) return e.weights;
    if (e.type === 'weights') return e.applied.weights;
    if (e.type === 'rollback' && e.restored) return e.restored.weights;
  }
  return undefined;
}

function versionsOf(
  events: readonly TimelineEvent[],
  live: Slot | undefined,
  previous: Slot | undefined,
): Pick<GlidepathReport, 'slotNames' | 'versions'> {
  const names = slotNamesOf(events);
  if (Object.keys(names).length === 0) return {};
  const id = (s: Slot | undefined) => (s && names[s]?.id) || undefined;
  const versions = { live: id(live), previous: id(previous), target: id(targetOf(events)) };
  return {
    slotNames: names,
    versions: Object.fromEntries(Object.entries(versions).filter(([, v]) => v !== undefined)),
  };
}

export function buildReport(events: readonly TimelineEvent[], meta: ReportMeta): GlidepathReport {
  const start = events.find((e) => e.type === 'run-start');
  const end = [...events].reverse().find((e) => e.type === 'run-end');
  const rollback = [...events].reverse().find((e) => e.type === 'rollback');
  const first = events[0]?.at ?? 0;
  const last = events[events.length - 1]?.at ?? first;
  const report: GlidepathReport = {
    schemaVersion: 1,
    runId: meta.runId,
    ...(meta.runUrl ? { runUrl: meta.runUrl } : {}),
    ...(start ? { command: start.command, strategy: start.strategy, router: start.router } : {}),
    result: end?.result ?? 'failed',
    ...(end?.live ? { live: end.live } : {}),
    ...(end?.previous ? { previous: end.previous } : {}),
    ...(targetOf(events) ? { target: targetOf(events) } : {}),
    ...versionsOf(events, end?.live, end?.previous),
    ...(end?.weight !== undefined ? { weight: end.weight } : {}),
    ...(() => {
      const reason =
        end?.reason ?? rollback?.reason ?? (end ? undefined : 'the run ended without reporting a result');
      return reason ? { reason } : {};
    })(),
    ...(start?.before ? { before: start.before } : {}),
    ...(finalWeights(events) ? { after: finalWeights(events) } : {}),
    ...(() => {
      const left = [...events].reverse().find((e) => e.type === 'left');
      if (left?.type !== 'left') return {};
      const { type: _t, at: _a, ...rest } = left;
      return { trafficLeft: rest };
    })(),
    startedAt: iso(first),
    endedAt: iso(last),
    durationMs: last - first,
    steps: collectSteps(events).map((s) => ({ ...s, startedAt: iso(s.startedAt) })),
    warnings: events.flatMap((e) => (e.type === 'warning' ? [e.message] : [])),
    errors: events.flatMap((e) => (e.type === 'error' ? [e.message] : [])),
    events: events.map((e) => {
      const out = { ...e, at: iso(e.at) } as Record<string, unknown>;
      if (e.type === 'step-verdict') out.startedAt = iso(e.startedAt);
      return out as ReportEvent;
    }),
  };
  return report;
}

/** Writes `glidepath-report-<runId>.json` into `dir` (created if missing), secrets masked; returns its path. */
export async function writeReport(
  dir: string,
  report: GlidepathReport,
  secrets: readonly string[],
): Promise<string> {
  const safeId = report.runId.replace(/[^A-Za-z0-9._-]/g, '_') || 'run';
  const path = join(dir, `glidepath-report-${safeId}.json`);
  await mkdir(dir, { recursive: true });
  // mask string values, not the serialized text, so a short secret cannot corrupt keys or numbers
  await writeFile(path, JSON.stringify(redactDeep(report, secrets), null, 2) + '\n', 'utf8');
  return path;
}
