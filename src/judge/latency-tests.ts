// Latency judged on samples (probes straight at a slot, or per-request timings where a source gives
// them): against the `max-latency` limit, and against the live slot (`max-latency-increase`).
import type { LatencyIncrease } from '../config/types.js';
import type { SlotNames } from './error-tests.js';
import type { Limits, TestReport } from './types.js';
import { criticalCount, rejects } from './stats/bernoulli-mixture.js';
import { ascending, quantileLowerBound, quantileUpperBound } from './stats/quantiles.js';
import { hodgesLehmannOneSample, hodgesLehmannTwoSample } from './stats/hodges-lehmann.js';
import { percentile } from './percentile.js';
import { formatLimitMs, formatMs } from './format.js';
import { formatConfidence, formatShift, formatShiftAbove } from './format-stats.js';

type MaxLatency = NonNullable<Limits['maxLatency']>;

/**
 * "The new slot's pNN is at most the limit": each sample above the limit is a Bernoulli trial whose
 * rate is at most 1 − NN/100 under the null, judged by the same mixture e-process as errors.
 */
export class LatencyLimitTest {
  readonly samples: number[] = [];
  private above = 0;
  private readonly p0: number;

  constructor(
    private readonly max: MaxLatency,
    readonly alpha: number,
    private readonly confidence: number,
    private readonly names: SlotNames,
  ) {
    this.p0 = 1 - max.percentile / 100;
  }

  add(ms: number): void {
    this.samples.push(ms);
    if (ms > this.max.maxMs) this.above++;
  }

  rejected(): boolean {
    return rejects(this.above, this.samples.length, this.p0, this.alpha);
  }

  report(source: string): TestReport | undefined {
    const n = this.samples.length;
    if (n === 0) return undefined;
    const q = this.max.percentile;
    const est = percentile(this.samples, q) ?? 0;
    const measured = `${this.names.target} p${q} ${formatMs(est)} (${n} ${source})`;
    const base = { id: 'latency-limit' as const, alpha: this.alpha };
    if (this.rejected()) {
      const lower = quantileLowerBound(ascending(this.samples), q / 100, this.alpha) ?? est;
      return {
        ...base,
        status: 'fail',
        text: `${measured} is above the ${this.max.text} limit: p${q} at least ${formatMs(lower)} with ${formatConfidence(this.confidence)} confidence (sequential test)`,
      };
    }
    if (est > this.max.maxMs) {
      return {
        ...base,
        status: 'inconclusive',
        text: `${measured} is above the ${this.max.text} limit, not conclusively yet (${this.above} of ${n} above ${formatLimitMs(this.max.maxMs)})`,
      };
    }
    return { ...base, status: 'pass', text: `${measured} within ${formatLimitMs(this.max.maxMs)}` };
  }
}

/** The per-sample statistic a tolerance compares: a ratio for `20%`, a difference for `25ms`. */
function exceeds(newMs: number, stableMs: number, tol: LatencyIncrease): boolean {
  return tol.kind === 'percent' ? newMs > stableMs * (1 + tol.value / 100) : newMs - stableMs > tol.value;
}

function shiftOf(newMs: number, stableMs: number, tol: LatencyIncrease): number {
  return tol.kind === 'percent' ? newMs / stableMs - 1 : newMs - stableMs;
}

function tolText(tol: LatencyIncrease): string {
  return `the ${tol.text} tolerance (max-latency-increase)`;
}

/** Positive latencies only: a ratio needs a positive denominator (a 0 ms answer is taken as 0.1 ms). */
const positive = (ms: number) => Math.max(ms, 0.1);

/**
 * The median shift of the new slot over the live one.
 *  - Paired samples (probes to both slots at the same instant): a sign test. Under "the median of
 *    new/stable is at most 1 + tolerance" (or "new − stable at most the tolerance"), each pair exceeds
 *    it with probability ≤ 1/2: the mixture e-process at p0 = 1/2 decides, and its inversion (the
 *    quantile bound of Howard & Ramdas 2022 on the pairs' statistic) is the stated bound. The estimate
 *    is the Hodges–Lehmann shift of the pairs (on log ratios for a percent tolerance).
 *  - Unpaired samples of both slots: anytime bounds on each slot's median (α/2 each), union bound;
 *    the estimate is the two-sample Hodges–Lehmann shift.
 */
export class CompareLatencyTest {
  readonly pairs: { target: number; stable: number }[] = [];
  readonly targetSamples: number[] = [];
  readonly stableSamples: number[] = [];
  private above = 0;

  constructor(
    private readonly tol: LatencyIncrease,
    readonly alpha: number,
    private readonly confidence: number,
    private readonly names: SlotNames,
  ) {}

  addPair(targetMs: number, stableMs: number): void {
    const t = positive(targetMs);
    const s = positive(stableMs);
    this.pairs.push({ target: t, stable: s });
    if (exceeds(t, s, this.tol)) this.above++;
  }

  addSamples(targetMs: readonly number[], stableMs: readonly number[]): void {
    this.targetSamples.push(...targetMs.map(positive));
    this.stableSamples.push(...stableMs.map(positive));
  }

  private get paired(): boolean {
    return this.pairs.length > 0;
  }

  rejected(): boolean {
    if (this.paired) return rejects(this.above, this.pairs.length, 0.5, this.alpha);
    const b = this.unpairedBounds();
    return b !== undefined && exceeds(b.targetLow, b.stableHigh, this.tol);
  }

  private unpairedBounds(): { targetLow: number; stableHigh: number } | undefined {
    if (this.targetSamples.length === 0 || this.stableSamples.length === 0) return undefined;
    const targetLow = quantileLowerBound(ascending(this.targetSamples), 0.5, this.alpha / 2);
    const stableHigh = quantileUpperBound(ascending(this.stableSamples), 0.5, this.alpha / 2);
    return targetLow !== undefined && stableHigh !== undefined ? { targetLow, stableHigh } : undefined;
  }

  /** the stated lower bound of the shift, when the samples support one */
  private lowerShift(): number | undefined {
    if (this.paired) {
      const stats = ascending(this.pairs.map((p) => shiftOf(p.target, p.stable, this.tol)));
      return quantileLowerBound(stats, 0.5, this.alpha);
    }
    const b = this.unpairedBounds();
    return b && shiftOf(b.targetLow, b.stableHigh, this.tol);
  }

  private estimate(): number | undefined {
    const log = this.tol.kind === 'percent';
    const f = (ms: number) => (log ? Math.log(ms) : ms);
    const hl = this.paired
      ? hodgesLehmannOneSample(this.pairs.map((p) => f(p.target) - f(p.stable)))
      : hodgesLehmannTwoSample(this.targetSamples.map(f), this.stableSamples.map(f));
    if (hl === undefined) return undefined;
    return log ? Math.exp(hl) - 1 : hl;
  }

  report(): TestReport | undefined {
    const t = this.paired ? this.pairs.map((p) => p.target) : this.targetSamples;
    const s = this.paired ? this.pairs.map((p) => p.stable) : this.stableSamples;
    if (t.length === 0 || s.length === 0) return undefined;
    const live = this.names.live;
    const est = this.estimate() ?? 0;
    const what = this.paired ? `${this.pairs.length} paired probes` : `${t.length} and ${s.length} samples`;
    const both = `${this.names.target} p50 ${formatMs(percentile(t, 50) ?? 0)} vs ${live} ${formatMs(percentile(s, 50) ?? 0)}`;
    const base = { id: 'compare-latency' as const, alpha: this.alpha };
    if (this.rejected()) {
      const low = this.lowerShift();
      const bound =
        low !== undefined
          ? `, at least ${formatShiftAbove(low, this.tol)} with ${formatConfidence(this.confidence)} confidence`
          : '';
      return {
        ...base,
        status: 'fail',
        text: `${both} (${formatShift(est, this.tol)}${bound}) exceeds ${tolText(this.tol)}; ${what}`,
      };
    }
    const within = this.tol.kind === 'percent' ? est <= this.tol.value / 100 : est <= this.tol.value;
    return {
      ...base,
      status: within ? 'pass' : 'inconclusive',
      text: within
        ? `${both} (${formatShift(est, this.tol)}) within ${tolText(this.tol)}; ${what}`
        : `${both} (${formatShift(est, this.tol)}) above ${tolText(this.tol)}, not conclusively yet; ${what}`,
    };
  }
}

/**
 * The shift of the percentile `max-latency` names: the new slot's pNN bounded below and the live
 * slot's bounded above (α/2 each, quantile bounds); the new one fails when even these bounds differ
 * by more than the tolerance.
 */
export class CompareLatencyTailTest {
  readonly target: number[] = [];
  readonly stable: number[] = [];

  constructor(
    private readonly max: MaxLatency,
    private readonly tol: LatencyIncrease,
    readonly alpha: number,
    private readonly confidence: number,
    private readonly names: SlotNames,
  ) {}

  add(targetMs: readonly number[], stableMs: readonly number[]): void {
    this.target.push(...targetMs.map(positive));
    this.stable.push(...stableMs.map(positive));
  }

  private bounds(): { low: number; high: number } | undefined {
    if (this.target.length === 0 || this.stable.length === 0) return undefined;
    const q = this.max.percentile / 100;
    // cheap screen: the bounds need at least this many samples to exist at all
    if (criticalCount(this.target.length, 1 - q, this.alpha / 2) > this.target.length) return undefined;
    const low = quantileLowerBound(ascending(this.target), q, this.alpha / 2);
    const high = quantileUpperBound(ascending(this.stable), q, this.alpha / 2);
    return low !== undefined && high !== undefined ? { low, high } : undefined;
  }

  rejected(): boolean {
    const b = this.bounds();
    return b !== undefined && exceeds(b.low, b.high, this.tol);
  }

  report(): TestReport | undefined {
    if (this.target.length === 0 || this.stable.length === 0) return undefined;
    const q = this.max.percentile;
    const live = this.names.live;
    const tq = percentile(this.target, q) ?? 0;
    const sq = percentile(this.stable, q) ?? 0;
    const both = `${this.names.target} p${q} ${formatMs(tq)} vs ${live} ${formatMs(sq)} (${formatShift(shiftOf(tq, sq, this.tol), this.tol)})`;
    const base = { id: 'compare-latency-tail' as const, alpha: this.alpha };
    const b = this.bounds();
    if (b && exceeds(b.low, b.high, this.tol)) {
      return {
        ...base,
        status: 'fail',
        text: `${both}: ${this.names.target}'s p${q} at least ${formatMs(b.low)} and ${live}'s at most ${formatMs(b.high)} with ${formatConfidence(this.confidence)} confidence, ${formatShiftAbove(shiftOf(b.low, b.high, this.tol), this.tol)}, beyond ${tolText(this.tol)}`,
      };
    }
    const within = !exceeds(tq, sq, this.tol);
    return {
      ...base,
      status: within ? 'pass' : 'inconclusive',
      text: within
        ? `${both} within ${tolText(this.tol)}`
        : `${both} above ${tolText(this.tol)}, not conclusively yet`,
    };
  }
}
