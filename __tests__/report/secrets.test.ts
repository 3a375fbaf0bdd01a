// Planted secrets (health-header value, webhook URL, token) must not leave through any renderer.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, writeReport } from '../../src/report/json-report.js';
import { formatEvent } from '../../src/report/progress.js';
import { renderSummary } from '../../src/report/summary.js';
import {
  ENV_URL,
  HEADER_SECRET,
  LIMITS,
  RUN_URL,
  RUNS,
  SECRET_SPELLINGS,
  SECRETS,
  TOKEN,
  WEBHOOK_URL,
} from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'glidepath-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Distinctive fragments: a renderer that escapes before masking would leak these. */
const FRAGMENTS = ['S3cret-7f3a9c', 'T0kenValue0123456789', 'XyZw3bh00kSecret'];

function expectClean(label: string, text: string): void {
  for (const s of [...SECRET_SPELLINGS, ...FRAGMENTS]) expect(text, `${label} leaks ${s}`).not.toContain(s);
}

describe.each(Object.entries(RUNS))('%s run', (name, make) => {
  const events = make();

  it('has secrets planted in its timeline (so the checks below can fail)', () => {
    const raw = JSON.stringify(events);
    const planted = [HEADER_SECRET, TOKEN, WEBHOOK_URL].filter(
      (s) => raw.includes(s) || raw.includes(encodeURIComponent(s)),
    );
    expect(planted.length).toBeGreaterThan(0);
  });

  it('keeps them out of the summary', () => {
    expectClean(
      'summary',
      renderSummary({ events, secrets: SECRETS, runUrl: RUN_URL, environmentUrl: ENV_URL, limits: LIMITS }),
    );
  });

  it('keeps them out of the JSON report file', async () => {
    const path = await writeReport(dir, buildReport(events, { runId: name }), SECRETS);
    expectClean('report', readFileSync(path, 'utf8'));
  });

  it('keeps them out of the progress lines', () => {
    const lines = events
      .map((e) => formatEvent(e, { target: 'green', limits: LIMITS, secrets: SECRETS }) ?? '')
      .join('\n');
    expectClean('progress', lines);
  });
});

it('masks a secret that reaches the summary only through the environment URL', () => {
  const md = renderSummary({
    events: RUNS.promoted(),
    secrets: [TOKEN],
    environmentUrl: `https://preview.example/?t=${TOKEN}`,
  });
  expect(md).not.toContain(TOKEN);
});
