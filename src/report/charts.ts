// The summary's charts, drawn by GitHub's mermaid (the only chart a job summary renders): the run
// resampled into equal time buckets, so time is to scale; the new slot's weight on one chart, its
// error rate on its own scale with the limit as a line on another; the rollback bucket labelled;
// buckets without requests shaded, never drawn as 0%.
import type { Slot } from '../config/types.js';
import type { TimelineEvent } from '../ports/timeline.js';
import type { Plan } from '../plan/types.js';

/** At most this many buckets: more and the bars and labels crowd a summary's width. */
const MAX_BUCKETS = 30;
/** Time labels on the x axis, about; the other buckets get invisible unique labels. */
const MAX_LABELS = 8;
const NICE_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400].map((s) => s * 1000);

/**
 * Colours that read on GitHub's light and dark backgrounds alike (mermaid's own palette draws bars
 * in a near-white lavender): blue weight, red errors, amber limit, translucent grey for no data.
 */
const WEIGHT = '#2f81f7';
const ERRORS = '#cf222e';
const LIMIT = '#bf8700';
const NO_DATA = '#8c959f59';

export interface Bucket {
  /** ms since the first shift */
  startMs: number;
  /** the new slot's weight at the bucket's end, as read back */
  weight: number;
  /** new requests and failed requests measured in the bucket; requests 0 = no data */
  requests: number;
  errors: number;
  rollback: boolean;
}

export interface Resampled {
  bucketMs: number;
  buckets: Bucket[];
}

/** The smallest nice width that fits `spanMs` into MAX_BUCKETS, and no finer than the evaluations come. */
function bucketWidth(spanMs: number, cadenceMs: number): number {
  const need = Math.max(spanMs / MAX_BUCKETS, cadenceMs);
  return NICE_MS.find((n) => n >= need) ?? Math.ceil(need / 3_600_000) * 3_600_000;
}

/**
 * New requests and errors per evaluation. An evaluation's measures count the step so far (the
 * judge's contract), so each one's share is the difference from the step's previous evaluation. A
 * step whose counts ever go down was measured in windows of their own: each is taken as it is.
 */
export function perEvaluation(
  events: readonly TimelineEvent[],
): Map<TimelineEvent, { requests: number; errors: number }> {
  const byStep = new Map<number, { e: TimelineEvent; requests: number; errors: number }[]>();
  for (const e of events) {
    if (e.type !== 'evaluation' || e.verdict.measures.requests === undefined) continue;
    const m = e.verdict.measures;
    const errors = m.errors ?? Math.round(((m.errorRate ?? 0) / 100) * m.requests!);
    const list = byStep.get(e.step) ?? [];
    list.push({ e, requests: m.requests!, errors });
    byStep.set(e.step, list);
  }
  const out = new Map<TimelineEvent, { requests: number; errors: number }>();
  for (const list of byStep.values()) {
    const cumulative = list.every(
      (x, i) => i === 0 || (x.requests >= list[i - 1]!.requests && x.errors >= list[i - 1]!.errors),
    );
    list.forEach((x, i) => {
      const prev = cumulative && i > 0 ? list[i - 1]! : { requests: 0, errors: 0 };
      out.set(x.e, { requests: x.requests - prev.requests, errors: x.errors - prev.errors });
    });
  }
  return out;
}

/** The run from its first shift to its end in equal buckets; undefined when no traffic moved. */
export function resample(events: readonly TimelineEvent[], target: Slot): Resampled | undefined {
  const shifts = events.filter((e) => e.type === 'weights');
  if (!shifts.length) return undefined;
  const t0 = shifts[0]!.at;
  const end = Math.max(t0 + 1, events[events.length - 1]!.at);
  const evals = events.filter((e) => e.type === 'evaluation');
  const gaps = evals
    .slice(1)
    .map((e, i) => e.at - evals[i]!.at)
    .filter((g) => g > 0)
    .sort((a, b) => a - b);
  const cadence = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 0;
  const bucketMs = bucketWidth(end - t0, cadence);
  // a bucket after the last rollback's, so the chart shows the weight it restored, not only the highest
  const restore = events.findLast((e) => e.type === 'rollback');
  const afterRestore = restore ? Math.floor((restore.at - t0) / bucketMs) + 2 : 0;
  const count = Math.max(1, Math.ceil((end - t0) / bucketMs), afterRestore);
  const buckets: Bucket[] = Array.from({ length: count }, (_, i) => ({
    startMs: i * bucketMs,
    weight: 0,
    requests: 0,
    errors: 0,
    rollback: false,
  }));
  const index = (at: number) => Math.min(count - 1, Math.max(0, Math.floor((at - t0) / bucketMs)));
  // the highest weight as read back during each bucket (what it held at its start, carried forward,
  // and every change within it): a step cut short within a bucket still shows the share it reached
  const changes: { at: number; weight: number }[] = [];
  for (const e of events) {
    if (e.type === 'weights') changes.push({ at: e.at, weight: e.applied.weights[target] });
    if (e.type === 'rollback') {
      buckets[index(e.at)]!.rollback = true;
      if (e.restored) changes.push({ at: e.at, weight: e.restored.weights[target] });
    }
  }
  let c = 0;
  let weight = 0;
  for (const b of buckets) {
    const bucketEnd = t0 + b.startMs + bucketMs;
    let highest = weight;
    while (c < changes.length && changes[c]!.at < bucketEnd) {
      weight = changes[c++]!.weight;
      highest = Math.max(highest, weight);
    }
    b.weight = highest;
  }
  // an evaluation counts what came since the one before it (or since the weights it judges were
  // set): spread its requests evenly over that span, so a bucket is grey only when no request came
  const counted = perEvaluation(events);
  let from = t0;
  for (const e of events) {
    if (e.type === 'weights' || e.type === 'rollback') from = e.at;
    const p = e.type === 'evaluation' ? counted.get(e) : undefined;
    if (!p) continue;
    spread(buckets, bucketMs, Math.max(t0, Math.min(from, e.at)) - t0, e.at - t0, p);
    from = e.at;
  }
  return { bucketMs, buckets };
}

/** Adds `counts`, which came evenly over [fromMs, toMs) since the first shift, to the buckets it overlaps. */
function spread(
  buckets: Bucket[],
  bucketMs: number,
  fromMs: number,
  toMs: number,
  counts: { requests: number; errors: number },
): void {
  const last = buckets.length - 1;
  const first = Math.min(last, Math.floor(fromMs / bucketMs));
  const end = Math.min(last, Math.max(first, Math.ceil(toMs / bucketMs) - 1));
  const span = toMs - fromMs;
  for (let i = first; i <= end; i++) {
    const overlap = Math.min(toMs, (i + 1) * bucketMs) - Math.max(fromMs, i * bucketMs);
    // a zero-length span (or one past the last bucket) lands whole in its bucket
    const share = span > 0 && first !== end ? Math.max(0, overlap) / span : i === first ? 1 : 0;
    buckets[i]!.requests += counts.requests * share;
    buckets[i]!.errors += counts.errors * share;
  }
}

/** `0:30`, `12:05`, `1:02:30`: time since the first shift. */
export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function width(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

/**
 * x-axis categories: a time every few buckets, `rollback m:ss` on the rollback's, and for the rest
 * labels a person does not see but mermaid keeps apart (it merges equal categories, which would
 * shift every series).
 */
function labels(r: Resampled): string[] {
  const every = Math.max(1, Math.ceil(r.buckets.length / MAX_LABELS));
  const rollbacks = r.buckets.flatMap((b, i) => (b.rollback ? [i] : []));
  // the rollback's label is wider than a time: its neighbours stay blank so the two never overlap
  const crowded = (i: number) => rollbacks.some((j) => j !== i && Math.abs(j - i) <= 2);
  return r.buckets.map((b, i) => {
    if (b.rollback) return `rollback ${clock(b.startMs)}`;
    if (i % every === 0 && !crowded(i)) return clock(b.startMs);
    return '\u200b'.repeat(i + 1);
  });
}

const num = (n: number): string => String(Number(n.toFixed(2)));
const quoted = (xs: string[]): string => xs.map((x) => `"${x}"`).join(', ');

function init(palette: string[]): string {
  return `%%{init: {"xyChart": {"width": 900, "height": 260}, "themeVariables": {"xyChart": {"plotColorPalette": "${palette.join(', ')}"}}}}%%`;
}

/** The new slot's weight per bucket, 0–100. */
export function weightChart(r: Resampled, target: string): string[] {
  return [
    '```mermaid',
    init([WEIGHT]),
    'xychart-beta',
    `  title "${target}'s highest weight (%) in each ${width(r.bucketMs)}"`,
    `  x-axis [${quoted(labels(r))}]`,
    '  y-axis "weight %" 0 --> 100',
    `  line [${r.buckets.map((b) => num(b.weight)).join(', ')}]`,
    '```',
  ];
}

/** A round top for the error axis: the limit stays in view, and so does the worst bucket. */
export function axisTop(limit: number | undefined, worst: number): number {
  const want = Math.max((limit ?? 0) * 1.5, worst * 1.1, 0.1);
  const nice = [-2, -1, 0, 1, 2].flatMap((p) => [1, 2, 5].map((b) => Number((b * 10 ** p).toPrecision(2))));
  return Math.min(100, nice.find((v) => v >= want) ?? 100);
}

/**
 * The new slot's error rate per bucket on its own scale, the limit as a line, and buckets with no
 * requests shaded grey; undefined when no bucket has requests.
 */
export function errorChart(
  r: Resampled,
  target: string,
  limit: number | undefined,
  source: string,
): string[] | undefined {
  const rates = r.buckets.map((b) => (b.requests > 0 ? (b.errors / b.requests) * 100 : undefined));
  if (rates.every((x) => x === undefined)) return undefined;
  const top = axisTop(limit, Math.max(...rates.map((x) => x ?? 0)));
  const limitText = limit === undefined ? '' : `; line: the ${num(limit)}% limit`;
  return [
    '```mermaid',
    init([NO_DATA, ERRORS, LIMIT]),
    'xychart-beta',
    `  title "${target}'s error rate (%) per ${width(r.bucketMs)}, ${source}${limitText}; grey: no requests measured"`,
    `  x-axis [${quoted(labels(r))}]`,
    `  y-axis "errors %" 0 --> ${num(top)}`,
    // drawn first, under the bars: a full-height grey band where nothing was measured
    `  bar [${rates.map((x) => (x === undefined ? num(top) : '-1')).join(', ')}]`,
    // no bar where nothing failed: a value below the axis draws none, where 0 would still draw a red
    // sliver in every bucket; "nothing measured" is the grey band, "measured, no errors" is blank
    `  bar [${rates.map((x) => (x === undefined || x === 0 ? '-1' : num(Math.min(x, top)))).join(', ')}]`,
    ...(limit === undefined ? [] : [`  line [${rates.map(() => num(Math.min(limit, top))).join(', ')}]`]),
    '```',
  ];
}

/**
 * The plan's new-slot weight over its planned time, in equal buckets: each bucket shows the weight
 * held during it, so a step reads as a step. A plan without holds (all-at-once) is drawn as its switch.
 */
export function planChart(plan: Plan): string[] {
  const steps: { at: number; weight: number }[] = [];
  let t = 0;
  for (const p of plan.phases) {
    if (p.kind === 'shift') {
      steps.push({ at: t, weight: p.weight });
      t += p.holdMs;
    } else if (p.kind === 'keep-previous') t += p.holdMs;
  }
  const header = ['```mermaid', init([WEIGHT]), 'xychart-beta'];
  if (t === 0 || !steps.length) {
    return [
      ...header,
      '  title "Planned new-slot weight: one switch, no hold"',
      '  x-axis ["before", "after"]',
      '  y-axis "new slot %" 0 --> 100',
      `  line [0, ${steps.at(-1)?.weight ?? 100}]`,
      '```',
    ];
  }
  const bucketMs = bucketWidth(t, 0);
  const count = Math.max(1, Math.ceil(t / bucketMs));
  const r: Resampled = {
    bucketMs,
    buckets: Array.from({ length: count }, (_, i) => {
      const start = i * bucketMs;
      const weight = [...steps].reverse().find((s) => s.at <= start)?.weight ?? 0;
      return { startMs: start, weight, requests: 0, errors: 0, rollback: false };
    }),
  };
  return [
    ...header,
    `  title "Planned new-slot weight (%) in each ${width(bucketMs)} of holds"`,
    `  x-axis [${quoted(labels(r))}]`,
    '  y-axis "new slot %" 0 --> 100',
    `  line [${r.buckets.map((b) => num(b.weight)).join(', ')}]`,
    '```',
  ];
}
