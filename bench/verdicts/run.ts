// `npm run bench:verdicts`: every corpus scenario (__tests__/scenarios/corpus.ts), many seeds each,
// through today's rule (the baseline) and the sequential judge, in the same run; one table.
// GLIDEPATH_VERDICTS_HEALTHY=N sets the healthy deploys (default 500).
import { SCENARIOS, type Outcome, type Scenario } from '../../__tests__/scenarios/corpus.js';
import { newJudge, todaysRule, type RunResult } from '../../__tests__/scenarios/simulate.js';

const healthyRuns = Number(process.env.GLIDEPATH_VERDICTS_HEALTHY ?? 500);
const RUNS: Record<Scenario['kind'], number> = { healthy: healthyRuns, regression: 100, 'no-data': 50 };
/** the slow warm-up is healthy too, but fewer of it suffice */
const runsOf = (sc: Scenario) => (sc.name === 'slow warm-up' ? Math.min(100, RUNS.healthy) : RUNS[sc.kind]);

interface Tally {
  outcomes: Record<Outcome, number>;
  wrong: number;
  times: number[];
  example?: string;
}

function median(v: number[]): number | undefined {
  if (v.length === 0) return undefined;
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const fmtTime = (ms: number | undefined) =>
  ms === undefined ? '-' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;

function run(sc: Scenario, judge: (sc: Scenario, seed: number) => RunResult): Tally {
  const t: Tally = { outcomes: { promoted: 0, 'rolled-back': 0, failed: 0 }, wrong: 0, times: [] };
  for (let seed = 1; seed <= runsOf(sc); seed++) {
    const r = judge(sc, seed * 7919);
    t.outcomes[r.outcome]++;
    if (r.outcome !== sc.expected) {
      t.wrong++;
      t.example ??= `${r.outcome}: ${r.reason}`;
    }
    t.times.push(r.atMs - sc.onsetMs);
  }
  return t;
}

const started = performance.now();
const rows: { sc: Scenario; today: Tally; fresh: Tally }[] = [];
for (const sc of SCENARIOS) {
  rows.push({ sc, today: run(sc, todaysRule), fresh: run(sc, newJudge) });
  console.error(`  ${sc.name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

const cells = (t: Tally) =>
  `${t.outcomes.promoted}/${t.outcomes['rolled-back']}/${t.outcomes.failed}`.padEnd(12) +
  `${String(t.wrong).padStart(5)}  ${fmtTime(median(t.times)).padStart(8)}`;
const lines: string[] = [];
lines.push(
  'npm run bench:verdicts: seeded whole deploys (canary 5,25,50 → 100, 2 min steps, probe-interval 2s, HAProxy counters every 100 ms,',
  'max-error-rate 1%, min-requests 20, failure-threshold 2, compare-to-stable with paired probes, confidence 99%); outcomes promoted/rolled-back/failed',
  '',
  `${'scenario'.padEnd(42)}${'expected'.padEnd(13)}${'runs'.padStart(5)}  │ ${"today's rule".padEnd(27)}│ sequential judge`,
  `${''.padEnd(42)}${''.padEnd(13)}${''.padStart(5)}  │ ${'p/r/f'.padEnd(12)}${'wrong'.padStart(5)}  ${'median t'.padStart(8)} │ ${'p/r/f'.padEnd(12)}${'wrong'.padStart(5)}  ${'median t'.padStart(8)}`,
);
for (const { sc, today, fresh } of rows) {
  lines.push(
    `${sc.name.padEnd(42)}${sc.expected.padEnd(13)}${String(runsOf(sc)).padStart(5)}  │ ${cells(today)} │ ${cells(fresh)}`,
  );
}
const sum = (
  kind: Scenario['kind'],
  pick: (r: (typeof rows)[number]) => Tally,
  what: (t: Tally, sc: Scenario) => number,
) => rows.filter((r) => r.sc.kind === kind).reduce((n, r) => n + what(pick(r), r.sc), 0);
const total = (kind: Scenario['kind']) =>
  rows.filter((r) => r.sc.kind === kind).reduce((n, r) => n + runsOf(r.sc), 0);
const healthyN = total('healthy');
const regN = total('regression');
const noDataN = total('no-data');
const summary = (label: string, pick: (r: (typeof rows)[number]) => Tally) => {
  const fr = sum('healthy', pick, (t) => t.outcomes['rolled-back']);
  const missed = sum('regression', pick, (t) => t.outcomes.promoted + t.outcomes.failed);
  const noData = sum('no-data', pick, (t) => t.wrong);
  const times = rows.filter((r) => r.sc.kind === 'regression').flatMap((r) => pick(r).times);
  return `${label.padEnd(18)} false rollbacks ${fr}/${healthyN} (${((fr / healthyN) * 100).toFixed(1)}%) · missed regressions ${missed}/${regN} · wrong lack-of-data outcomes ${noData}/${noDataN} · median time to roll back ${fmtTime(median(times))}`;
};
lines.push(
  '',
  summary("today's rule", (r) => r.today),
  summary('sequential judge', (r) => r.fresh),
);
const examples = rows.flatMap(({ sc, today, fresh }) => [
  ...(today.example ? [`  today's rule, ${sc.name}: ${today.example}`] : []),
  ...(fresh.example ? [`  sequential judge, ${sc.name}: ${fresh.example}`] : []),
]);
if (examples.length)
  lines.push('', 'first wrong outcome of each (reason as given):', ...examples.map((e) => e.slice(0, 240)));
lines.push('', `(${((performance.now() - started) / 1000).toFixed(1)} s)`);
console.log(lines.join('\n'));

const fr = sum(
  'healthy',
  (r) => r.fresh,
  (t) => t.outcomes['rolled-back'],
);
const missed = sum(
  'regression',
  (r) => r.fresh,
  (t) => t.outcomes.promoted + t.outcomes.failed,
);
const noData = sum(
  'no-data',
  (r) => r.fresh,
  (t) => t.wrong,
);
if (missed > 0 || fr > healthyN / 100 || noData > 0 || healthyN < 500) {
  console.log(
    '\ntargets missed: 0 missed regressions, false rollbacks ≤ 1% of ≥ 500 healthy deploys, no wrong lack-of-data outcome',
  );
  process.exitCode = 1;
}
