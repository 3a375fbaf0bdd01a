// The Decisions list keeps what decided the run, however long the run: every step verdict and the
// rollback, with repeats folded and the evaluation lines capped.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { TimelineEvent } from '../../src/ports/timeline.js';
import type { VerdictStatus } from '../../src/judge/types.js';
import { decisionLines, decisionsList, FOLDED_MAX } from '../../src/report/decisions.js';
import { renderSummary } from '../../src/report/summary.js';

const T0 = Date.UTC(2026, 2, 10, 14, 0, 0);

/** A run of `steps`, each evaluated with the given statuses; the last one rolled back when `rolledBack`. */
function run(steps: VerdictStatus[][], rolledBack: boolean): TimelineEvent[] {
  const events: TimelineEvent[] = [
    {
      at: T0,
      type: 'run-start',
      command: 'deploy',
      strategy: 'linear',
      router: 'fake',
      live: 'blue',
      target: 'green',
      before: { blue: 100, green: 0 },
    },
  ];
  let t = T0;
  steps.forEach((statuses, i) => {
    const step = i + 1;
    const weight = Math.min(100, step * 10);
    t += 1000;
    const startedAt = t;
    events.push({
      at: t,
      type: 'weights',
      step,
      requested: { blue: 100 - weight, green: weight },
      applied: { weights: { blue: 100 - weight, green: weight } },
    });
    let requests = 0;
    statuses.forEach((status, j) => {
      t += 5000;
      requests += status === 'inconclusive' ? 2 : 40;
      events.push({
        at: t,
        type: 'evaluation',
        step,
        of: steps.length,
        weight,
        elapsedMs: t - startedAt,
        holdMs: 120_000,
        verdict: {
          status,
          reason:
            status === 'inconclusive'
              ? `only ${requests} requests on green in step ${step}, fewer than min-requests 20`
              : `${status} at evaluation ${j + 1}`,
          measures: { requests, errors: 0, errorRate: 0, probesOk: 1 },
        },
        consecutiveFailures: status === 'fail' ? 1 : 0,
      });
    });
    const last = i === steps.length - 1;
    if (last && rolledBack) {
      events.push({
        at: t + 100,
        type: 'rollback',
        reason: 'green error rate above the limit',
        restored: { weights: { blue: 100, green: 0 } },
        cause: 'verdict',
      });
      return;
    }
    events.push({
      at: t,
      type: 'step-verdict',
      step,
      weight,
      startedAt,
      heldMs: t - startedAt,
      evaluations: statuses.length,
      verdict: { status: 'pass', reason: `step ${step} is fine`, measures: {} },
    });
  });
  events.push({
    at: t + 200,
    type: 'run-end',
    result: rolledBack ? 'rolled-back' : 'promoted',
    live: rolledBack ? 'blue' : 'green',
  });
  return events;
}

const statuses = fc.array(fc.constantFrom<VerdictStatus>('pass', 'pass', 'inconclusive', 'fail'), {
  maxLength: 400,
});

describe('the Decisions list', () => {
  it('always shows every step verdict and the rollback, and caps the evaluation lines, however long the run', () => {
    fc.assert(
      fc.property(fc.array(statuses, { minLength: 1, maxLength: 12 }), fc.boolean(), (steps, rolledBack) => {
        const events = run(steps, rolledBack);
        const shown = decisionsList(decisionLines(events, 'green', {}, 20));
        const verdicts = events.filter((e) => e.type === 'step-verdict');
        for (const v of verdicts)
          expect(shown.filter((l) => l.includes(`**step ${v.step} passed**`))).toHaveLength(1);
        expect(shown.some((l) => l.includes('**rollback**: green error rate above the limit'))).toBe(
          rolledBack,
        );
        const folded = shown.filter((l) => !/\*\*step \d+ passed\*\*|\*\*rollback\*\*/.test(l));
        expect(folded.length).toBeLessThanOrEqual(FOLDED_MAX + 1);
        // and the summary shows the same list
        const md = renderSummary({ events, secrets: [] });
        for (const v of verdicts) expect(md).toContain(`**step ${v.step} passed**`);
        if (rolledBack) expect(md).toContain('- `14:');
      }),
      { numRuns: 60 },
    );
  });

  it('folds a run of inconclusive evaluations into one line with the requests each brought', () => {
    const events = run(
      [['inconclusive', 'inconclusive', 'inconclusive', 'pass', 'pass', 'fail', 'pass']],
      false,
    );
    const lines = decisionLines(events, 'green', {}, 20).map((l) => l.text);
    expect(lines).toEqual([
      expect.stringMatching(
        /^`14:00:06–14:00:16` step 1\/1 · green 10% · \*\*3 evaluations inconclusive\*\*: 2 requests each, min-requests 20$/,
      ),
      expect.stringMatching(
        /^`14:00:31` step 1\/1 · green 10% · 30s in · \*\*FAIL\*\*: fail at evaluation 6$/,
      ),
      expect.stringMatching(
        /^`14:00:36` \*\*step 1 passed\*\* · green 10% held 35s · 7 evaluations \(3 passed, 1 failed, 3 inconclusive\) · probes 7 ok: step 1 is fine$/,
      ),
    ]);
  });

  it('keeps the words of an inconclusive that is not about too few requests', () => {
    const events = run([['pass', 'pass']], false).map((e) =>
      e.type === 'evaluation'
        ? {
            ...e,
            verdict: {
              ...e.verdict,
              status: 'inconclusive' as const,
              reason: 'green error rate 2% is above the limit, not conclusively yet',
            },
          }
        : e,
    );
    const [line] = decisionLines(events, 'green', {}, 20).map((l) => l.text);
    expect(line).toMatch(
      /\*\*2 evaluations inconclusive\*\*; last: green error rate 2% is above the limit, not conclusively yet$/,
    );
    expect(line).not.toContain('min-requests');
  });

  it('says how many evaluation lines were left out, and where to find them', () => {
    const many: VerdictStatus[] = Array.from({ length: 200 }, (_, i) => (i % 2 ? 'fail' : 'pass'));
    const shown = decisionsList(decisionLines(run([many], true), 'green', {}));
    expect(shown).toContain(
      `- … ${100 - FOLDED_MAX} more evaluation lines (the JSON report has every evaluation)`,
    );
    expect(shown.at(-1)).toMatch(/\*\*rollback\*\*/);
  });
});
