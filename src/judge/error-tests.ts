// The new slot's failed requests judged sequentially over the whole deploy: against the fixed limit
// (`max-error-rate`) and against the live slot measured at the same time (`max-error-rate-increase`).
import type { TestReport, TrafficSource } from './types.js';
import { rateLowerBound, rateUpperBound, rejects } from './stats/bernoulli-mixture.js';
import { binomialUpperTail } from './stats/binomial.js';
import { formatLimitPercent, formatPercent } from './format.js';
import { formatConfidence, formatPercentAbove, formatPoints } from './format-stats.js';
import { SOURCE_LABEL } from './latency.js';

/** How reasons name the two slots: `green`, or `version 8` when the router names its slots. */
export interface SlotNames {
  target: string;
  live: string;
}

/** Requests and failed requests, summed. */
export class Counts {
  requests = 0;
  errors = 0;
  /** Lambda throttles, already inside requests and errors */
  throttles = 0;
  readonly sources = new Set<TrafficSource>();
  add(requests: number, errors: number, source?: TrafficSource, throttles = 0): void {
    this.requests += Math.max(0, requests);
    this.errors += Math.max(0, errors);
    this.throttles += Math.max(0, throttles);
    if (source) this.sources.add(source);
  }
  /**
   * The counts behind the rate in the source's own terms: `3 of 300 requests, ALB`; for Lambda, whose
   * Invocations leave throttled requests out, `(Errors 2 + Throttles 1) / (Invocations 97 + Throttles 1), Lambda`.
   */
  text(unit: string): string {
    const lambda = this.sources.size > 0 && [...this.sources].every((s) => s === 'lambda');
    if (!lambda) return `${this.k} of ${this.requests}${unit}, ${this.sourceText}`;
    const t = this.throttles;
    const scope = unit.replace(/^ requests/, '');
    return `(Errors ${this.k - t} + Throttles ${t}) / (Invocations ${this.requests - t} + Throttles ${t})${scope}, ${this.sourceText}`;
  }
  /** failures as the tests count them: never more than the trials (a response counted before its request) */
  get k(): number {
    return Math.min(this.errors, this.requests);
  }
  get ratePct(): number {
    return this.requests > 0 ? (this.k / this.requests) * 100 : 0;
  }
  get sourceText(): string {
    return [...this.sources].map((s) => SOURCE_LABEL[s]).join('+');
  }
}

/**
 * "The new slot's failure rate is at most max-error-rate": one mixture e-process over every request
 * the new slot served during the deploy (the null holds request by request, whatever the weight).
 */
export class ErrorLimitTest {
  readonly counts = new Counts();
  private readonly p0: number;

  constructor(
    private readonly limitPct: number,
    readonly alpha: number,
    private readonly confidence: number,
    private readonly names: SlotNames,
  ) {
    this.p0 = limitPct / 100;
  }

  rejected(): boolean {
    return rejects(this.counts.k, this.counts.requests, this.p0, this.alpha);
  }

  report(): TestReport | undefined {
    const { k, requests: n, ratePct } = this.counts;
    if (n === 0 && k === 0) return undefined;
    const limit = formatLimitPercent(this.limitPct);
    const measured = `${this.names.target} error rate ${formatPercent(ratePct)} (${this.counts.text(' requests over the deploy')})`;
    const base = { id: 'error-limit' as const, alpha: this.alpha };
    if (this.rejected()) {
      const lower = rateLowerBound(k, n, this.alpha) * 100;
      return {
        ...base,
        status: 'fail',
        text: `${measured} is above the ${limit} limit: at least ${formatPercentAbove(lower, this.limitPct)} with ${formatConfidence(this.confidence)} confidence (sequential test)`,
      };
    }
    if (k > 0 && ratePct > this.limitPct) {
      const chance = binomialUpperTail(k, n, this.p0) * 100;
      return {
        ...base,
        status: 'inconclusive',
        text: `${measured} is above the ${limit} limit, not conclusively yet: at ${limit} exactly, ${k} or more failures in ${n} requests happen ${formatPercent(chance)} of the time`,
      };
    }
    return {
      ...base,
      status: 'pass',
      text: `${this.names.target} error rate ${formatPercent(ratePct)} (${this.counts.text(' over the deploy')}) within ${limit}`,
    };
  }
}

/**
 * "The new slot's failure rate exceeds the live slot's by at most δ points", on readings where both
 * slots served at the same time: anytime-valid bounds per slot (each at α/2), combined by a union
 * bound. Valid while each slot's rate is steady over the deploy; a drifting live slot makes it
 * approximate, which is one reason the fixed limit always applies too.
 */
export class CompareErrorsTest {
  readonly target = new Counts();
  readonly stable = new Counts();

  constructor(
    private readonly tolerancePoints: number,
    readonly alpha: number,
    private readonly confidence: number,
    private readonly names: SlotNames,
  ) {}

  /** the smallest increase, in points, both bounds support; undefined while it cannot exceed the tolerance */
  private boundPoints(): number | undefined {
    const t = this.target;
    const s = this.stable;
    if (t.requests === 0 || s.requests === 0) return undefined;
    const delta = this.tolerancePoints / 100;
    const p2 = s.k / s.requests;
    if (t.k / t.requests - p2 <= delta) return undefined;
    // the lower bound of the new slot can only clear p2 + δ if that rate alone is rejected
    if (!rejects(t.k, t.requests, Math.min(1, p2 + delta), this.alpha / 2)) return undefined;
    return (
      (rateLowerBound(t.k, t.requests, this.alpha / 2) - rateUpperBound(s.k, s.requests, this.alpha / 2)) *
      100
    );
  }

  rejected(): boolean {
    const b = this.boundPoints();
    return b !== undefined && b > this.tolerancePoints;
  }

  report(): TestReport | undefined {
    const t = this.target;
    const s = this.stable;
    if (t.requests === 0 || s.requests === 0) return undefined;
    const diff = t.ratePct - s.ratePct;
    const both = `${this.names.target} error rate ${formatPercent(t.ratePct)} (${t.k} of ${t.requests}) vs ${this.names.live} ${formatPercent(s.ratePct)} (${s.k} of ${s.requests}) at the same time`;
    const tol = `the ${this.tolerancePoints}-point tolerance (max-error-rate-increase)`;
    const base = { id: 'compare-errors' as const, alpha: this.alpha };
    const bound = this.boundPoints();
    if (bound !== undefined && bound > this.tolerancePoints) {
      return {
        ...base,
        status: 'fail',
        text: `${both}: ${formatPoints(diff)}, at least ${formatPoints(bound)} with ${formatConfidence(this.confidence)} confidence, above ${tol}`,
      };
    }
    if (diff > this.tolerancePoints) {
      return {
        ...base,
        status: 'inconclusive',
        text: `${both}: ${formatPoints(diff)}, above ${tol} but not conclusively yet`,
      };
    }
    return { ...base, status: 'pass', text: `${both}: ${formatPoints(diff)}, within ${tol}` };
  }
}
