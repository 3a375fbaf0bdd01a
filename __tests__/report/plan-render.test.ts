import { describe, expect, it } from 'vitest';
import type { Phase, Plan } from '../../src/plan/types.js';
import {
  renderPhaseLine,
  renderPlanLog,
  renderPlanMarkdown,
  shortCommand,
} from '../../src/report/plan-render.js';

const MIN = 60_000;
const checks = ['health probes (2 URLs)', 'HAProxy real-traffic 5xx ≤ 1% (min 20 requests)', 'p99 < 2s'];

function plan(phases: Phase[], extra: Partial<Plan> = {}): Plan {
  const totalMs = phases.reduce((a, p) => a + ('holdMs' in p ? p.holdMs : 0), 0);
  return { strategy: 'canary', phases, totalMs, ...extra };
}

const shift = (step: number, of: number, weight: number, holdMs: number, c: string[] = checks): Phase => ({
  kind: 'shift',
  step,
  of,
  weight,
  holdMs,
  checks: c,
});

const canary = plan([
  { kind: 'backup', command: 'pg_dump app > backup.sql' },
  { kind: 'deploy', command: 'docker compose up -d' },
  { kind: 'pre-traffic', urls: ['http://127.0.0.1:8081/{slot}/health?a=1|b=2'], smoke: './smoke.sh' },
  shift(1, 3, 10, 5 * MIN),
  shift(2, 3, 50, 5 * MIN),
  shift(3, 3, 100, 5 * MIN, [...checks, 'verify-command']),
  { kind: 'keep-previous', holdMs: 10 * MIN },
  { kind: 'cleanup', command: './cleanup.sh' },
]);

/** The table body rows of the markdown (after the header and separator rows). */
function tableRows(md: string): string[] {
  const lines = md.split('\n');
  const header = lines.findIndex((l) => l.startsWith('| # |'));
  const rows: string[] = [];
  for (let i = header + 2; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(lines[i]!);
  return rows;
}

/** Split a GFM table row on unescaped pipes. */
const cells = (row: string): string[] =>
  row
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim());

function chart(md: string): { labels: string[]; values: number[]; block: string } {
  const m = /```mermaid\n([\s\S]*?)\n```/.exec(md);
  expect(m).not.toBeNull();
  const block = m![1]!;
  const x = /^\s*x-axis \[(.*)\]$/m.exec(block);
  const line = /^\s*line \[(.*)\]$/m.exec(block);
  expect(x).not.toBeNull();
  expect(line).not.toBeNull();
  const labels = x![1]!.split(', ').map((l) => l.slice(1, -1));
  const values = line![1]!.split(', ').map(Number);
  return { labels, values, block };
}

describe('renderPlanLog', () => {
  it('one line per phase between a strategy line and a total line', () => {
    const lines = renderPlanLog(canary);
    expect(lines).toHaveLength(canary.phases.length + 2);
    expect(lines[0]).toBe('plan · canary · 3 shift steps');
    expect(lines.at(-1)).toBe('total planned hold: 25m');
  });

  it('shift lines name the step, the new slot weight, the hold and the checks', () => {
    expect(renderPhaseLine(shift(3, 10, 30, MIN))).toBe(
      'step 3/10 · new slot → 30% · hold 1m · checks: health probes (2 URLs), HAProxy real-traffic 5xx ≤ 1% (min 20 requests), p99 < 2s',
    );
    expect(renderPhaseLine(shift(1, 1, 100, 0, []))).toBe(
      'step 1/1 · new slot → 100% · no bake (one evaluation) · checks: none',
    );
  });

  it('other phases', () => {
    expect(renderPhaseLine({ kind: 'backup', command: 'pg_dump' })).toBe('backup · backup-command: pg_dump');
    expect(renderPhaseLine({ kind: 'keep-previous', holdMs: 90 * MIN })).toBe(
      'keep-previous · old slot kept 1h30m for an instant switch back',
    );
    expect(renderPhaseLine({ kind: 'cleanup' })).toBe('cleanup');
    expect(renderPhaseLine({ kind: 'pre-traffic', urls: ['http://a/{slot}'] })).toBe(
      'pre-traffic · on the new slot, before any traffic · probe http://a/{slot}',
    );
  });

  it('says where a held plan stops', () => {
    const held = plan([shift(1, 2, 10, MIN), shift(2, 2, 30, MIN)], { holdAt: 30 });
    expect(renderPlanLog(held).at(-1)).toBe('total planned hold: 2m · stops at 30% and exits held');
  });

  it('truncates long commands and keeps them on one line', () => {
    const long = `echo ${'x'.repeat(200)}`;
    const line = renderPhaseLine({ kind: 'deploy', command: long });
    expect(line).toContain(`${long.slice(0, 79)}…`);
    expect(line).not.toContain(long.slice(0, 81));
    expect(shortCommand('a\n  b\n')).toBe('a ⏎ b');
    expect(shortCommand('x'.repeat(80))).toBe('x'.repeat(80));
  });
});

describe('renderPlanMarkdown', () => {
  const md = renderPlanMarkdown(canary);

  it('has a heading, the strategy and the steps', () => {
    expect(md.split('\n')[0]).toMatch(/^#{2,3} /);
    expect(md).toContain('Strategy: **canary** · 3 shift steps: 10% → 50% → 100%');
  });

  it('one table row per phase, five cells each', () => {
    const rows = tableRows(md);
    expect(rows).toHaveLength(canary.phases.length);
    for (const r of rows) expect(cells(r)).toHaveLength(5);
    expect(cells(rows[3]!)).toEqual(['4', 'shift 1/3', '10%', '5m', checks.join(', ').replace('<', '&#60;')]);
    expect(cells(rows[6]!).slice(1, 4)).toEqual(['keep previous slot', '100%', '10m']);
  });

  it('escapes | < > & in user text so a URL cannot split a cell or open HTML', () => {
    const urlPlan = plan([
      { kind: 'pre-traffic', urls: ['http://h/{slot}?a=<b>&c|d'] },
      shift(1, 1, 100, MIN),
    ]);
    const row = tableRows(renderPlanMarkdown(urlPlan))[0]!;
    expect(cells(row)).toHaveLength(5);
    expect(row).toContain('http://h/{slot}?a=&#60;b&#62;&#38;c&#124;d');
    expect(row).not.toContain('<b>');
  });

  it('puts commands in code spans, truncated, with pipes escaped and backticks fenced', () => {
    const p = plan([
      { kind: 'deploy', command: 'ls | grep `whoami` && echo <done>' },
      { kind: 'backup', command: `tar c ${'/data '.repeat(40)}` },
      shift(1, 1, 100, MIN),
    ]);
    const [deploy, backup] = tableRows(renderPlanMarkdown(p));
    expect(cells(deploy!)).toHaveLength(5);
    expect(deploy).toContain('``ls \\| grep `whoami` && echo <done>``');
    const code = /`([^`]*)`/.exec(cells(backup!)[4]!)![1]!;
    expect(code.length).toBe(80);
    expect(code.endsWith('…')).toBe(true);
  });

  it('draws the planned weight in equal time buckets: time to scale, one category per bucket', () => {
    const { labels, values, block } = chart(md);
    expect(block).toMatch(/^xychart-beta$/m);
    expect(block).toMatch(/^\s*y-axis "new slot %" 0 --> 100$/m);
    // 5m at 10%, 5m at 50%, 5m at 100%, then 10m keeping the previous slot: 25 one-minute buckets
    expect(values).toEqual([...Array(5).fill(10), ...Array(5).fill(50), ...Array(15).fill(100)]);
    expect(labels).toHaveLength(values.length);
    // mermaid merges equal categories (and shifts the line): every label differs
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels[0]).toBe('0:00');
    expect(block).toContain('plotColorPalette');
  });

  it('draws short holds in seconds, and a plan without holds as its one switch', () => {
    const fast = chart(renderPlanMarkdown(plan([shift(1, 2, 50, 30_000), shift(2, 2, 100, 20_000)])));
    expect(fast.values).toEqual([...Array(15).fill(50), ...Array(10).fill(100)]);
    const once = chart(renderPlanMarkdown(plan([shift(1, 1, 100, 0)])));
    expect(once).toMatchObject({ labels: ['before', 'after'], values: [0, 100] });
  });

  it('states the total planned duration, and the hold when there is one', () => {
    expect(md).toContain('**Total planned duration:** 25m');
    const held = renderPlanMarkdown(plan([shift(1, 1, 30, 90 * MIN)], { holdAt: 30 }));
    expect(held).toContain('**Total planned duration:** 1h30m · stops at 30% and exits `held`');
  });
});
