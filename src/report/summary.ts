// The job summary: what a run did, rendered as GitHub markdown from the timeline at the end.
import * as core from '@actions/core';
import type { Slot } from '../config/types.js';
import { describeRejection, slotLabel, type SlotNames, type Weights } from '../ports/traffic.js';
import { slotNamesOf, type TimelineEvent, type TimelineEventOf } from '../ports/timeline.js';
import { statusMarkdown } from './status.js';
import { errorChart, resample, weightChart } from './charts.js';
import { decisionLines, decisionsList, ROLLBACK_HEADINGS } from './decisions.js';
import { collectSteps, finalWeights, targetOf, type StepSummary } from './json-report.js';
import { codeBlock, escapeInline, link, truncate } from './markdown.js';
import {
  formatPercent,
  formatTargetWeight,
  formatWeights,
  leftSentence,
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
/** GitHub refuses step summaries over 1 MiB. */
const SUMMARY_MAX_BYTES = 1024 * 1024 - 1024;

const hms = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

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
    case 'removed':
      return '🧹 Removed: the preview was cleaned up';
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

/** `24: 20 passed, 4 inconclusive`: the kinds add up to the count. */
function evaluationsCell(s: StepSummary): string {
  const kinds = [
    s.passedEvaluations ? `${s.passedEvaluations} passed` : '',
    s.failedEvaluations ? `${s.failedEvaluations} failed` : '',
    s.inconclusiveEvaluations ? `${s.inconclusiveEvaluations} inconclusive` : '',
  ].filter(Boolean);
  return kinds.length > 1 || s.failedEvaluations || s.inconclusiveEvaluations
    ? `${s.evaluations}: ${kinds.join(', ')}`
    : String(s.evaluations);
}

function probesCell(s: StepSummary): string {
  if (!s.probes) return '–';
  return `${s.probes.ok} ok${s.probes.failed ? `, ${s.probes.failed} failed` : ''}`;
}

function served(s: StepSummary): string {
  const share = s.measures?.targetShare;
  return share === undefined ? '' : ` (served ${formatPercent(share)})`;
}

function stepsTable(steps: StepSummary[], target: Slot | undefined, names: SlotNames): string[] {
  if (!steps.length) return [];
  return [
    '### Steps',
    '',
    '| step | weight | started (UTC) | held | evaluations | probes | verdict |',
    '|---|---|---|---|---|---|---|',
    ...steps.map(
      (s) =>
        `| ${s.step}${s.of ? `/${s.of}` : ''} | ${escapeInline(formatTargetWeight(s.weight, target, names))}${served(s)} | ${hms(s.startedAt)} | ${formatElapsed(s.heldMs)} | ${evaluationsCell(s)} | ${probesCell(s)} | ${verdictCell(s)} |`,
    ),
  ];
}

/** Where the error rates came from, for the chart's title. */
function errorSource(events: readonly TimelineEvent[]): string {
  for (const e of events) {
    const src = e.type === 'evaluation' ? e.verdict.measures.errorSource : undefined;
    if (src === 'probes') return 'probes';
    if (src) return `${src === 'haproxy' ? 'HAProxy' : src === 'alb' ? 'ALB' : 'Lambda'} real traffic`;
  }
  return 'measured';
}

/** The weight and the error rate over time, each on its own chart, in equal time buckets. */
function charts(
  events: readonly TimelineEvent[],
  target: Slot | undefined,
  names: SlotNames,
  limits: DisplayLimits | undefined,
): string[] {
  if (!target) return [];
  const r = resample(events, target);
  if (!r) return [];
  const who = slotLabel(target, names);
  const errors = errorChart(r, who, limits?.maxErrorRate, errorSource(events));
  return [
    '### Traffic',
    '',
    `Time since the first shift, in equal ${r.bucketMs >= 60_000 ? `${r.bucketMs / 60_000}-minute` : `${r.bucketMs / 1000}-second`} buckets.`,
    '',
    ...weightChart(r, who),
    ...(errors ? ['', ...errors] : []),
  ];
}

function decisions(
  events: readonly TimelineEvent[],
  target: Slot | undefined,
  limits: DisplayLimits | undefined,
  names: SlotNames,
): string[] {
  const lines = decisionLines(events, target, names, limits?.minRequests);
  return lines.length ? ['### Decisions', '', ...decisionsList(lines)] : [];
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
  if (seen) lines.push(...statusMarkdown(seen.status, seen.at, names));

  const links = [
    input.runUrl ? link('workflow run', url(input.runUrl)) : '',
    input.environmentUrl ? link('environment', url(input.environmentUrl)) : '',
  ].filter(Boolean);
  if (links.length) lines.push(links.join(' · '), '');

  const slots = slotsTable(start, end, finalWeights(events), names);
  if (slots.length) lines.push(...slots, '');

  const steps = stepsTable(collectSteps(events), target, names);
  if (steps.length) lines.push(...steps, '');

  const plot = charts(events, target, names, limits);
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
    // whether traffic really left the slot rolled back from: the proof, or the warning
    const left = [...events].reverse().find((e): e is TimelineEventOf<'left'> => e.type === 'left');
    if (left) {
      const text = leftSentence(slotLabel(left.slot, names), left);
      lines.push('', left.requests === 0 ? `✅ ${esc(text)}.` : `⚠️ **${esc(text)}.**`);
    }
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
