import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, writeReport } from '../../src/report/json-report.js';
import {
  DEFAULT_T0,
  heldRun,
  promotedRun,
  ROLLBACK_REASON,
  rolledBackRun,
  RUN_URL,
  SECRETS,
} from './fixtures.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const dir = mkdtempSync(join(tmpdir(), 'glidepath-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildReport', () => {
  it('summarizes a rolled-back run with the schema fields', () => {
    const events = rolledBackRun();
    const r = buildReport(events, { runId: '4242-1', runUrl: RUN_URL });
    expect(r).toMatchObject({
      schemaVersion: 1,
      runId: '4242-1',
      runUrl: RUN_URL,
      command: 'deploy',
      strategy: 'canary',
      result: 'rolled-back',
      live: 'blue',
      previous: 'green',
      target: 'green',
      weight: 0,
      reason: ROLLBACK_REASON,
      before: { blue: 100, green: 0 },
      after: { blue: 100, green: 0 },
    });
    expect(r.startedAt).toBe(new Date(DEFAULT_T0).toISOString());
    expect(r.endedAt).toBe(new Date(events[events.length - 1]!.at).toISOString());
    expect(r.durationMs).toBe(events[events.length - 1]!.at - DEFAULT_T0);
  });

  it('has one step per shift, the cut-short one marked interrupted after a failing evaluation', () => {
    const r = buildReport(rolledBackRun(), { runId: '1' });
    expect(r.steps.map((s) => [s.step, s.of, s.weight, s.evaluations, s.status])).toEqual([
      [1, 3, 10, 4, 'pass'],
      [2, 3, 50, 4, 'interrupted'],
    ]);
    // the kinds of evaluations add up to the count: an inconclusive one is not a failure
    expect(r.steps[1]).toMatchObject({
      evaluations: 4,
      passedEvaluations: 1,
      failedEvaluations: 2,
      inconclusiveEvaluations: 1,
      probes: { ok: 20, failed: 4 },
      lastEvaluation: 'fail',
      heldMs: 120_000,
    });
    // a step's probes are all its evaluations' probes, in the report's measures too
    expect(r.steps[0]).toMatchObject({ evaluations: 4, passedEvaluations: 4, probes: { ok: 24, failed: 0 } });
    expect(r.steps[0]!.measures).toMatchObject({ probesOk: 24, probesFailed: 0 });
    for (const s of r.steps)
      expect(s.passedEvaluations + s.failedEvaluations + s.inconclusiveEvaluations).toBe(s.evaluations);
    expect(r.steps[0]!.startedAt).toMatch(ISO);
  });

  it('keeps every event in order with ISO times', () => {
    const events = promotedRun();
    const r = buildReport(events, { runId: '1' });
    expect(r.events).toHaveLength(events.length);
    expect(r.events.map((e) => e.type)).toEqual(events.map((e) => e.type));
    for (const [i, e] of r.events.entries()) {
      expect(e.at).toBe(new Date(events[i]!.at).toISOString());
      if (e.type === 'step-verdict') expect(e.startedAt).toMatch(ISO);
    }
    expect(r.warnings).toHaveLength(1);
  });

  it('reports a held run with its weight', () => {
    expect(buildReport(heldRun(), { runId: '1' })).toMatchObject({
      result: 'held',
      weight: 25,
      after: { blue: 75, green: 25 },
    });
  });

  it('calls a run without an end a failure and says why', () => {
    const events = promotedRun().filter((e) => e.type !== 'run-end');
    const r = buildReport(events, { runId: '1' });
    expect(r.result).toBe('failed');
    expect(r.reason).toMatch(/without reporting a result/);
  });
});

describe('writeReport', () => {
  it('writes glidepath-report-<runId>.json, valid JSON, secrets masked', async () => {
    const events = rolledBackRun();
    expect(JSON.stringify(events)).toContain(SECRETS[2]); // planted, so the check below can fail
    const path = await writeReport(join(dir, 'nested'), buildReport(events, { runId: '4242-1' }), SECRETS);
    expect(basename(path)).toBe('glidepath-report-4242-1.json');
    const text = readFileSync(path, 'utf8');
    for (const s of SECRETS) expect(text).not.toContain(s);
    const parsed = JSON.parse(text);
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.reason).toContain('***');
  });

  it('keeps the file inside the directory whatever the run id', async () => {
    const path = await writeReport(dir, buildReport(heldRun(), { runId: '../../etc/x y' }), []);
    expect(path.startsWith(dir)).toBe(true);
    expect(basename(path)).toBe('glidepath-report-.._.._etc_x_y.json');
  });
});
