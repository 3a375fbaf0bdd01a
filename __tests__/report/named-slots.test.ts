// The report of a run whose router names its slots (Lambda versions): every place a person reads a
// slot shows the version instead, and the realised share sits beside the weight.
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/ports/timeline.js';
import type { SlotNames } from '../../src/ports/traffic.js';
import { renderSummary } from '../../src/report/summary.js';
import { formatEvent } from '../../src/report/progress.js';
import { buildReport } from '../../src/report/json-report.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const names: SlotNames = { blue: { id: '7', label: 'version 7' }, green: { id: '8', label: 'version 8' } };
const measures = {
  requests: 98,
  errors: 9,
  errorRate: 9.18,
  errorSource: 'lambda' as const,
  targetShare: 9.8,
  dataUpTo: T0 + 3 * 60_000,
};
const reason =
  'version 8 error rate 9.18% ((Errors 7 + Throttles 2) / (Invocations 96 + Throttles 2), Lambda) is above the 5% limit';

const events: TimelineEvent[] = [
  { at: T0, type: 'slot-names', names: { blue: names.blue } },
  {
    at: T0,
    type: 'run-start',
    command: 'deploy',
    strategy: 'LambdaCanary10Percent5Minutes (canary)',
    router: 'Lambda function checkout, alias live',
    live: 'blue',
    target: 'green',
    before: { blue: 100, green: 0 },
  },
  { at: T0 + 1000, type: 'slot-names', names },
  {
    at: T0 + 2000,
    type: 'weights',
    step: 1,
    requested: { blue: 90, green: 10 },
    applied: { weights: { blue: 90, green: 10 }, detail: 'alias live: version 7 + version 8 at 0.1' },
  },
  {
    at: T0 + 5 * 60_000,
    type: 'step-verdict',
    step: 1,
    weight: 10,
    startedAt: T0 + 2000,
    heldMs: 5 * 60_000,
    evaluations: 10,
    verdict: { status: 'fail', reason, decisive: reason, measures },
  },
  {
    at: T0 + 5 * 60_000 + 500,
    type: 'rollback',
    reason,
    restored: { weights: { blue: 100, green: 0 } },
  },
  {
    at: T0 + 5 * 60_000 + 900,
    type: 'run-end',
    result: 'rolled-back',
    live: 'blue',
    previous: 'green',
    weight: 0,
    weightOf: 'green',
    weights: { blue: 100, green: 0 },
    reason,
    names,
  },
];

describe('summary with named slots', () => {
  const md = renderSummary({ events, secrets: [], limits: { maxErrorRate: 5 } });

  it('banner, slot table, steps and rollback speak of versions, not colours', () => {
    expect(md).toContain('## ↩️ Rolled back: version 7 is live again');
    expect(md).toContain('| live version | version 7 | version 7 |');
    expect(md).toContain('| version 7 | 100% | 100% |');
    expect(md).toContain('| version 8 | 0% | 0% |');
    expect(md).toMatch(/\| 1 \| version 8 10% \(served 9\.8%\) \|/);
    expect(md).toContain('traffic went back to version 7');
    expect(md).toContain('Restored version 7 100% / version 8 0%');
    expect(md).not.toMatch(/\b(blue|green)\b/);
  });

  it('the decision line carries the realised share beside the weight', () => {
    expect(md).toMatch(
      /\*\*step 1 FAILED\*\* · version 8 10% held 5m · 10 evaluations · served 9\.8% of requests/,
    );
  });
});

describe('log lines with named slots', () => {
  const line = (e: TimelineEvent) => formatEvent(e, { target: 'green', names, limits: { maxErrorRate: 5 } });

  it('run start, weights, verdicts and the end name the versions', () => {
    expect(line(events[1]!)).toBe(
      'glidepath deploy · LambdaCanary10Percent5Minutes (canary) · via Lambda function checkout, alias live · live version 7 → version 8 · version 7 100% / version 8 0%',
    );
    expect(line(events[3]!)).toBe(
      'step 1 · weights → version 7 90% / version 8 10% (alias live: version 7 + version 8 at 0.1)',
    );
    expect(line(events[4]!)).toMatch(
      /^step 1 done · version 8 10% · held 5m · 10 evaluations · err 9\.18% of 98 \(limit 5%\) · served 9\.8% of requests · /,
    );
    expect(line(events[6]!)).toMatch(
      /^result: rolled-back · live version 7 \(previous version 8\) · version 7 100% \/ version 8 0% · /,
    );
    expect(line(events[0]!)).toBeUndefined();
  });
});

describe('JSON report with named slots', () => {
  it('carries the versions behind live, previous and target', () => {
    const r = buildReport(events, { runId: '1-1-1' });
    expect(r).toMatchObject({ live: 'blue', previous: 'green', target: 'green' });
    expect(r.versions).toEqual({ live: '7', previous: '8', target: '8' });
    expect(r.slotNames).toEqual(names);
  });

  it('routers without names add neither field', () => {
    const r = buildReport(
      events
        .filter((e) => e.type !== 'slot-names')
        .map((e) => (e.type === 'run-end' ? { ...e, names: undefined } : e)),
      { runId: '1-1-1' },
    );
    expect(r.versions).toBeUndefined();
    expect(r.slotNames).toBeUndefined();
  });
});

describe('status with named slots', () => {
  it('rows, the rejected mark and the next commands name versions', async () => {
    const { statusLines, statusMarkdown } = await import('../../src/report/status.js');
    const snapshot = {
      weights: { blue: 100, green: 0 },
      live: 'blue' as const,
      slots: {
        blue: { state: 'Active', detail: 'version 7' },
        green: { state: 'Active', detail: 'version 6' },
      },
      rejected: {
        slot: 'green' as const,
        note: {
          run: 'https://github.com/acme/checkout/actions/runs/990',
          at: T0,
          reason: 'rolled back: error rate',
        },
      },
      lock: 'free' as const,
    };
    const six: SlotNames = { blue: { id: '7', label: 'version 7' }, green: { id: '6', label: 'version 6' } };
    const lines = statusLines(snapshot, T0, six).join('\n');
    expect(lines).toMatch(/^ {2}version 7 {2}100% {2}Active {2}live · version 7$/m);
    expect(lines).toContain('deploy a fixed version to version 6 (the deploy lifts the mark)');
    expect(lines).toContain('rollback with force: true sends all traffic to version 6 anyway');
    expect(lines).not.toMatch(/\b(blue|green)\b/);
    const md = statusMarkdown(snapshot, T0, six).join('\n');
    expect(md).toContain('| version | weight | state | what it is |');
    expect(md).toContain('| version 6 | 0% | Active |');
    expect(md).not.toMatch(/\b(blue|green)\b/);
    // without names: colours, as before
    expect(statusLines(snapshot, T0).join('\n')).toMatch(/^ {2}blue +100%/m);
  });
});
