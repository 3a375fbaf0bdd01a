// The shape of bench/results.json and the table printed from it: every figure carries its workload.
import { writeFileSync } from 'node:fs';

export interface Figure {
  name: string;
  value: number | string;
  unit?: string;
  /** the goal from the issue, when there is one, e.g. `< 3000 ms` */
  target?: string;
  /** whether the value meets the target; absent without a target */
  ok?: boolean;
}

export interface BenchResult {
  id: string;
  title: string;
  /** what ran, under what load, how many times: the context without which a figure means nothing */
  workload: string;
  /** how the action was driven: the bundle as the runner runs it, or the engine in-process */
  driver: string;
  figures: Figure[];
  /** raw measurements (one per repeat) and anything else worth keeping */
  samples?: Record<string, unknown>;
  /** set instead of figures when the benchmark could not run (e.g. haproxy missing) */
  skipped?: string;
  /** set instead of figures when the benchmark threw: the message, so one failure does not hide the others */
  error?: string;
}

export interface BenchReport {
  generatedAt: string;
  command: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string; haproxy?: string };
  totalMs: number;
  benchmarks: BenchResult[];
}

const fmt = (f: Figure) => `${f.value}${f.unit ? ` ${f.unit}` : ''}`;

/** Plain-text table: one block per benchmark, its workload first, then one row per figure. */
export function renderTable(report: BenchReport): string {
  const lines: string[] = [];
  const rows: [string, string, string, string][] = [];
  const head: [string, string, string, string] = ['figure', 'value', 'target', ''];
  for (const b of report.benchmarks) {
    for (const f of b.figures)
      rows.push([f.name, fmt(f), f.target ?? '', f.ok === undefined ? '' : f.ok ? 'ok' : 'MISSED']);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  lines.push(
    `Glidepath bench · ${report.generatedAt} · node ${report.machine.node} · ${report.machine.cpus}× ${report.machine.cpuModel}` +
      `${report.machine.haproxy ? ` · ${report.machine.haproxy}` : ''} · ${(report.totalMs / 1000).toFixed(1)} s`,
  );
  for (const b of report.benchmarks) {
    lines.push('', `## ${b.title}  [${b.driver}]`, `   workload: ${b.workload}`);
    if (b.skipped || b.error) {
      lines.push(b.skipped ? `   SKIPPED: ${b.skipped}` : `   FAILED: ${b.error}`);
      continue;
    }
    lines.push('   ' + line(head));
    for (const f of b.figures)
      lines.push(
        '   ' + line([f.name, fmt(f), f.target ?? '', f.ok === undefined ? '' : f.ok ? 'ok' : 'MISSED']),
      );
  }
  return lines.join('\n');
}

/** Throws naming the first malformed part; the smoke test and run.ts use it before writing. */
export function assertWellFormed(report: BenchReport): void {
  if (!report.generatedAt || Number.isNaN(Date.parse(report.generatedAt)))
    throw new Error('results: generatedAt is not a date');
  if (!Array.isArray(report.benchmarks) || report.benchmarks.length === 0)
    throw new Error('results: no benchmarks');
  for (const b of report.benchmarks) {
    if (!b.id || !b.title || !b.workload || !b.driver)
      throw new Error(`results: benchmark ${b.id || '?'} lacks id/title/workload/driver`);
    if (b.skipped || b.error) continue;
    if (b.figures.length === 0) throw new Error(`results: benchmark ${b.id} has no figures`);
    for (const f of b.figures) {
      if (!f.name) throw new Error(`results: a figure of ${b.id} has no name`);
      if (typeof f.value === 'number' && !Number.isFinite(f.value))
        throw new Error(`results: ${b.id} / ${f.name} is ${f.value}`);
    }
  }
}

/** Checks the report, then writes it as pretty JSON (the file `npm run bench` leaves in bench/). */
export function writeReport(report: BenchReport, file: string): void {
  assertWellFormed(report);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
}
