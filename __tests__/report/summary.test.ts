import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/ports/timeline.js';
import { renderSummary, writeSummary } from '../../src/report/summary.js';
import { weightChart } from '../../src/report/charts.js';
import { DEFAULT_T0, ENV_URL, LIMITS, ROLLBACK_REASON, RUN_URL, RUNS, SECRETS } from './fixtures.js';

const render = (events: readonly TimelineEvent[]) =>
  renderSummary({
    events,
    secrets: SECRETS,
    runUrl: RUN_URL,
    environmentUrl: ENV_URL,
    limits: { ...LIMITS, minRequests: 20 },
  });

/** Clock times and dates depend on when the run happened; everything else must not. */
const normalize = (md: string) =>
  md.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g, '<date> UTC').replace(/\b\d\d:\d\d:\d\d\b/g, 'HH:MM:SS');

function matchGolden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`./golden/${name}.md`, import.meta.url));
  if (process.env.UPDATE_GOLDEN) {
    // an update run writes the golden and fails: a golden is accepted only by a run that compares
    writeFileSync(path, actual);
    expect.fail(`${path} was rewritten: review the diff, then run again without UPDATE_GOLDEN`);
  }
  expect(existsSync(path), `${path} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/** Markdown outside fenced code blocks (what GitHub interprets). */
const outsideCode = (md: string) => md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');

const SEVEN_HOURS_LATER = DEFAULT_T0 + 7 * 3_600_000 + 13 * 60_000 + 7_000;

describe.each(Object.entries(RUNS))('summary of a %s run', (name, make) => {
  const md = render(make());

  it('matches its golden file (times normalized)', () => {
    matchGolden(name, normalize(md));
  });

  it('depends on the run time only through the clock times', () => {
    expect(normalize(render(make(SEVEN_HOURS_LATER)))).toBe(normalize(md));
    expect(render(make(SEVEN_HOURS_LATER))).not.toBe(md);
  });

  it('opens/closes every <details> outside code blocks and keeps the hook fences balanced', () => {
    const outside = outsideCode(md);
    expect(outside.match(/<details>/g)?.length ?? 0).toBe(outside.match(/<\/details>/g)?.length ?? 0);
    expect(outside).not.toMatch(/<script/);
  });

  it('never shows a secret', () => {
    for (const s of SECRETS) expect(md).not.toContain(s);
  });
});

describe('what the summaries say', () => {
  const promoted = render(RUNS.promoted());
  const rolledBack = render(RUNS['rolled-back']());
  const held = render(RUNS.held());
  const failed = render(RUNS['failed-input']());

  it('opens with the result banner', () => {
    expect(promoted.split('\n')[0]).toBe('## ✅ Promoted: green is live');
    expect(rolledBack.split('\n')[0]).toBe('## ↩️ Rolled back: blue is live again');
    expect(held.split('\n')[0]).toBe('## ⏸️ Held at 25%: green takes 25% of traffic');
    expect(failed.split('\n')[0]).toBe('## ❌ Failed');
  });

  it('shows the slots before and after', () => {
    expect(promoted).toContain('| live slot | blue | green |\n| blue | 100% | 0% |\n| green | 0% | 100% |');
    expect(held).toContain('| blue | 100% | 75% |\n| green | 0% | 25% |');
  });

  it('has one row per step with its UTC start, hold, evaluations and verdict', () => {
    expect(promoted).toContain('| 1/3 | green 10% | 14:00:49 | 2m | 4 | 24 ok | ✅ pass |');
    expect(promoted).toContain('| 3/3 | green 100% | 14:04:51 | 2m | 4 | 24 ok | ✅ pass |');
    const row = rolledBack.split('\n').find((l) => l.startsWith('| 2/3 |'))!;
    // the kinds of evaluations add up to the count; an inconclusive one is not called failed
    expect(row).toMatch(
      /^\| 2\/3 \| green 50% \| 14:02:50 \| 2m \| 4: 1 passed, 2 failed, 1 inconclusive \| 20 ok, 4 failed \| ❌ fail, step cut short: error rate 4\.17%/,
    );
    // the reason's `|` is escaped, so the row keeps its 7 cells
    expect(row.split(/(?<!&#)\|/)).toHaveLength(9);
  });

  it('states the reason near the top, escaped', () => {
    expect(rolledBack).toContain(
      '**Reason:** error rate 4.17% (20/480, haproxy) &#62; 1% on green at 50%, twice in a row &#124; token &#42;&#42;&#42;',
    );
    expect(failed).toContain('**Reason:** 2 inputs are invalid: no traffic was moved');
    expect(promoted).not.toContain('**Reason:**');
  });

  it('charts the weight and the error rate apart, in equal time buckets, with the limit and the rollback', () => {
    const blocks = [...rolledBack.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(2);
    const [weight, errors] = blocks as [string, string];
    const series = (chart: string, kind: string, nth = 0) =>
      [...chart.matchAll(new RegExp(`^  ${kind} (\\[.*\\])$`, 'gm'))].map(
        (m) => JSON.parse(m[1]!) as number[],
      )[nth]!;
    const labels = (chart: string) => JSON.parse(chart.match(/x-axis (\[.*\])/)![1]!) as string[];
    for (const chart of blocks) {
      expect(chart).toMatch(/^%%\{init: .*plotColorPalette.*\}%%\nxychart-beta\n/);
      // one category per bucket, never two alike (mermaid would merge them and shift the series)
      expect(new Set(labels(chart)).size).toBe(labels(chart).length);
      expect(labels(chart).filter((l) => l.startsWith('rollback '))).toHaveLength(1);
    }
    expect(weight).toContain('y-axis "weight %" 0 --> 100');
    const w = series(weight, 'line');
    expect(w).toHaveLength(labels(weight).length);
    expect(Math.max(...w)).toBe(50);
    // the rollback's bucket shows the highest share it held; the bucket after, the weight restored
    const rb = labels(weight).findIndex((l) => l.startsWith('rollback '));
    expect(w[rb]).toBe(50);
    expect(w.slice(rb + 1)).toEqual([0]);
    // the error rate on its own scale, the limit as a line at 1%
    expect(errors).toMatch(/y-axis "errors %" 0 --> 5\n/);
    expect(series(errors, 'line').every((x) => x === 1)).toBe(true);
    const bars = series(errors, 'bar', 1);
    expect(Math.max(...bars)).toBe(4.17);
    expect(failed).not.toContain('```mermaid');
  });

  it('a rollback in the first seconds still gives every x-axis category a non-empty label', () => {
    // mermaid refuses an empty category ("Parse error ... got 'COMMA'"): the chart would not draw
    const bucket = (i: number) => ({
      startMs: i * 1000,
      weight: 10,
      requests: 5,
      errors: 0,
      rollback: i === 1,
    });
    const chart = weightChart({ bucketMs: 1000, buckets: [0, 1, 2, 3].map(bucket) }, 'green').join('\n');
    const labels = JSON.parse(/x-axis (\[.*\])/.exec(chart)![1]!) as string[];
    expect(labels[1]).toBe('rollback 0:01');
    expect(labels.every((l) => l.length > 0)).toBe(true);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('shades buckets without requests instead of drawing them as 0%', () => {
    const md = render(RUNS['rolled-back-long']());
    const errors = [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)][1]![1]!;
    const bars = [...errors.matchAll(/^ {2}bar (\[.*\])$/gm)].map((m) => JSON.parse(m[1]!) as number[]);
    const [grey, rate] = bars as [number[], number[]];
    const top = Number(/y-axis "errors %" 0 --> ([\d.]+)/.exec(errors)![1]);
    const gaps = grey.flatMap((v, i) => (v === top ? [i] : []));
    // step 1's 20 seconds without a request (its evaluations at 65-80 s add none): the 60-70 s and
    // 70-80 s buckets, and only those; each evaluation's requests spread over the time since the one
    // before, so the seconds before the first evaluation of a step are not shown as empty
    // (and the bucket after the rollback's, which shows the restored weight: nothing measured there)
    expect(gaps).toEqual([6, 7, grey.length - 1]);
    for (const i of gaps) expect(rate[i]).toBeLessThan(0); // no bar at all, not a 0% bar
    // a run with requests all along (its first evaluation 1 m after the shift) has no grey bucket
    // up to its rollback
    const first = [...rolledBack.matchAll(/```mermaid\n([\s\S]*?)\n```/g)][1]![1]!;
    const greyBars = JSON.parse(/^ {2}bar (\[.*\])$/m.exec(first)![1]!) as number[];
    expect(greyBars.slice(0, -1).every((v) => v < 0)).toBe(true);
  });

  it('folds repeated evaluations, says each thing once, and keeps every step verdict and the rollback', () => {
    expect(rolledBack).toContain(
      'step 2/3 · green 50% · 1m in · **inconclusive**: only 12 requests on green (min-requests 20)',
    );
    expect(rolledBack).toMatch(
      /step 2\/3 · green 50% · \*\*2 evaluations FAIL\*\* \(2 in a row\); last: error rate 4\.17%/,
    );
    expect(rolledBack).toMatch(
      /\*\*step 1 passed\*\* · green 10% held 2m · 4 evaluations \(4 passed\) · probes 24 ok: /,
    );
    expect(rolledBack).not.toMatch(/ — err /); // the reason names the values: no second copy of them
    expect(promoted.match(/^- .*\*\*step \d passed\*\*/gm)).toHaveLength(3);
    expect(promoted).not.toMatch(/\*\*(FAIL|inconclusive)\*\*/);
    const long = render(RUNS['rolled-back-long']());
    expect(long).toMatch(
      /step 1\/4 · green 5% · \*\*6 evaluations inconclusive\*\*: 3 requests each, min-requests 20\n/,
    );
  });

  it('has a rollback section with what was restored', () => {
    expect(rolledBack).toMatch(
      /### Rollback\n\nAt 14:04:51 UTC traffic went back to blue: error rate 4\.17%/,
    );
    expect(rolledBack).toContain('Restored blue 100% / green 0% (web/blue 256, web/green 0).');
    expect(ROLLBACK_REASON).toContain('|');
  });

  it('folds hook output in <details>, verbatim in a fence its backticks cannot close', () => {
    const deploy = rolledBack.match(
      /<details>\n<summary>deploy · exit 0 · 41s<\/summary>\n\n<code>(.*)<\/code>\n\n(`{3,})text\n([\s\S]*?)\n\2\n\n<\/details>/,
    );
    expect(deploy).not.toBeNull();
    expect(deploy![1]).toBe('./deploy.sh green --token &#42;&#42;&#42;');
    expect(deploy![2]!.length).toBeGreaterThan(3);
    expect(deploy![3]).toContain('</details><script>alert(1)</script> | pipes | and `ticks`');
    expect(deploy![3]).not.toContain('\u001b[');
  });

  it('lists warnings and errors, links the run and the environment', () => {
    expect(promoted).toContain(
      '- warning: health-headers sent to http://green.internal with X-Health: &#42;&#42;&#42; over plain HTTP',
    );
    expect(failed).toContain('- **error**: canary-steps: &#34;10,5&#124;0&#34; is not a comma list');
    expect(promoted).toContain(`[workflow run](${RUN_URL})`);
    expect(promoted).toContain('[environment](https://green.shop.example/?preview=1&x=%28y%29)');
  });

  it('escapes user text in the header line', () => {
    const events = RUNS.promoted().map((e) =>
      e.type === 'run-start' ? { ...e, strategy: 'canary|<b>x</b>' } : e,
    );
    expect(render(events)).toContain('`deploy` · canary&#124;&#60;b&#62;x&#60;/b&#62; · via');
  });

  it('keeps only the tail of a long hook output', () => {
    const long = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n');
    const events = RUNS.promoted().map((e) =>
      e.type === 'hook' && e.hook === 'deploy' ? { ...e, result: { ...e.result, output: long } } : e,
    );
    const md = render(events);
    expect(md).toContain('line 1999');
    expect(md).not.toContain('line 10\n');
  });

  it('says when the run never ended', () => {
    const md = render(RUNS.promoted().filter((e) => e.type !== 'run-end'));
    expect(md.split('\n')[0]).toBe('## ⚠️ Incomplete: the run ended without a result');
  });
});

describe('writeSummary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-summary-'));
  const saved = process.env.GITHUB_STEP_SUMMARY;
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appends the markdown to the step summary file', async () => {
    const file = join(dir, 'summary.md');
    writeFileSync(file, '');
    process.env.GITHUB_STEP_SUMMARY = file;
    await writeSummary('## hello\n');
    expect(readFileSync(file, 'utf8')).toBe('## hello\n');
  });

  it('does nothing (and does not throw) outside Actions', async () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    await expect(writeSummary('## hello\n')).resolves.toBeUndefined();
  });
});
