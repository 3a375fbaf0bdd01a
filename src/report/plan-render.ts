// Renders a Plan for people: log lines as it runs, and a markdown section for the job summary.
import { escapeInline } from './markdown.js';
import { planChart } from './charts.js';
import { formatDuration } from '../config/durations.js';
import type { Phase, Plan } from '../plan/types.js';

type Shift = Extract<Phase, { kind: 'shift' }>;

const MAX_COMMAND = 80;

/** One line per phase, framed by the strategy and the total. Slots are unknown in plan mode. */
export function renderPlanLog(plan: Plan): string[] {
  const shifts = plan.phases.filter(isShift).length;
  return [
    plan.inPlace
      ? `plan · ${plan.strategy} · no traffic split`
      : `plan · ${plan.strategy} · ${shifts} shift ${shifts === 1 ? 'step' : 'steps'}`,
    ...plan.phases.map(renderPhaseLine),
    totalLine(plan),
  ];
}

/** The log line for one phase; the engine can stream it when the phase starts. */
export function renderPhaseLine(phase: Phase): string {
  switch (phase.kind) {
    case 'backup':
      return `backup · backup-command: ${shortCommand(phase.command)}`;
    case 'deploy':
      return `deploy · deploy-command: ${shortCommand(phase.command)}`;
    case 'pre-traffic': {
      const parts = ['pre-traffic · on the new slot, before any traffic'];
      if (phase.urls.length > 0) parts.push(`probe ${phase.urls.join(', ')}`);
      if (phase.invoke) parts.push('invoke the new version with pre-traffic-payload');
      if (phase.smoke) parts.push(`smoke-command: ${shortCommand(phase.smoke)}`);
      return parts.join(' · ');
    }
    case 'shift':
      return `step ${phase.step}/${phase.of} · new slot → ${phase.weight}% · ${holdText(phase.holdMs)} · checks: ${
        phase.checks.length > 0 ? phase.checks.join(', ') : 'none'
      }`;
    case 'bake':
      return `bake · ${holdText(phase.holdMs)} on the version the platform now runs · checks: ${
        phase.checks.length > 0 ? phase.checks.join(', ') : 'none'
      }`;
    case 'keep-previous':
      return `keep-previous · old slot kept ${formatDuration(phase.holdMs)} for an instant switch back`;
    case 'drain':
      return `drain · cleanup waits for the old slot's open sessions to end, at most ${formatDuration(phase.holdMs)} (drain-timeout)`;
    case 'cleanup':
      return phase.command ? `cleanup · cleanup-command: ${shortCommand(phase.command)}` : 'cleanup';
  }
}

/** The job-summary section: strategy, phase table, weight-over-time chart, total. */
export function renderPlanMarkdown(plan: Plan): string {
  const shifts = plan.phases.filter(isShift);
  const rows = plan.phases.map((p, i) => {
    const [name, weight, hold, checked] = tableCells(p, plan.inPlace === true);
    return `| ${i + 1} | ${name} | ${weight} | ${hold} | ${checked} |`;
  });
  const steps = shifts.map((s) => `${s.weight}%`).join(' → ');
  const out = [
    '### Glidepath plan',
    '',
    plan.inPlace
      ? `Strategy: **${escapeInline(plan.strategy)}** · no traffic split: one deploy, then one bake on the version the platform runs`
      : `Strategy: **${escapeInline(plan.strategy)}** · ${shifts.length} shift ${shifts.length === 1 ? 'step' : 'steps'}${
          steps ? `: ${steps}` : ''
        }`,
    '',
    `| # | phase | ${plan.inPlace ? 'weight' : 'new-slot weight'} | hold | what is checked |`,
    '|---|---|---|---|---|',
    ...rows,
    '',
    ...(plan.inPlace ? [] : [...planChart(plan), '']),
    `**Total planned duration:** ${formatDuration(plan.totalMs)}${
      plan.holdAt === undefined
        ? ''
        : ` · stops at ${plan.holdAt}% and exits \`held\` (run \`promote\` or \`abort\` next)`
    }`,
    '',
    '_Hold times only: hooks, deploy and pre-traffic probes add their own run time._',
    '',
  ];
  return out.join('\n');
}

function tableCells(p: Phase, inPlace: boolean): [string, string, string, string] {
  const none = '—';
  const zero = inPlace ? none : '0%';
  switch (p.kind) {
    case 'backup':
      return ['backup', none, none, `backup-command ${codeCell(p.command)}`];
    case 'deploy':
      return [
        'deploy',
        zero,
        none,
        `deploy-command ${codeCell(p.command)}${inPlace ? '' : ' on the new slot'}`,
      ];
    case 'pre-traffic': {
      const parts: string[] = [];
      if (p.urls.length > 0)
        parts.push(
          `probes on the new ${inPlace ? 'version' : 'slot'}: ${p.urls.map(escapeInline).join(', ')}`,
        );
      if (p.invoke) parts.push('the new version invoked with pre-traffic-payload');
      if (p.smoke) parts.push(`smoke-command ${codeCell(p.smoke)}`);
      return ['pre-traffic', zero, none, parts.join('; ')];
    }
    case 'shift':
      return [
        `shift ${p.step}/${p.of}`,
        `${p.weight}%`,
        p.holdMs > 0 ? formatDuration(p.holdMs) : 'no bake',
        p.checks.length > 0 ? escapeInline(p.checks.join(', ')) : 'none',
      ];
    case 'bake':
      return [
        'bake',
        none,
        formatDuration(p.holdMs),
        p.checks.length > 0 ? escapeInline(p.checks.join(', ')) : 'none',
      ];
    case 'keep-previous':
      return [
        'keep previous slot',
        '100%',
        formatDuration(p.holdMs),
        'old slot kept up for an instant switch back',
      ];
    case 'drain':
      return [
        'drain',
        '100%',
        `≤ ${formatDuration(p.holdMs)}`,
        "old slot's open sessions end (drain-timeout)",
      ];
    case 'cleanup':
      return ['cleanup', '100%', none, p.command ? `cleanup-command ${codeCell(p.command)}` : none];
  }
}

function totalLine(plan: Plan): string {
  const held = plan.holdAt === undefined ? '' : ` · stops at ${plan.holdAt}% and exits held`;
  return `total planned hold: ${formatDuration(plan.totalMs)}${held}`;
}

function holdText(ms: number): string {
  return ms > 0 ? `hold ${formatDuration(ms)}` : 'no bake (one evaluation)';
}

const isShift = (p: Phase): p is Shift => p.kind === 'shift';

/** Commands are not secret, but can be long or multi-line: one line, at most 80 characters. */
export function shortCommand(command: string): string {
  const one = command.trim().replace(/\s*\n\s*/g, ' ⏎ ');
  return one.length > MAX_COMMAND ? `${one.slice(0, MAX_COMMAND - 1)}…` : one;
}

/**
 * A command as a code span in a table cell. Inside a code span `&lt;` would show literally, and
 * `<`/`>`/`&` are inert there anyway, so only the cell separator `|` is escaped (GFM unescapes
 * `\|` inside code spans in tables); the fence is longer than any backtick run in the command.
 */
function codeCell(command: string): string {
  const text = shortCommand(command).replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
