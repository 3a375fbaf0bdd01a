// Real-traffic signals of a Lambda canary: each version's own invocations, errors, throttles and duration
// through the alias, from CloudWatch AWS/Lambda, both versions in one GetMetricData per evaluation.
//
// Metrics: `Invocations`, `Errors`, `Throttles` (Sum) and `Duration` (pNN for max-latency, else
// Average), dimensions FunctionName, Resource (`<function>:<alias>`) and ExecutedVersion: the one set
// Lambda publishes per version of a weighted alias. `Invocations` leaves throttled requests out, so a
// version's signal counts Invocations + Throttles requests of which Errors + Throttles failed.
//
// Windows, as for ALB (see cloudwatch.ts): per-minute data read whole minutes only, ending `lagMs`
// (2 min) before now, from a cursor that only moves forward, so no minute is counted twice or skipped.
// A minute without a datapoint had no invocations: Lambda publishes nothing while idle.
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { LatencyLimit, Slot } from '../config/types.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Signal } from '../judge/types.js';
import { withThrottleRetry, type RetryOptions } from '../traffic/aws-retry.js';
import { DEFAULT_LAG_MS } from './cloudwatch.js';

const MINUTE = 60_000;
const floorMinute = (t: number): number => Math.floor(t / MINUTE) * MINUTE;

type Metric = 'invocations' | 'errors' | 'throttles' | 'duration';
const METRIC_NAME: Record<Metric, string> = {
  invocations: 'Invocations',
  errors: 'Errors',
  throttles: 'Throttles',
  duration: 'Duration',
};
const METRICS = Object.keys(METRIC_NAME) as Metric[];
const queryId = (slot: Slot, m: Metric) => `${slot}_${m}`;

export interface LambdaMetricsOptions {
  client: CloudWatchClient;
  /** the plain function name (CloudWatch's FunctionName dimension), not its ARN */
  functionName: string;
  alias: string;
  /** the version each slot stands for now (the router's names); a slot without one is not measured */
  versionOf: (slot: Slot) => string | undefined;
  /** its percentile becomes `pNN` of Duration; without it, Average */
  maxLatency?: LatencyLimit;
  lagMs?: number;
  sleep?: (ms: number) => Promise<void>;
  retry?: Pick<RetryOptions, 'attempts' | 'baseMs' | 'maxMs' | 'random'>;
}

export class LambdaMetricsCheck implements Check {
  readonly name = 'lambda-metrics';
  private readonly lagMs: number;
  private readonly durationStat: string;
  private readonly sleep: (ms: number) => Promise<void>;
  /** start of the first minute not yet returned */
  private cursor?: number;

  constructor(private readonly opts: LambdaMetricsOptions) {
    this.lagMs = opts.lagMs ?? DEFAULT_LAG_MS;
    this.durationStat = opts.maxLatency ? `p${opts.maxLatency.percentile}` : 'Average';
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The slots measured now and their versions. */
  private versions(): [Slot, string][] {
    return (['blue', 'green'] as const).flatMap((slot): [Slot, string][] => {
      const v = this.opts.versionOf(slot);
      return v ? [[slot, v]] : [];
    });
  }

  /** Four queries per version, both versions in the one request. */
  queries(): MetricDataQuery[] {
    const { functionName, alias } = this.opts;
    return this.versions().flatMap(([slot, version]) =>
      METRICS.map((m): MetricDataQuery => ({
        Id: queryId(slot, m),
        MetricStat: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: METRIC_NAME[m],
            Dimensions: [
              { Name: 'FunctionName', Value: functionName },
              { Name: 'Resource', Value: `${functionName}:${alias}` },
              { Name: 'ExecutedVersion', Value: version },
            ],
          },
          Period: 60,
          Stat: m === 'duration' ? this.durationStat : 'Sum',
        },
        ReturnData: true,
      })),
    );
  }

  async begin(ctx: CheckContext): Promise<void> {
    this.cursor ??= floorMinute(ctx.windowStart);
  }

  async collect(ctx: CheckContext): Promise<Signal[]> {
    const start = (this.cursor ??= floorMinute(ctx.windowStart));
    const end = floorMinute(ctx.now - this.lagMs);
    const versions = this.versions();
    if (end <= start || versions.length === 0) {
      // no new whole minute: a reading of nothing, which keeps the evaluation inconclusive on traffic
      return versions.map(([slot]) => ({
        kind: 'traffic',
        at: ctx.now,
        slot,
        source: 'lambda',
        requests: 0,
        errors5xx: 0,
        throttles: 0,
        dataUpTo: start,
      }));
    }
    const retry: RetryOptions = {
      attempts: 3,
      baseMs: 250,
      maxMs: 1000,
      ...this.opts.retry,
      sleep: this.sleep,
    };
    const out = await withThrottleRetry(
      () =>
        this.opts.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: this.queries(),
            StartTime: new Date(start),
            EndTime: new Date(end),
            ScanBy: 'TimestampAscending',
          }),
        ),
      retry,
    );
    // only now: a failed call leaves the minutes to the next evaluation
    this.cursor = end;
    const results = new Map((out.MetricDataResults ?? []).map((r) => [r.Id ?? '', r]));
    return versions.map(([slot]) => this.signal(slot, results, start, end, ctx.now));
  }

  private signal(
    slot: Slot,
    results: Map<string, MetricDataResult>,
    start: number,
    end: number,
    at: number,
  ): Signal {
    const perMinute = (m: Metric): Map<number, number> => {
      const r = results.get(queryId(slot, m));
      const values = new Map<number, number>();
      (r?.Timestamps ?? []).forEach((t, i) => {
        const ts = new Date(t).getTime();
        const v = r?.Values?.[i];
        // datapoints outside [start, end) belong to another window
        if (v !== undefined && Number.isFinite(v) && ts >= start && ts < end) values.set(ts, v);
      });
      return values;
    };
    const sumOf = (m: Map<number, number>) => Math.round([...m.values()].reduce((a, b) => a + b, 0));
    const invocations = perMinute('invocations');
    const invoked = sumOf(invocations);
    const errors = sumOf(perMinute('errors'));
    const throttles = sumOf(perMinute('throttles'));
    const signal: Extract<Signal, { kind: 'traffic' }> = {
      kind: 'traffic',
      at,
      slot,
      source: 'lambda',
      requests: invoked + throttles,
      errors5xx: errors + throttles,
      throttles,
      dataUpTo: end,
    };
    const duration = perMinute('duration');
    if (duration.size > 0) {
      if (this.opts.maxLatency) {
        // percentiles of different minutes cannot be merged: the worst minute stands for the window
        signal.latencyPercentilesMs = { [this.opts.maxLatency.percentile]: Math.max(...duration.values()) };
      } else {
        // per-minute averages weighted by that minute's invocations: the window's exact mean (Duration is in ms)
        let weighted = 0;
        let n = 0;
        for (const [ts, avg] of duration) {
          const w = invocations.get(ts) ?? 0;
          weighted += avg * w;
          n += w;
        }
        signal.meanLatencyMs = n > 0 ? weighted / n : Math.max(...duration.values());
      }
    }
    return signal;
  }
}
