// The summary's Decisions list: what changed and what was decided, at a glance. Runs of evaluations
// with the same verdict fold into one line; a step's verdict, a drift, a failed hook, a forced
// rollback and the rollback itself always stay, however long the run.
import type { Slot } from '../config/types.js';
import type { RestoreCause, TimelineEvent, TimelineEventOf } from '../ports/timeline.js';
import { slotLabel, type SlotNames } from '../ports/traffic.js';
import type { VerdictStatus } from '../judge/types.js';
import { formatElapsed } from '../config/durations.js';
import { escapeInline } from './markdown.js';
import { formatPercent, formatWeights } from './progress.js';
import { perEvaluation } from './charts.js';

/** Folded evaluation lines kept at most; the lines that must stay are never counted against it. */
export const FOLDED_MAX = 30;

export const ROLLBACK_HEADINGS: Record<RestoreCause, string> = {
  verdict: 'Rollback',
  fault: 'Live slot restored',
  'no-data': 'Stopped for lack of data',
  abort: 'Abort',
  request: 'Rollback on request',
};

type Evaluation = TimelineEventOf<'evaluation'>;

export interface DecisionLine {
  text: string;
  /** a step verdict, the rollback, a drift, a failed hook, a forced rollback: never dropped */
  keep: boolean;
}

const hms = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const STATUS: Record<VerdictStatus, string> = { pass: 'pass', fail: 'FAIL', inconclusive: 'inconclusive' };

function foldLine(
  run: Evaluation[],
  fresh: Map<TimelineEvent, { requests: number }>,
  L: (s: Slot) => string,
  target: Slot | undefined,
  minRequests: number | undefined,
): string {
  const first = run[0]!;
  const last = run[run.length - 1]!;
  const where = `step ${first.step}/${first.of} · ${target ? L(target) : 'new slot'} ${formatPercent(first.weight)}`;
  if (run.length === 1) {
    const streak = first.consecutiveFailures > 1 ? ` (${first.consecutiveFailures} in a row)` : '';
    return `\`${hms(first.at)}\` ${where} · ${formatElapsed(first.elapsedMs)} in · **${STATUS[first.verdict.status]}**${streak}: ${escapeInline(first.verdict.reason)}`;
  }
  const span = `\`${hms(first.at)}–${hms(last.at)}\``;
  const counts = run.flatMap((e) => {
    const n = fresh.get(e)?.requests;
    return n === undefined ? [] : [n];
  });
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  const what = `**${run.length} evaluations ${STATUS[first.verdict.status]}**`;
  // "too few requests" folds into the counts; any other inconclusive (a test not conclusive yet) keeps its words
  const short = run.every((e) => /min-requests/.test(e.verdict.reason));
  if (first.verdict.status === 'inconclusive' && short && counts.length === run.length) {
    const each = lo === hi ? `${lo}` : `${lo}–${hi}`;
    const min = minRequests !== undefined ? `, min-requests ${minRequests}` : '';
    return `${span} ${where} · ${what}: ${each} request${hi === 1 ? '' : 's'} each${min}`;
  }
  const streak = last.consecutiveFailures > 1 ? ` (${last.consecutiveFailures} in a row)` : '';
  return `${span} ${where} · ${what}${streak}; last: ${escapeInline(last.verdict.reason)}`;
}

function stepLine(
  e: TimelineEventOf<'step-verdict'>,
  L: (s: Slot) => string,
  target: Slot | undefined,
  evaluations: Evaluation[],
): string {
  const passed = evaluations.filter((x) => x.verdict.status === 'pass').length;
  const failed = evaluations.filter((x) => x.verdict.status === 'fail').length;
  const inconclusive = evaluations.length - passed - failed;
  const kinds = [
    passed ? `${passed} passed` : '',
    failed ? `${failed} failed` : '',
    inconclusive ? `${inconclusive} inconclusive` : '',
  ].filter(Boolean);
  const probesOk = evaluations.reduce((n, x) => n + (x.verdict.measures.probesOk ?? 0), 0);
  const probesFailed = evaluations.reduce((n, x) => n + (x.verdict.measures.probesFailed ?? 0), 0);
  const probes =
    probesOk + probesFailed
      ? ` · probes ${probesOk} ok${probesFailed ? `, ${probesFailed} failed` : ''}`
      : '';
  const head =
    e.verdict.status === 'pass' ? 'passed' : e.verdict.status === 'fail' ? 'FAILED' : 'inconclusive';
  // the kinds only when the timeline holds every evaluation the step counted, so they add up
  const breakdown = kinds.length && evaluations.length === e.evaluations ? ` (${kinds.join(', ')})` : '';
  const share = e.verdict.measures.targetShare;
  const served = share === undefined ? '' : ` · served ${formatPercent(share)} of requests`;
  return (
    `\`${hms(e.at)}\` **step ${e.step} ${head}** · ${target ? L(target) : 'new slot'} ${formatPercent(e.weight)} held ${formatElapsed(e.heldMs)} · ` +
    `${plural(e.evaluations, 'evaluation')}${breakdown}${probes}${served}: ${escapeInline(e.verdict.reason)}`
  );
}

/** Every line in order, each marked whether it may be dropped from a long run's list. */
export function decisionLines(
  events: readonly TimelineEvent[],
  target: Slot | undefined,
  names: SlotNames,
  minRequests?: number,
): DecisionLine[] {
  const L = (s: Slot) => slotLabel(s, names);
  const out: DecisionLine[] = [];
  const stepEvals = new Map<number, Evaluation[]>();
  const fresh = perEvaluation(events);
  let run: Evaluation[] = [];
  const flush = () => {
    if (run.length) out.push({ text: foldLine(run, fresh, L, target, minRequests), keep: false });
    run = [];
  };
  for (const e of events) {
    const at = `\`${hms(e.at)}\``;
    switch (e.type) {
      case 'evaluation': {
        const mine = stepEvals.get(e.step) ?? [];
        mine.push(e);
        stepEvals.set(e.step, mine);
        const same = run.length && run[0]!.step === e.step && run[0]!.verdict.status === e.verdict.status;
        if (!same) flush();
        if (e.verdict.status !== 'pass') run.push(e);
        break;
      }
      case 'step-verdict':
        flush();
        out.push({ text: stepLine(e, L, target, stepEvals.get(e.step) ?? []), keep: true });
        break;
      case 'drift':
        flush();
        out.push({
          text: `${at} **drift**: expected ${formatWeights(e.expected, names)}, found ${formatWeights(e.found, names)}`,
          keep: true,
        });
        break;
      case 'hook':
        if (e.result.exitCode !== 0 || e.result.timedOut) {
          flush();
          out.push({
            text: `${at} **${e.hook} ${e.result.timedOut ? 'timed out' : `failed (exit ${e.result.exitCode})`}** after ${formatElapsed(e.result.durationMs)}`,
            keep: true,
          });
        }
        break;
      case 'force':
        flush();
        out.push({
          text: `${at} **forced**${e.by ? ` by ${escapeInline(e.by)}` : ''}: lifted the rejected mark on ${escapeInline(L(e.slot))}`,
          keep: true,
        });
        break;
      case 'rollback':
        flush();
        out.push({
          text: `${at} **${ROLLBACK_HEADINGS[e.cause ?? 'verdict'].toLowerCase()}**: ${escapeInline(e.reason)}${e.restored ? ` · restored ${escapeInline(formatWeights(e.restored.weights, names))}` : ''}`,
          keep: true,
        });
        break;
      default:
        break;
    }
  }
  flush();
  return out;
}

/**
 * The list as shown: every line that must stay, and at most FOLDED_MAX folded evaluation lines
 * (the first and last ones), with one line saying how many were left out and where they are.
 */
export function decisionsList(lines: DecisionLine[]): string[] {
  const folded = lines.filter((l) => !l.keep).length;
  if (folded <= FOLDED_MAX) return lines.map((l) => `- ${l.text}`);
  const head = Math.ceil(FOLDED_MAX / 2);
  const tail = FOLDED_MAX - head;
  let seen = 0;
  let noted = false;
  const out: string[] = [];
  for (const l of lines) {
    if (l.keep) {
      out.push(`- ${l.text}`);
      continue;
    }
    seen += 1;
    if (seen <= head || seen > folded - tail) out.push(`- ${l.text}`);
    else if (!noted) {
      noted = true;
      out.push(`- … ${folded - FOLDED_MAX} more evaluation lines (the JSON report has every evaluation)`);
    }
  }
  return out;
}
