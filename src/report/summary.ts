// The job summary: what a run did, rendered as GitHub markdown from the timeline at the end.
import * as core from '@actions/core';
import type { Slot } from '../config/types.js';
import { describeRejection, slotLabel, type SlotNames, type Weights } from '../ports/traffic.js';
import {
  slotNamesOf,
  type RestoreCause,
  type TimelineEvent,
  type TimelineEventOf,
} from '../ports/timeline.js';
import { statusMarkdown } from './status.js';
import { collectSteps, finalWeights, targetOf, type StepSummary } from './json-report.js';
import { codeBlock, escapeInline, link, truncate } from './markdown.js';
import {
  formatMeasures,
  formatPercent,
  formatTargetWeight,
  formatWeights,
  type DisplayLimits,
} from './progress.js';
import { formatElapsed } from '../config/durations.js';
import { redact, redactDeep } from '../shared/redact.js';

export interface SummaryInput {
  events: readonly TimelineEvent[];
  secrets: readonly string[];
  runUrl?: string;
  environmentUrl?: string;
  /** shown beside measured values; the timeline carries values only */
  limits?: DisplayLimits;
}

/** Per hook output shown (its tail: errors come last). */
const HOOK_OUTPUT_MAX = 4000;
const DECISIONS_MAX = 60;
const CHART_POINTS_MAX = 60;
/** GitHub refuses step summaries over 1 MiB. */
const SUMMARY_MAX_BYTES = 1024 * 1024 - 1024;

const hms = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** The section on traffic going back, named for why it went: an abort is not a rollback. */
const ROLLBACK_HEADINGS: Record<RestoreCause, string> = {
  verdict: 'Rollback',
  fault: 'Live slot restored',
  'no-data': 'Stopped for lack of data',
  abort: 'Abort',
  request: 'Rollback on request',
};

function banner(
  end: TimelineEventOf<'run-end'> | undefined,
  target: Slot | undefined,
  names: SlotNames,
): string {
  if (!end) return '⚠️ Incomplete: the run ended without a result';
  const L = (s: Slot) => slotLabel(s, names);
  const live = end.live ? `: ${L(end.live)} is live` : '';
  switch (end.result) {
    case 'promoted':
      return `✅ Promoted${live}`;
    case 'rolled-back':
      return `↩️ Rolled back${end.live ? `: ${L(end.live)} is live again` : ''}`;
    case 'held':
      return `⏸️ Held at ${formatPercent(end.weight ?? 0)}${target ? `: ${L(target)} takes ${formatPercent(end.weight ?? 0)} of traffic` : ''}`;
    case 'aborted':
      return `⏹️ Aborted${live}`;
    case 'failed':
      return `❌ Failed${live}`;
    case 'planned':
      return '📝 Planned: dry run, nothing changed';
    case 'unchanged':
      return `➖ Unchanged${live}`;
  }
}

function slotsTable(
  start: TimelineEventOf<'run-start'> | undefined,
  end: TimelineEventOf<'run-end'> | undefined,
  after: Weights | undefined,
  names: SlotNames,
): string[] {
  const before = start?.before;
  if (!start?.live && !before && !end?.live && !after) return [];
  const cell = (w: Weights | undefined, s: Slot) => (w ? formatPercent(w[s]) : '–');
  const L = (s: Slot | undefined) => (s ? escapeInline(slotLabel(s, names)) : '–');
  const named = Object.keys(names).length > 0;
  return [
    '| | before | after |',
    '|---|---|---|',
    `| live ${named ? 'version' : 'slot'} | ${L(start?.live)} | ${L(end?.live)} |`,
    `| ${L('blue')} | ${cell(before, 'blue')} | ${cell(after, 'blue')} |`,
    `| ${L('green')} | ${cell(before, 'green')} | ${cell(after, 'green')} |`,
  ];
}

function verdictCell(s: StepSummary): string {
  switch (s.status) {
    case 'pass':
      return '✅ pass';
    case 'fail':
      return `❌ fail: ${escapeInline(s.reason ?? '')}`;
    case 'inconclusive':
      return `❔ inconclusive: ${escapeInline(s.reason ?? '')}`;
    case 'interrupted':
      // a step cut short by failing evaluations reads as a failure, not as a mere stop
      if (s.lastEvaluation === 'fail') return `❌ fail, step cut short: ${escapeInline(s.reason ?? '')}`;
      return `⏹️ interrupted${s.reason ? `; last evaluation: ${escapeInline(s.reason)}` : ''}`;
  }
}

function stepsTable(steps: StepSummary[], target: Slot | undefined, names: SlotNames): string[] {
  if (!steps.length) return [];
  return [
    '### Steps',
    '',
    '| step | weight | started (UTC) | held | evaluations | verdict |',
    '|---|---|---|---|---|---|',
    ...steps.map((s) => {
      const failed = s.failedEvaluations ? ` (${s.failedEvaluations} not passing)` : '';
      return `| ${s.step}${s.of ? `/${s.of}` : ''} | ${escapeInline(formatTargetWeight(s.weight, target, names))}${served(s)} | ${hms(s.startedAt)} | ${formatElapsed(s.heldMs)} | ${s.evaluations}${failed} | ${verdictCell(s)} |`;
    }),
  ];
}

interface ChartPoint {
  label: string;
  weight: number;
  errorRate: number;
}

/**
 * The new slot's weight over time (line) and its error rate at each evaluation (bars), both in
 * percent on one 0–100 axis. Points are the weight changes and evaluations; long runs are
 * bucketed (last weight, worst error rate) so the chart stays readable.
 */
/** ` (served 9.8%)`: the share of requests the target realised over the step, beside its weight. */
function served(s: StepSummary): string {
  const share = s.measures?.targetShare;
  return share === undefined ? '' : ` (served ${formatPercent(share)})`;
}

function chart(events: readonly TimelineEvent[], target: Slot | undefined, names: SlotNames): string[] {
  if (!target) return [];
  const who = slotLabel(target, names).replace(/"/g, "'");
  const t0 = events[0]?.at ?? 0;
  const raw: ChartPoint[] = [];
  let weight = 0;
  for (const e of events) {
    if (e.type === 'run-start' && e.before) weight = e.before[target];
    else if (e.type === 'weights') weight = e.applied.weights[target];
    else if (e.type === 'rollback' && e.restored) weight = e.restored.weights[target];
    else if (e.type !== 'evaluation') continue;
    const errorRate = e.type === 'evaluation' ? (e.verdict.measures.errorRate ?? 0) : 0;
    if (e.type === 'evaluation') weight = e.weight;
    const label = formatElapsed(Math.max(0, e.at - t0));
    const prev = raw[raw.length - 1];
    // one category per label: mermaid's band axis would merge duplicates and shift the series
    if (prev && prev.label === label) {
      prev.weight = weight;
      prev.errorRate = Math.max(prev.errorRate, errorRate);
    } else raw.push({ label, weight, errorRate });
  }
  if (!raw.some((p) => p.weight > 0 || p.errorRate > 0) || raw.length < 2) return [];
  let points = raw;
  if (raw.length > CHART_POINTS_MAX) {
    const size = Math.ceil(raw.length / CHART_POINTS_MAX);
    points = [];
    for (let i = 0; i < raw.length; i += size) {
      const bucket = raw.slice(i, i + size);
      points.push({
        label: bucket[bucket.length - 1]!.label,
        weight: bucket[bucket.length - 1]!.weight,
        errorRate: Math.max(...bucket.map((p) => p.errorRate)),
      });
    }
  }
  const num = (n: number) => String(Number(Math.min(100, Math.max(0, n)).toFixed(2)));
  return [
    '### Traffic',
    '',
    `Line: ${escapeInline(who)}'s weight. Bars: its error rate at each evaluation. Both in percent, time since the run started.`,
    '',
    '```mermaid',
    'xychart-beta',
    `  title "${who} weight and error rate (%)"`,
    `  x-axis "time" [${points.map((p) => `"${p.label}"`).join(', ')}]`,
    '  y-axis "percent" 0 --> 100',
    `  bar [${points.map((p) => num(p.errorRate)).join(', ')}]`,
    `  line [${points.map((p) => num(p.weight)).join(', ')}]`,
    '```',
  ];
}

function decisions(
  events: readonly TimelineEvent[],
  target: Slot | undefined,
  limits: DisplayLimits | undefined,
  names: SlotNames,
): string[] {
  const weightOf = (w: number) => escapeInline(formatTargetWeight(w, target, names));
  const out: string[] = [];
  const values = (m: Parameters<typeof formatMeasures>[0]) => {
    const parts = formatMeasures(m, limits);
    return parts.length ? ` — ${escapeInline(parts.join(' · '))}` : '';
  };
  for (const e of events) {
    const at = `\`${hms(e.at)}\``;
    switch (e.type) {
      case 'evaluation':
        if (e.verdict.status === 'pass') break;
        out.push(
          `- ${at} step ${e.step}/${e.of} · ${weightOf(e.weight)} · ${formatElapsed(e.elapsedMs)} in · ` +
            `**${e.verdict.status === 'fail' ? 'FAIL' : 'inconclusive'}**` +
            `${e.consecutiveFailures > 1 ? ` (${e.consecutiveFailures} in a row)` : ''}: ${escapeInline(e.verdict.reason)}${values(e.verdict.measures)}`,
        );
        break;
      case 'step-verdict':
        out.push(
          `- ${at} step ${e.step} verdict · ${weightOf(e.weight)} held ${formatElapsed(e.heldMs)} over ${e.evaluations} evaluations · ` +
            `**${e.verdict.status}**: ${escapeInline(e.verdict.reason)}${values(e.verdict.measures)}`,
        );
        break;
      case 'drift':
        out.push(
          `- ${at} **drift**: expected ${escapeInline(formatWeights(e.expected, names))}, found ${escapeInline(formatWeights(e.found, names))}`,
        );
        break;
      case 'hook':
        if (e.result.exitCode !== 0 || e.result.timedOut)
          out.push(
            `- ${at} **${e.hook} ${e.result.timedOut ? 'timed out' : `failed (exit ${e.result.exitCode})`}** after ${formatElapsed(e.result.durationMs)}`,
          );
        break;
      case 'rollback':
        out.push(
          `- ${at} **${ROLLBACK_HEADINGS[e.cause ?? 'verdict'].toLowerCase()}**: ${escapeInline(e.reason)}${e.restored ? ` · restored ${escapeInline(formatWeights(e.restored.weights, names))}` : ''}`,
        );
        break;
      case 'force':
        out.push(
          `- ${at} **forced**${e.by ? ` by ${escapeInline(e.by)}` : ''}: lifted the rejected mark on ${escapeInline(slotLabel(e.slot, names))}`,
        );
        break;
      default:
        break;
    }
  }
  if (!out.length) return [];
  const shown =
    out.length > DECISIONS_MAX
      ? [...out.slice(0, DECISIONS_MAX), `- … and ${out.length - DECISIONS_MAX} more (see the JSON report)`]
      : out;
  return ['### Decisions', '', ...shown];
}

function hookOutputs(events: readonly TimelineEvent[], secrets: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.type !== 'hook') continue;
    const r = e.result;
    const status = r.timedOut ? 'timed out' : `exit ${r.exitCode}`;
    // mask before cutting, so a cut cannot leave half a secret unmasked
    const text = truncate(redact(r.output, secrets), HOOK_OUTPUT_MAX, 'tail');
    out.push(
      '<details>',
      `<summary>${escapeInline(e.hook)} · ${status} · ${formatElapsed(r.durationMs)}</summary>`,
      '',
      `<code>${escapeInline(redact(r.command, secrets))}</code>`,
      '',
      text.trim() ? codeBlock(text) : '_(no output)_',
      '',
      '</details>',
      '',
    );
  }
  return out.length ? ['### Hook output', '', ...out] : [];
}

export function renderSummary(input: SummaryInput): string {
  const { secrets, limits } = input;
  // mask every string before anything is escaped: escaping changes a secret's spelling
  // (`ghp_x` becomes `ghp&#95;x`), and the final pass would no longer recognise it
  const events = redactDeep(input.events, secrets);
  const esc = (s: string) => escapeInline(redact(s, secrets));
  const url = (u: string | undefined) => (u ? redact(u, secrets) : undefined);
  const start = events.find((e): e is TimelineEventOf<'run-start'> => e.type === 'run-start');
  const end = [...events].reverse().find((e): e is TimelineEventOf<'run-end'> => e.type === 'run-end');
  const rollback = [...events].reverse().find((e): e is TimelineEventOf<'rollback'> => e.type === 'rollback');
  const target = targetOf(events);
  const names = slotNamesOf(events);
  const first = events[0]?.at;
  const last = events[events.length - 1]?.at;

  const lines: string[] = [`## ${escapeInline(banner(end, target, names))}`, ''];

  const facts: string[] = [];
  if (start) facts.push(`\`${start.command}\``, esc(start.strategy), `via ${esc(start.router)}`);
  if (first !== undefined)
    facts.push(`started ${new Date(first).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
  if (first !== undefined && last !== undefined) facts.push(`took ${formatElapsed(last - first)}`);
  if (facts.length) lines.push(facts.join(' · '), '');

  const reason = end?.reason ?? rollback?.reason;
  if (end?.result !== 'promoted' && reason) lines.push(`**Reason:** ${esc(reason)}`, '');
  const forced = events.find((e): e is TimelineEventOf<'force'> => e.type === 'force');
  if (forced)
    lines.push(
      `**Forced** by ${esc(forced.by ?? 'an unnamed actor (GITHUB_ACTOR unset)')}: \`force: true\` lifted Glidepath's rejected mark on ${forced.slot}${forced.lifted ? ` (${esc(describeRejection(forced.lifted))})` : ''}.`,
      '',
    );
  const seen = events.find((e): e is TimelineEventOf<'status'> => e.type === 'status');
  if (seen) lines.push(...statusMarkdown(seen.status, seen.at));

  const links = [
    input.runUrl ? link('workflow run', url(input.runUrl)) : '',
    input.environmentUrl ? link('environment', url(input.environmentUrl)) : '',
  ].filter(Boolean);
  if (links.length) lines.push(links.join(' · '), '');

  const slots = slotsTable(start, end, finalWeights(events), names);
  if (slots.length) lines.push(...slots, '');

  const steps = stepsTable(collectSteps(events), target, names);
  if (steps.length) lines.push(...steps, '');

  const plot = chart(events, target, names);
  if (plot.length) lines.push(...plot, '');

  const log = decisions(events, target, limits, names);
  if (log.length) lines.push(...log, '');

  if (rollback) {
    lines.push(
      `### ${ROLLBACK_HEADINGS[rollback.cause ?? 'verdict']}`,
      '',
      `At ${hms(rollback.at)} UTC traffic went back${end?.live ? ` to ${esc(slotLabel(end.live, names))}` : ''}: ${esc(rollback.reason)}`,
    );
    if (rollback.restored)
      lines.push(
        '',
        `Restored ${esc(formatWeights(rollback.restored.weights, names))}${rollback.restored.detail ? ` (${esc(rollback.restored.detail)})` : ''}.`,
      );
    lines.push('');
  }

  const warnings = events.filter((e) => e.type === 'warning' || e.type === 'error');
  if (warnings.length) {
    lines.push('### Warnings and errors', '');
    for (const w of warnings)
      if (w.type === 'warning' || w.type === 'error')
        lines.push(`- ${w.type === 'error' ? '**error**' : 'warning'}: ${esc(w.message)}`);
    lines.push('');
  }

  lines.push(...hookOutputs(events, secrets));

  if (end) lines.push(`<sub>Glidepath · output <code>result</code>: <code>${end.result}</code></sub>`, '');

  let markdown = redact(lines.join('\n'), secrets);
  if (Buffer.byteLength(markdown, 'utf8') > SUMMARY_MAX_BYTES) {
    markdown =
      truncate(markdown, Math.floor(SUMMARY_MAX_BYTES / 4)) +
      '\n\n_(summary cut to fit GitHub’s 1 MiB limit; the JSON report has everything)_\n';
  }
  return markdown;
}

/** Appends to the job summary; outside Actions (no GITHUB_STEP_SUMMARY) it only says so in debug. */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.debug('GITHUB_STEP_SUMMARY is not set: job summary not written');
    return;
  }
  try {
    await core.summary.addRaw(markdown).write();
  } catch (e) {
    // the summary is a view of the run: failing to write it must not turn a promotion into a crash
    core.warning(`could not write the job summary: ${e instanceof Error ? e.message : String(e)}`);
  }
}
