import { describe, expect, it } from 'vitest';
import type { TimelineEvent, TimelineEventOf } from '../../src/ports/timeline.js';
import type { Measures, VerdictStatus } from '../../src/judge/types.js';
import { formatEvent, formatPercent } from '../../src/report/progress.js';
import { RUNS, SECRETS, TOKEN } from './fixtures.js';

const limits = { maxErrorRate: 2, maxLatency: { percentile: 99, maxMs: 2000, text: 'p99<2s' } };

function evaluation(status: VerdictStatus, measures: Measures, reason = 'r'): TimelineEventOf<'evaluation'> {
  return {
    type: 'evaluation',
    at: 0,
    step: 2,
    of: 4,
    weight: 25,
    elapsedMs: 70_000,
    holdMs: 300_000,
    verdict: { status, reason, measures },
    consecutiveFailures: status === 'fail' ? 1 : 0,
  };
}

describe('formatEvent: evaluation', () => {
  const full: Measures = {
    errorRate: 0.4,
    latencyMs: 180,
    latencyLabel: 'p99',
    probesOk: 14,
    requests: 250,
    errors: 1,
  };

  it('reads like the brief: step, weight, progress, values with limits, probes', () => {
    expect(formatEvent(evaluation('pass', full), { target: 'green', limits })).toBe(
      'step 2/4 · green 25% · 1m10s/5m · err 0.4% of 250 (limit 2%) · p99 180ms (limit 2s) · 14 probes ok',
    );
  });

  it('ends with FAIL or inconclusive and the reason when not a pass', () => {
    expect(formatEvent(evaluation('fail', full, 'error rate 3% > 2%'), { target: 'green', limits })).toMatch(
      / · 14 probes ok · FAIL: error rate 3% > 2%$/,
    );
    expect(formatEvent(evaluation('inconclusive', {}, 'only 3 requests (min 20)'), { target: 'blue' })).toBe(
      'step 2/4 · blue 25% · 1m10s/5m · inconclusive: only 3 requests (min 20)',
    );
  });

  it('omits absent parts and limits it does not know', () => {
    expect(formatEvent(evaluation('pass', { errorRate: 0 }), {})).toBe(
      'step 2/4 · new slot 25% · 1m10s/5m · err 0%',
    );
    expect(formatEvent(evaluation('pass', { probesOk: 3, probesFailed: 1 }), { target: 'green' })).toBe(
      'step 2/4 · green 25% · 1m10s/5m · 3 probes ok, 1 failed',
    );
  });

  it('rounds elapsed time to the second', () => {
    const e = { ...evaluation('pass', {}), elapsedMs: 70_420 };
    expect(formatEvent(e, { target: 'green' })).toContain('1m10s/5m');
  });
});

describe('formatEvent: every kind', () => {
  it('gives one line per event of a whole run, masked, never spanning lines', () => {
    for (const make of Object.values(RUNS)) {
      for (const e of make()) {
        const line = formatEvent(e, { target: 'green', limits, secrets: SECRETS });
        expect(line, e.type).toBeTypeOf('string');
        expect(line).not.toMatch(/[\r\n]/);
        for (const s of SECRETS) expect(line).not.toContain(s);
      }
    }
  });

  it('keeps a multi-line reason on one line, so it cannot start a workflow command', () => {
    const e: TimelineEvent = { type: 'rollback', at: 0, reason: 'bad\n::add-mask::x\nmore' };
    expect(formatEvent(e)).toBe('ROLLBACK: bad ::add-mask::x more');
  });

  it('names the rollback reason and what was restored', () => {
    const e: TimelineEvent = {
      type: 'rollback',
      at: 0,
      reason: `error rate 5% with ${TOKEN}`,
      restored: { weights: { blue: 100, green: 0 } },
    };
    expect(formatEvent(e, { secrets: SECRETS })).toBe(
      'ROLLBACK: error rate 5% with *** · restored blue 100% / green 0%',
    );
  });

  it('mentions rounding only when the router changed the split', () => {
    const same: TimelineEvent = {
      type: 'weights',
      at: 0,
      step: 1,
      requested: { blue: 90, green: 10 },
      applied: { weights: { blue: 90, green: 10 } },
    };
    const rounded: TimelineEvent = {
      ...same,
      applied: { weights: { blue: 89.84, green: 10.16 }, detail: 'web/blue 230, web/green 26' },
    };
    expect(formatEvent(same)).toBe('step 1 · weights → blue 90% / green 10%');
    expect(formatEvent(rounded)).toBe(
      'step 1 · weights → blue 90% / green 10% (applied blue 89.84% / green 10.16%; web/blue 230, web/green 26)',
    );
  });

  it('reports hooks by outcome', () => {
    const r = { hook: 'smoke' as const, command: './smoke.sh', output: '', durationMs: 2_400 };
    expect(
      formatEvent({ type: 'hook', at: 0, hook: 'smoke', result: { ...r, exitCode: 0, timedOut: false } }),
    ).toBe('hook smoke ok in 2s');
    expect(
      formatEvent({ type: 'hook', at: 0, hook: 'smoke', result: { ...r, exitCode: 3, timedOut: false } }),
    ).toBe('hook smoke failed (exit 3) in 2s');
    expect(
      formatEvent({ type: 'hook', at: 0, hook: 'smoke', result: { ...r, exitCode: 143, timedOut: true } }),
    ).toBe('hook smoke timed out in 2s');
  });
});

describe('formatPercent', () => {
  it.each([
    [0, '0%'],
    [0.4, '0.4%'],
    [0.41666, '0.42%'],
    [12.5, '12.5%'],
    [100, '100%'],
  ])('%d → %s', (n, s) => expect(formatPercent(n)).toBe(s));
});

describe('probe counts', () => {
  it('say "probe" for one and "probes" for more', async () => {
    const { formatMeasures } = await import('../../src/report/progress.js');
    expect(formatMeasures({ probesOk: 1 })).toEqual(['1 probe ok']);
    expect(formatMeasures({ probesOk: 2, probesFailed: 1 })).toEqual(['2 probes ok, 1 failed']);
  });
});
