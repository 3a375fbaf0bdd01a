// The deploy's judge: real-traffic readings feed sequential tests that decide as soon as the evidence
// is conclusive; every probe-interval the non-statistical rules are applied to the latest readings;
// at the end of a step, min-requests decides whether the step may pass. Pure: the engine feeds it.
import type { Slot } from '../config/types.js';
import type { Measures, Signal, TestReport, Verdict, VerdictStatus } from './types.js';
import { alphaPerTest, type JudgeSetup } from './setup.js';
import { Counts, CompareErrorsTest, ErrorLimitTest, type SlotNames } from './error-tests.js';
import { otherSlot } from '../config/types.js';
import { CompareLatencyTailTest, CompareLatencyTest, LatencyLimitTest } from './latency-tests.js';
import { evaluateRules, type RuleOutcome } from './rules.js';
import { latencyFigure } from './latency.js';

type Traffic = Extract<Signal, { kind: 'traffic' }>;
type Probe = Extract<Signal, { kind: 'probe' }>;

/** Why the deploy must stop: a verdict on the new version, or a fault of the monitoring itself. */
export interface Decision {
  reason: string;
  cause: 'verdict' | 'fault';
  verdict: Verdict;
}

interface Clause {
  status: VerdictStatus;
  text: string;
}

const RANK: Record<VerdictStatus, number> = { fail: 0, inconclusive: 1, pass: 2 };

/**
 * A new version's first moments (cold caches, a JIT compiling) are slower by nature: latency samples
 * from this share of the first step's hold do not feed the latency tests. Errors have no warm-up.
 */
export const LATENCY_WARMUP_SHARE = 0.2;

export class DeployJudge {
  readonly target: Slot;
  private readonly setup: JudgeSetup;
  private readonly errorLimit?: ErrorLimitTest;
  private readonly latencyLimit?: LatencyLimitTest;
  private readonly compareErrors?: CompareErrorsTest;
  private readonly compareLatency?: CompareLatencyTest;
  private readonly compareTail?: CompareLatencyTailTest;
  /** failed requests of the new slot over the deploy, for the blast-radius budget */
  private readonly failed = new Counts();
  private dataUpTo: number | undefined;
  private weight = 0;
  private step = new Counts();
  /** the step's requests on each slot, from readings that measured both: the realised split */
  private stepSplit = { target: 0, stable: 0 };
  private stepProbes = { ok: 0, failed: 0 };
  private window: Signal[] = [];
  private readonly streaks = new Map<string, number>();
  private readonly faults = new Map<string, string>();
  private lastAlarmsInsufficient: string[] = [];
  private decided: Decision | undefined;
  /** shared with the tests, so a name learnt later (a Lambda version) reaches every reason */
  private readonly names: SlotNames;
  private sawTraffic = false;
  private stepsBegun = 0;
  /** a paired probe arrived: the paired source works, and the fixed comparison of averages stands down */
  private sawPairs = false;
  /** latency samples before this instant are warm-up */
  private warmupUntil = Number.NEGATIVE_INFINITY;

  constructor(setup: JudgeSetup) {
    this.setup = setup;
    this.target = setup.target;
    const { limits, tests } = setup;
    this.names = { target: setup.target, live: otherSlot(setup.target) };
    const target = this.names;
    const alpha = alphaPerTest(limits.confidence, tests.length);
    const c = limits.confidence;
    if (tests.includes('error-limit'))
      this.errorLimit = new ErrorLimitTest(limits.maxErrorRate, alpha, c, target);
    if (tests.includes('latency-limit') && limits.maxLatency)
      this.latencyLimit = new LatencyLimitTest(limits.maxLatency, alpha, c, target);
    if (tests.includes('compare-errors'))
      this.compareErrors = new CompareErrorsTest(limits.maxErrorRateIncrease, alpha, c, target);
    if (tests.includes('compare-latency'))
      this.compareLatency = new CompareLatencyTest(limits.maxLatencyIncrease, alpha, c, target);
    if (tests.includes('compare-latency-tail') && limits.maxLatency)
      this.compareTail = new CompareLatencyTailTest(
        limits.maxLatency,
        limits.maxLatencyIncrease,
        alpha,
        c,
        target,
      );
  }

  /**
   * A new step: its requests count towards min-requests from zero; the tests go on over the deploy.
   * `labels` name the slots in reasons when the router names them (`version 8`).
   */
  beginStep(
    weight: number,
    labels: Partial<Record<Slot, string>> = {},
    hold: { startedAt: number; holdMs: number } | undefined = undefined,
  ): void {
    if (this.stepsBegun++ === 0 && hold)
      this.warmupUntil = hold.startedAt + LATENCY_WARMUP_SHARE * hold.holdMs;
    this.names.target = labels[this.target] ?? this.target;
    this.names.live = labels[otherSlot(this.target)] ?? otherSlot(this.target);
    this.weight = weight;
    this.step = new Counts();
    this.stepSplit = { target: 0, stable: 0 };
    this.stepProbes = { ok: 0, failed: 0 };
  }

  /** The stop decision, once one was made. */
  get decision(): Decision | undefined {
    return this.decided;
  }

  /** The longest run of failed readings of any one source, for the log. */
  get streak(): number {
    return Math.max(0, ...this.streaks.values());
  }

  /**
   * One reading of the sources named in `sources` (check names). Sequential tests and the budget
   * decide here, as soon as the evidence is conclusive; the other rules wait for evaluate().
   */
  observe(signals: readonly Signal[], sources: readonly string[] = []): Decision | undefined {
    this.reportCache = undefined;
    for (const name of sources) this.faults.delete(name);
    for (const s of signals) if (s.kind === 'fault') this.faults.set(s.source, s.message);
    this.window.push(...signals);
    this.feedTraffic(signals.filter((s): s is Traffic => s.kind === 'traffic'));
    this.feedProbes(signals.filter((s): s is Probe => s.kind === 'probe'));
    if (this.decided) return undefined;
    const failing = this.failingTests();
    const budget = this.budgetExceeded();
    if (failing.length === 0 && !budget) return undefined;
    const reason = [...(budget ? [budget] : []), ...failing.map((t) => t.text)].join('; ');
    this.measure(this.window);
    const clauses: Clause[] = [
      ...(budget ? [{ status: 'fail' as const, text: budget }] : []),
      ...this.testClauses(),
    ];
    return this.decide(reason, 'verdict', 'fail', clauses);
  }

  private feedTraffic(traffic: Traffic[]): void {
    // a source that counts requests makes min-requests apply, whatever the provider was thought to give
    if (traffic.length > 0) this.sawTraffic = true;
    const target = traffic.filter((t) => t.slot === this.target);
    const stable = traffic.filter((t) => t.slot !== this.target);
    for (const t of traffic)
      if (t.dataUpTo !== undefined) this.dataUpTo = Math.max(this.dataUpTo ?? 0, t.dataUpTo);
    if (target.length > 0 && stable.length > 0) {
      for (const t of target) this.stepSplit.target += t.requests;
      for (const t of stable) this.stepSplit.stable += t.requests;
    }
    for (const t of target) {
      this.errorLimit?.counts.add(t.requests, t.errors5xx, t.source, t.throttles);
      this.failed.add(t.requests, t.errors5xx, t.source, t.throttles);
      this.step.add(t.requests, t.errors5xx, t.source, t.throttles);
      if (t.at >= this.warmupUntil) for (const ms of t.latencySamplesMs ?? []) this.latencyLimit?.add(ms);
    }
    // the comparison needs both slots measured at the same time, while the live slot still serves
    if (this.weight < 100 && target.length > 0 && stable.length > 0) {
      for (const t of target) this.compareErrors?.target.add(t.requests, t.errors5xx, t.source);
      for (const t of stable) this.compareErrors?.stable.add(t.requests, t.errors5xx, t.source);
      const samples = (list: Traffic[]) =>
        list.filter((t) => t.at >= this.warmupUntil).flatMap((t) => t.latencySamplesMs ?? []);
      const [ts, ss] = [samples(target), samples(stable)];
      if (ts.length && ss.length) {
        this.compareLatency?.addSamples(ts, ss);
        this.compareTail?.add(ts, ss);
      }
    }
  }

  private feedProbes(probes: Probe[]): void {
    const mine = (p: Probe) => p.slot === undefined || p.slot === this.target;
    for (const p of probes) if (mine(p)) this.stepProbes[p.ok ? 'ok' : 'failed']++;
    // latency samples of the new slot: probes straight at it (only answered ones: a fast 503 is no latency)
    if (probes.some((p) => p.pair !== undefined)) this.sawPairs = true;
    const warm = probes.filter((p) => p.at >= this.warmupUntil);
    for (const p of warm) if (p.via === 'slot' && mine(p) && p.ok) this.latencyLimit?.add(p.latencyMs);
    const pairs = new Map<number, { target?: Probe; stable?: Probe }>();
    for (const p of warm) {
      if (p.pair === undefined || p.slot === undefined) continue;
      const e = pairs.get(p.pair) ?? {};
      e[p.slot === this.target ? 'target' : 'stable'] = p;
      pairs.set(p.pair, e);
    }
    for (const { target, stable } of pairs.values()) {
      if (!target?.ok || !stable?.ok) continue;
      this.compareLatency?.addPair(target.latencyMs, stable.latencyMs);
      this.compareTail?.add([target.latencyMs], [stable.latencyMs]);
    }
  }

  private tests() {
    return [
      this.errorLimit,
      this.latencyLimit,
      this.compareErrors,
      this.compareLatency,
      this.compareTail,
    ].filter((t) => t !== undefined);
  }

  /** reports of the tests' current state; observe() clears it, so one evaluation computes them once */
  private reportCache: TestReport[] | undefined;

  private reports(): TestReport[] {
    if (this.reportCache) return this.reportCache;
    const out: TestReport[] = [];
    for (const t of this.tests()) {
      const r = t instanceof LatencyLimitTest ? t.report('probes straight to the slot') : t.report();
      if (r) out.push(r);
    }
    this.reportCache = out;
    return out;
  }

  private failingTests(): TestReport[] {
    const failing = this.tests().filter((t) => t.rejected());
    if (failing.length === 0) return [];
    return this.reports().filter((r) => r.status === 'fail');
  }

  private budgetExceeded(): string | undefined {
    const max = this.setup.limits.maxFailedRequests;
    if (max === undefined || this.failed.errors <= max) return undefined;
    const late =
      this.dataUpTo !== undefined
        ? `; ${this.failed.sourceText} reports per minute, data up to ${new Date(this.dataUpTo).toISOString().slice(11, 19)} UTC`
        : '';
    return `${this.names.target} served ${this.failed.errors} failed requests during the deploy (${this.failed.sourceText}${late}), more than max-failed-requests ${max} (a budget, not a statistical test)`;
  }

  private decide(
    reason: string,
    cause: 'verdict' | 'fault',
    status: VerdictStatus,
    clauses?: Clause[],
  ): Decision {
    const verdict = this.verdict(clauses ?? [{ status, text: reason }]);
    const d: Decision = { reason, cause, verdict: { ...verdict, status: 'fail', decisive: reason } };
    this.decided = d;
    return d;
  }

  /**
   * Every probe-interval: the non-statistical rules on the readings since the last evaluation, with
   * failure-threshold per source; the verdict of this evaluation for the timeline.
   */
  evaluate(): { verdict: Verdict; decision?: Decision } {
    const window = this.window;
    this.window = [];
    const { limits } = this.setup;
    const outcomes = evaluateRules(window, {
      limits,
      target: this.target,
      names: { [this.target]: this.names.target, [otherSlot(this.target)]: this.names.live } as Record<
        Slot,
        string
      >,
      stableServes: this.weight < 100,
      latencyTested: (this.latencyLimit?.samples.length ?? 0) > 0,
      comparisonTested:
        this.sawPairs ||
        (this.compareLatency?.pairs.length ?? 0) + (this.compareLatency?.targetSamples.length ?? 0) > 0,
      warmupUntil: this.warmupUntil,
      faults: this.faults,
    });
    this.lastAlarmsInsufficient = outcomes
      .filter((o) => o.key.startsWith('alarm ') && o.status === 'inconclusive')
      .map((o) => o.text);
    const ruleClauses = outcomes.map((o) => this.streakClause(o));
    const decisive = outcomes.filter(
      (o) => o.status === 'fail' && (this.streaks.get(o.key) ?? 0) >= limits.failureThreshold,
    );
    const clauses = [...this.testClauses(), ...ruleClauses];
    this.measure(window);
    if (this.decided) return { verdict: this.decided.verdict };
    if (decisive.length > 0) {
      const reason = decisive.map((o) => this.inARow(o)).join('; ');
      // only monitoring faults: the version got no verdict
      const cause = decisive.every((o) => o.cause === 'fault') ? 'fault' : 'verdict';
      const d = this.decide(reason, cause, 'fail', clauses);
      return { verdict: d.verdict, decision: d };
    }
    return { verdict: this.verdict(clauses) };
  }

  private streakClause(o: RuleOutcome): Clause {
    const n = o.status === 'fail' ? (this.streaks.get(o.key) ?? 0) + 1 : 0;
    if (o.status !== 'inconclusive') this.streaks.set(o.key, n);
    if (o.status !== 'fail') return { status: o.status, text: o.text };
    const t = this.setup.limits.failureThreshold;
    return { status: 'fail', text: n >= t ? this.inARow(o) : `${o.text} (${n} of failure-threshold ${t})` };
  }

  private inARow(o: RuleOutcome): string {
    const n = this.streaks.get(o.key) ?? 1;
    const t = this.setup.limits.failureThreshold;
    return n === 1
      ? `${o.text} (failure-threshold ${t})`
      : `${o.text}, ${n} ${o.unit} in a row (failure-threshold ${t})`;
  }

  private testClauses(): Clause[] {
    return this.reports().map((r) => ({ status: r.status, text: r.text }));
  }

  /** At the end of a step's hold: may it pass? `pass` or `inconclusive` (never `fail`: failures stop at once). */
  endOfStep(stepNumber: number): Verdict {
    const { limits } = this.setup;
    const clauses: Clause[] = [];
    if (this.setup.realTraffic || this.sawTraffic) {
      const n = this.step.requests;
      clauses.push(
        n >= limits.minRequests
          ? {
              status: 'pass',
              text: `${n} request${n === 1 ? '' : 's'} on ${this.names.target} in step ${stepNumber} (min-requests ${limits.minRequests})`,
            }
          : {
              status: 'inconclusive',
              text: `only ${n} request${n === 1 ? '' : 's'} on ${this.names.target} in step ${stepNumber}, fewer than min-requests ${limits.minRequests}`,
            },
      );
    }
    for (const text of this.lastAlarmsInsufficient) clauses.push({ status: 'inconclusive', text });
    // a test leaning towards a failure it cannot prove does not hold the step back: the burden of proof is on rolling back
    for (const c of this.testClauses())
      clauses.push(c.status === 'fail' ? c : { status: 'pass', text: c.text });
    if (clauses.length === 0) clauses.push({ status: 'pass', text: 'nothing failed in this step' });
    return this.verdict(clauses);
  }

  /** Whether the step's traffic fell short of min-requests (for the words of a lack-of-data end). */
  stepRequests(): number {
    return this.step.requests;
  }

  private measures: Measures = {};

  private measure(window: readonly Signal[]): void {
    const m: Measures = {};
    if (this.step.requests > 0 || this.setup.realTraffic) {
      const src = [...this.step.sources][0];
      Object.assign(m, {
        requests: this.step.requests,
        errors: this.step.k,
        errorRate: this.step.ratePct,
        ...(src ? { errorSource: src } : {}),
      });
    } else if (this.stepProbes.ok + this.stepProbes.failed > 0) {
      const total = this.stepProbes.ok + this.stepProbes.failed;
      Object.assign(m, {
        requests: total,
        errors: this.stepProbes.failed,
        errorRate: (this.stepProbes.failed / total) * 100,
        errorSource: 'probes',
      });
    }
    // the evaluation's own probes, as the log line reports them
    const probes = window.filter(
      (s): s is Probe => s.kind === 'probe' && (s.slot === undefined || s.slot === this.target),
    );
    if (probes.length > 0) {
      m.probesOk = probes.filter((p) => p.ok).length;
      m.probesFailed = probes.length - m.probesOk;
    }
    const max = this.setup.limits.maxLatency;
    const fig = max ? latencyFigure(window, this.target, max.percentile) : undefined;
    if (fig) {
      m.latencyMs = fig.ms;
      m.latencyLabel = `${fig.stat} (${fig.source})`;
    }
    // the realised split beside the weight, over the step so far (Lambda routes each request at random)
    const { target: mine, stable: theirs } = this.stepSplit;
    if (mine + theirs > 0) m.targetShare = (mine / (mine + theirs)) * 100;
    if (this.compareErrors && this.compareErrors.stable.requests > 0)
      m.stableErrorRate = this.compareErrors.stable.ratePct;
    if (this.dataUpTo !== undefined) m.dataUpTo = this.dataUpTo;
    this.measures = m;
  }

  private verdict(clauses: Clause[]): Verdict {
    if (clauses.length === 0) {
      return {
        status: 'inconclusive',
        reason: `no data about ${this.names.target} yet`,
        measures: { ...this.measures },
      };
    }
    const ordered = [...clauses].sort((a, b) => RANK[a.status] - RANK[b.status]);
    const status = ordered[0]!.status;
    const tests = this.reports();
    return {
      status,
      reason: ordered.map((c) => c.text).join('; '),
      decisive: ordered
        .filter((c) => c.status === status)
        .map((c) => c.text)
        .join('; '),
      measures: { ...this.measures },
      ...(tests.length ? { tests } : {}),
    };
  }
}
