// The live log: a step's line counts every probe of the step; status prints its rows; an abort is no ROLLBACK.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const said: { kind: string; text: string; title?: string }[] = [];
vi.mock('@actions/core', () => ({
  info: (text: string) => said.push({ kind: 'info', text }),
  warning: (text: string, p?: { title?: string }) => said.push({ kind: 'warning', text, title: p?.title }),
  notice: (text: string, p?: { title?: string }) => said.push({ kind: 'notice', text, title: p?.title }),
  startGroup: (text: string) => said.push({ kind: 'group', text }),
  endGroup: () => said.push({ kind: 'endgroup', text: '' }),
}));

const { LogStream } = await import('../../src/report/log-stream.js');
import type { TimelineEvent } from '../../src/ports/timeline.js';

const T = Date.UTC(2026, 2, 10, 14, 0, 0);

describe('LogStream', () => {
  beforeEach(() => (said.length = 0));

  it("counts every probe of a step on the step's line, not the last evaluation's", () => {
    const log = new LogStream({ limits: { maxErrorRate: 1 }, secrets: [] });
    const ev = (i: number): TimelineEvent => ({
      at: T + i,
      type: 'evaluation',
      step: 1,
      of: 2,
      weight: 10,
      elapsedMs: i * 5000,
      holdMs: 20_000,
      verdict: {
        status: 'pass',
        reason: 'fine',
        measures: { probesOk: i === 3 ? 0 : 1, probesFailed: i === 3 ? 1 : 0 },
      },
      consecutiveFailures: 0,
    });
    log.onEvent({
      at: T,
      type: 'run-start',
      command: 'deploy',
      strategy: 'canary',
      router: 'x',
      live: 'blue',
      target: 'green',
    });
    for (let i = 0; i < 4; i++) log.onEvent(ev(i));
    log.onEvent({
      at: T + 10,
      type: 'step-verdict',
      step: 1,
      weight: 10,
      startedAt: T,
      heldMs: 20_000,
      evaluations: 4,
      verdict: { status: 'pass', reason: 'fine', measures: { probesOk: 1, probesFailed: 0 } },
    });
    expect(said.at(-1)?.text).toMatch(
      /^step 1 done · green 10% · held 20s · 4 evaluations · 3 probes ok, 1 failed · pass$/,
    );
  });

  it('prints the status rows and announces an abort as ABORT', () => {
    const log = new LogStream({ limits: {}, secrets: [] });
    log.onEvent({
      at: T,
      type: 'status',
      status: {
        weights: { blue: 100, green: 0 },
        live: 'blue',
        lock: 'none',
        slots: { blue: { state: 'UP' }, green: { state: 'DRAIN' } },
      },
    });
    expect(said.map((s) => s.text)).toContain(
      '  green    0%  DRAIN  previous, but it takes no traffic (DRAIN): bring it back up before a rollback',
    );
    log.onEvent({
      at: T,
      type: 'rollback',
      reason: 'aborted by alice',
      cause: 'abort',
      restored: { weights: { blue: 100, green: 0 } },
    });
    expect(said.at(-1)).toMatchObject({ kind: 'notice', title: 'Glidepath aborted the deploy' });
    expect(said.at(-1)?.text).toMatch(/^ABORT: aborted by alice/);
  });

  it('a result whose reason is the error just printed points at it instead of printing it again', () => {
    const log = new LogStream({ limits: {}, secrets: [] });
    const why = 'could not take the lock on HAProxy /run/h.sock: locked by run 41; nothing was moved';
    log.onEvent({ at: T, type: 'error', message: why });
    log.onEvent({ at: T + 1, type: 'run-end', result: 'failed', reason: why });
    log.onEvent({ at: T + 2, type: 'run-end', result: 'failed', reason: 'another reason' });
    expect(said.map((s) => s.text)).toEqual([
      `error: ${why}`,
      'result: failed · the error above',
      'result: failed · another reason',
    ]);
  });
});
