// The live log: one line per timeline event, as it happens (the summary is rendered at the end).
import type { Slot } from '../config/types.js';
import type { Limits, Measures, Verdict } from '../judge/types.js';
import {
  describeRejection,
  slotLabel,
  type RouterState,
  type SlotNames,
  type Weights,
} from '../ports/traffic.js';
import type { RestoreCause, TimelineEvent, TimelineEventOf } from '../ports/timeline.js';
import { formatDuration, formatElapsed } from '../config/durations.js';
import { redact } from '../shared/redact.js';

/** Limits as the judge applies them; the timeline's measures carry values only. */
export type DisplayLimits = Partial<Pick<Limits, 'maxErrorRate' | 'maxLatency' | 'minRequests'>>;

export interface ProgressContext {
  /** the slot being deployed to; names the weight (`green 25%`) */
  target?: Slot;
  /** shown next to the measured values, e.g. `err 0.4% (limit 2%)` */
  limits?: DisplayLimits;
  /** masked in every line */
  secrets?: readonly string[];
  /** what the slots hold when the router names them (Lambda versions): shown instead of blue and green */
  names?: SlotNames;
}

/** 0.4 → `0.4%`, 0.41666 → `0.42%`, 12 → `12%` (no trailing zeros, two decimals at most). */
export function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return `${p}%`;
  return `${Number(p.toFixed(2))}%`;
}

export function formatWeights(w: Weights, names?: SlotNames): string {
  return `${slotLabel('blue', names)} ${formatPercent(w.blue)} / ${slotLabel('green', names)} ${formatPercent(w.green)}`;
}

function formatState(s: RouterState, names?: SlotNames): string {
  return [formatWeights(s.weights, names), ...stateNotes(s, names)].join('; ');
}

/** What a read-back adds to its split: slots and servers that take no traffic, the split traffic takes, the scale. */
export function stateNotes(s: RouterState, names?: SlotNames): string[] {
  return [
    s.ineligible?.length
      ? `not taking traffic: ${s.ineligible.map((x) => slotLabel(x, names)).join(', ')}`
      : '',
    s.excluded?.length ? `left out: ${s.excluded.join(', ')}` : '',
    s.effective ? `traffic goes ${formatWeights(s.effective, names)}` : '',
    s.detail ?? '',
  ].filter(Boolean);
}

/** `green 25%` (`version 8 25%` with names), or `new slot 25%` when the target is unknown. */
export function formatTargetWeight(weight: number, target?: Slot, names?: SlotNames): string {
  return `${target ? slotLabel(target, names) : 'new slot'} ${formatPercent(weight)}`;
}

/**
 * The measured parts of a verdict, absent ones left out:
 * `err 0.4% (limit 2%) · p99 180ms (limit 2s) · 14 ok`.
 */
export function formatMeasures(m: Measures, limits?: DisplayLimits): string[] {
  const parts: string[] = [];
  if (m.requests === 0) {
    // no data is not 0%
    parts.push('no requests');
  } else if (m.errorRate !== undefined) {
    // the count says whether a low rate means anything: 0% of 3 requests is not 0% of 3000
    let s = `err ${formatPercent(m.errorRate)}${m.requests !== undefined ? ` of ${m.requests}` : ''}`;
    if (m.stableErrorRate !== undefined) s += ` vs stable ${formatPercent(m.stableErrorRate)}`;
    if (limits?.maxErrorRate !== undefined) s += ` (limit ${formatPercent(limits.maxErrorRate)})`;
    parts.push(s);
  }
  // the split the router realised, beside the weight it was given (shown by the caller)
  if (m.targetShare !== undefined) parts.push(`served ${formatPercent(m.targetShare)} of requests`);
  if (m.latencyMs !== undefined) {
    let s = `${m.latencyLabel ?? 'latency'} ${formatDuration(m.latencyMs)}`;
    if (limits?.maxLatency) s += ` (limit ${formatDuration(limits.maxLatency.maxMs)})`;
    parts.push(s);
  }
  if (m.probesOk !== undefined || m.probesFailed !== undefined) {
    const n = m.probesOk ?? 0;
    const ok = `${n} probe${n === 1 ? '' : 's'} ok`;
    parts.push(m.probesFailed ? `${ok}, ${m.probesFailed} failed` : ok);
  }
  if (m.dataUpTo !== undefined)
    parts.push(`metrics up to ${new Date(m.dataUpTo).toISOString().slice(11, 19)}`);
  return parts;
}

/** ` · FAIL: <reason>` / ` · inconclusive: <reason>`; nothing for a pass. */
export function formatVerdictTail(v: Verdict): string {
  if (v.status === 'pass') return '';
  return ` · ${v.status === 'fail' ? 'FAIL' : 'inconclusive'}: ${v.reason}`;
}

/** What the run starts from, in the command's own words: no arrow where nothing moves to a new slot. */
function startSlots(e: TimelineEventOf<'run-start'>, L: (s: Slot) => string): string | undefined {
  if (!e.live) return undefined;
  switch (e.command) {
    case 'deploy':
    case 'promote':
      return `live ${L(e.live)}${e.target ? ` → ${L(e.target)}` : ''}`;
    case 'abort':
      return e.target ? `live ${L(e.live)}, aborting the deploy to ${L(e.target)}` : `live ${L(e.live)}`;
    case 'rollback':
      return `live ${L(e.live)}, back to ${L(e.live === 'blue' ? 'green' : 'blue')}`;
    default:
      return `live ${L(e.live)}`;
  }
}

/**
 * `0 requests reached green in the 2 s after the restore`, or how many did and what that means:
 * the words of the watch after a restore (a `left` event).
 */
export function leftSentence(
  slot: string,
  r: { windowMs: number; requests?: number; error?: string },
): string {
  const secs = `${Number((r.windowMs / 1000).toFixed(1))} s`;
  if (r.error !== undefined || r.requests === undefined)
    return `could not count the requests that reached ${slot} after the restore: ${r.error ?? 'no count'}`;
  const base = `${r.requests} request${r.requests === 1 ? '' : 's'} reached ${slot} in the ${secs} after the restore`;
  if (r.requests === 0) return base;
  return (
    `${base}: clients still reach it (a load balancer or proxy in front that pins them, connections held ` +
    'open, or another route to its servers); find who sends them before trusting the rollback'
  );
}

/** How the log announces traffic going back, by why: an abort is not a rollback. */
export const RESTORE_WORDS: Record<RestoreCause, { tag: string; title: string }> = {
  verdict: { tag: 'ROLLBACK', title: 'Glidepath rolled back' },
  fault: { tag: 'RESTORED (the run failed)', title: 'Glidepath restored the live slot' },
  'no-data': { tag: 'STOPPED for lack of data', title: 'Glidepath stopped: too little data to judge' },
  abort: { tag: 'ABORT', title: 'Glidepath aborted the deploy' },
  request: { tag: 'ROLLBACK', title: 'Glidepath rolled back on request' },
};

function line(e: TimelineEvent, ctx: ProgressContext): string | undefined {
  const { names } = ctx;
  const L = (s: Slot) => slotLabel(s, names);
  switch (e.type) {
    case 'slot-names':
      return undefined;
    case 'run-start': {
      // status, abort and rollback follow no strategy
      const strategy = e.command === 'deploy' || e.command === 'promote' ? [e.strategy] : [];
      const parts = [`glidepath ${e.command}`, ...strategy, `via ${e.router}`];
      const slots = startSlots(e, L);
      if (slots) parts.push(slots);
      if (e.before) parts.push(formatWeights(e.before, names));
      return parts.join(' · ');
    }
    case 'plan': {
      const shifts = e.plan.phases.filter((p) => p.kind === 'shift');
      const parts = [`plan: ${e.plan.strategy}`];
      if (shifts.length)
        parts.push(
          `${shifts.length} step${shifts.length === 1 ? '' : 's'}: ${shifts.map((p) => formatPercent(p.weight)).join(' → ')}`,
        );
      if (e.plan.holdAt !== undefined) parts.push(`hold at ${formatPercent(e.plan.holdAt)}`);
      parts.push(`${formatDuration(e.plan.totalMs)} of holds`);
      return parts.join(' · ');
    }
    case 'phase':
      return `▸ ${e.name}${e.detail ? `: ${e.detail}` : ''}`;
    case 'weights': {
      const prefix = e.step !== undefined ? `step ${e.step} · ` : '';
      const asked = formatWeights(e.requested, names);
      const same =
        e.requested.blue === e.applied.weights.blue && e.requested.green === e.applied.weights.green;
      // the adapter's rounding is worth a mention only when it changed the split
      const notes = [
        same ? '' : `applied ${formatWeights(e.applied.weights, names)}`,
        ...stateNotes(e.applied, names),
      ].filter(Boolean);
      return `${prefix}weights → ${asked}${notes.length ? ` (${notes.join('; ')})` : ''}`;
    }
    case 'evaluation': {
      const parts = [
        `step ${e.step}/${e.of}`,
        formatTargetWeight(e.weight, ctx.target, names),
        `${formatElapsed(e.elapsedMs)}/${formatElapsed(e.holdMs)}`,
        ...formatMeasures(e.verdict.measures, ctx.limits),
      ];
      return parts.join(' · ') + formatVerdictTail(e.verdict);
    }
    case 'step-verdict': {
      const parts = [
        `step ${e.step} done`,
        formatTargetWeight(e.weight, ctx.target, names),
        `held ${formatElapsed(e.heldMs)}`,
        `${e.evaluations} evaluation${e.evaluations === 1 ? '' : 's'}`,
        ...formatMeasures(e.verdict.measures, ctx.limits),
      ];
      return parts.join(' · ') + (e.verdict.status === 'pass' ? ' · pass' : formatVerdictTail(e.verdict));
    }
    case 'hook': {
      const r = e.result;
      const how = r.timedOut ? 'timed out' : r.exitCode === 0 ? 'ok' : `failed (exit ${r.exitCode})`;
      const handed = r.url ? ` · handed back url=${r.url}` : '';
      return `hook ${e.hook} ${how} in ${formatElapsed(r.durationMs)}${handed}`;
    }
    case 'drift':
      return `drift: expected ${formatWeights(e.expected, names)}, found ${formatWeights(e.found, names)}`;
    case 'rollback':
      return `${RESTORE_WORDS[e.cause ?? 'verdict'].tag}: ${e.reason}${e.restored ? ` · restored ${formatState(e.restored, names)}` : ''}`;
    case 'left':
      return `${e.requests === 0 ? 'traffic left: ' : ''}${leftSentence(L(e.slot), e)}`;
    case 'force':
      return `FORCED${e.by ? ` by ${e.by}` : ''}: lifted Glidepath's rejected mark on ${L(e.slot)}${e.lifted ? ` (${describeRejection(e.lifted)})` : ''}`;
    case 'status':
      return undefined; // several lines: LogStream prints statusLines()
    case 'warning':
      return `warning: ${e.message}`;
    case 'error':
      return `error: ${e.message}`;
    case 'run-end': {
      const parts = [`result: ${e.result}`];
      if (e.live) parts.push(`live ${L(e.live)}${e.previous ? ` (previous ${L(e.previous)})` : ''}`);
      // both slots as read back: a lone percent invites reading it as the wrong slot's
      if (e.weights) parts.push(formatWeights(e.weights, names));
      if (e.reason) parts.push(e.reason);
      return parts.join(' · ');
    }
  }
}

/**
 * The log line for one event, secrets masked; undefined for events not worth a line.
 * Always one line: user text with newlines could otherwise start a line with `::`, which the
 * runner reads as a workflow command.
 */
export function formatEvent(e: TimelineEvent, ctx: ProgressContext = {}): string | undefined {
  const text = line(e, ctx);
  if (text === undefined) return undefined;
  return redact(text, ctx.secrets ?? []).replace(/\s*[\r\n]+\s*/g, ' ');
}
