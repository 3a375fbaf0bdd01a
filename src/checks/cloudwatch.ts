// CloudWatch signals for an ALB deploy: per-slot request/5xx/latency from ALB metrics and the state of named alarms.
//
// API budget per evaluation: at most ONE GetMetricData (both target groups, every metric) and at
// most ONE DescribeAlarms (up to 100 names), whatever the number of alarms and metrics.
//
// Windows. ALB publishes per minute, only while requests flow, and minutes late; a minute read too
// early is short. So each evaluation reads whole minutes only, ending `lagMs` (default 2 min) before
// now, rounded down to the minute: `dataUpTo` says how fresh the judged data is ("up to 12:03:00").
// Counts are per-window sums and the engine sums a step's signals, so each evaluation returns only
// minutes no earlier evaluation returned: a cursor starts at the minute of the first step's start
// and only moves forward. It is NOT reset per step: the last minutes of a step (still inside the
// lag when that step ended) are judged in the next step rather than never. When no new whole minute
// is ready, no GetMetricData is sent and each slot gets a signal of 0 requests over no new minute
// (`dataUpTo` unchanged): it adds nothing to the step's sums, and it keeps that evaluation
// inconclusive on traffic (below min-requests) instead of letting alarms or target health alone
// pass it, which would reset failure-threshold between two bad minutes.
// A missing datapoint inside a judged minute means no requests: ALB publishes nothing when idle.
import { MAX_ALARMS } from '../config/limits.js';
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { LatencyLimit, Slot } from '../config/types.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Signal } from '../judge/types.js';
import { withThrottleRetry, type RetryOptions } from '../traffic/aws-retry.js';

const MINUTE = 60_000;
export const DEFAULT_LAG_MS = 2 * MINUTE;
/** DescribeAlarms takes at most 100 names per call, and we make one call per evaluation. */
export { MAX_ALARMS };

export interface CloudWatchCheckOptions {
  client: CloudWatchClient;
  /** `app/<name>/<id>` (see traffic/alb-arn.ts) */
  loadBalancer: string;
  /** slot → `targetgroup/<name>/<id>` */
  targetGroups: Record<Slot, string>;
  alarms: string[];
  /** its percentile becomes `pNN` of TargetResponseTime; without it, Average */
  maxLatency?: LatencyLimit;
  /** compare-to-stable: TargetResponseTime p50 of both target groups too, for the median comparison */
  median?: boolean;
  /** how far behind now the newest judged minute ends (default 2 min) */
  lagMs?: number;
  /** read ALB metrics (default true); false = alarms only */
  metrics?: boolean;
  sleep?: (ms: number) => Promise<void>;
  /** keep it short: the engine bounds one collect() to probe-timeout + 5 s */
  retry?: Pick<RetryOptions, 'attempts' | 'baseMs' | 'maxMs' | 'random'>;
}

const floorMinute = (t: number): number => Math.floor(t / MINUTE) * MINUTE;

type Stat = 'requests' | 'errors' | 'latency' | 'median';
const QUERY_ID: Record<Slot, Record<Stat, string>> = {
  blue: { requests: 'blue_requests', errors: 'blue_5xx', latency: 'blue_latency', median: 'blue_p50' },
  green: { requests: 'green_requests', errors: 'green_5xx', latency: 'green_latency', median: 'green_p50' },
};

export class CloudWatchCheck implements Check {
  readonly name = 'cloudwatch';
  private readonly opts: CloudWatchCheckOptions;
  private readonly lagMs: number;
  private readonly latencyStat: string;
  private readonly sleep: (ms: number) => Promise<void>;
  /** start of the first minute not yet returned */
  private cursor?: number;

  constructor(opts: CloudWatchCheckOptions) {
    if (opts.alarms.length > MAX_ALARMS) {
      throw new Error(
        `cloudwatch-alarms lists ${opts.alarms.length} alarms; at most ${MAX_ALARMS} are accepted (one DescribeAlarms call per evaluation)`,
      );
    }
    this.opts = opts;
    this.lagMs = opts.lagMs ?? DEFAULT_LAG_MS;
    this.latencyStat = opts.maxLatency ? `p${opts.maxLatency.percentile}` : 'Average';
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The GetMetricData queries: three per slot (four with the median for compare-to-stable). */
  queries(): MetricDataQuery[] {
    const metric = (slot: Slot, name: string, stat: string, id: string): MetricDataQuery => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: name,
          Dimensions: [
            { Name: 'LoadBalancer', Value: this.opts.loadBalancer },
            { Name: 'TargetGroup', Value: this.opts.targetGroups[slot] },
          ],
        },
        Period: 60,
        Stat: stat,
      },
      ReturnData: true,
    });
    return (['blue', 'green'] as const).flatMap((slot) => [
      metric(slot, 'RequestCount', 'Sum', QUERY_ID[slot].requests),
      metric(slot, 'HTTPCode_Target_5XX_Count', 'Sum', QUERY_ID[slot].errors),
      metric(slot, 'TargetResponseTime', this.latencyStat, QUERY_ID[slot].latency),
      ...(this.opts.median ? [metric(slot, 'TargetResponseTime', 'p50', QUERY_ID[slot].median)] : []),
    ]);
  }

  async begin(ctx: CheckContext): Promise<void> {
    this.cursor ??= floorMinute(ctx.windowStart);
  }

  async collect(ctx: CheckContext): Promise<Signal[]> {
    const [traffic, alarms] = await Promise.all([this.traffic(ctx), this.alarms(ctx)]);
    return [...traffic, ...alarms];
  }

  private retry(): RetryOptions {
    return { attempts: 3, baseMs: 250, maxMs: 1000, ...this.opts.retry, sleep: this.sleep };
  }

  private async traffic(ctx: CheckContext): Promise<Signal[]> {
    if (this.opts.metrics === false) return [];
    const start = (this.cursor ??= floorMinute(ctx.windowStart));
    const end = floorMinute(ctx.now - this.lagMs);
    if (end <= start)
      return (['blue', 'green'] as const).map((slot) => this.nothingNew(slot, start, ctx.now));
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
      this.retry(),
    );
    // only now: a failed call leaves the minutes to be read by the next evaluation
    this.cursor = end;
    const results = new Map((out.MetricDataResults ?? []).map((r) => [r.Id ?? '', r]));
    return (['blue', 'green'] as const).map((slot) => this.slotSignal(slot, results, start, end, ctx.now));
  }

  private nothingNew(slot: Slot, upTo: number, at: number): Signal {
    return { kind: 'traffic', at, slot, source: 'alb', requests: 0, errors5xx: 0, dataUpTo: upTo };
  }

  private slotSignal(
    slot: Slot,
    results: Map<string, MetricDataResult>,
    start: number,
    end: number,
    at: number,
  ): Signal {
    const perMinute = (id: string): Map<number, number> => {
      const r = results.get(id);
      const m = new Map<number, number>();
      (r?.Timestamps ?? []).forEach((t, i) => {
        const ts = new Date(t).getTime();
        const v = r?.Values?.[i];
        // datapoints outside [start, end) would be counted twice by the next window
        if (v !== undefined && Number.isFinite(v) && ts >= start && ts < end) m.set(ts, v);
      });
      return m;
    };
    const requests = perMinute(QUERY_ID[slot].requests);
    const errors = perMinute(QUERY_ID[slot].errors);
    const latency = perMinute(QUERY_ID[slot].latency);
    const median = perMinute(QUERY_ID[slot].median);
    const sumOf = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const signal: Extract<Signal, { kind: 'traffic' }> = {
      kind: 'traffic',
      at,
      slot,
      source: 'alb',
      // a minute without a datapoint had no requests
      requests: Math.round(sumOf(requests)),
      errors5xx: Math.round(sumOf(errors)),
      dataUpTo: end,
    };
    if (latency.size > 0) {
      if (this.opts.maxLatency) {
        // percentiles of different minutes cannot be merged; the worst minute stands for the window
        signal.latencyPercentilesMs = {
          [this.opts.maxLatency.percentile]: Math.max(...latency.values()) * 1000,
        };
      } else {
        // per-minute averages weighted by that minute's requests give the window's exact mean
        let weighted = 0;
        let n = 0;
        for (const [ts, avg] of latency) {
          const w = requests.get(ts) ?? 0;
          weighted += avg * w;
          n += w;
        }
        signal.meanLatencyMs = (n > 0 ? weighted / n : Math.max(...latency.values())) * 1000;
      }
    }
    if (median.size > 0) {
      // the worst minute's median, beside the pNN, for the fixed comparison with the live slot
      signal.latencyPercentilesMs = {
        ...signal.latencyPercentilesMs,
        50: Math.max(...median.values()) * 1000,
      };
    }
    return signal;
  }

  private async alarms(ctx: CheckContext): Promise<Signal[]> {
    const names = this.opts.alarms;
    if (names.length === 0) return [];
    const out = await withThrottleRetry(
      () =>
        this.opts.client.send(
          new DescribeAlarmsCommand({
            AlarmNames: names,
            // without AlarmTypes only metric alarms come back
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            MaxRecords: MAX_ALARMS,
          }),
        ),
      this.retry(),
    );
    const found = new Map<string, { state?: string; reason?: string }>();
    for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
      if (a.AlarmName) found.set(a.AlarmName, { state: a.StateValue, reason: a.StateReason });
    }
    return names.map((name): Signal => {
      const a = found.get(name);
      if (!a) {
        // a typo must not pass silently: it stays inconclusive, so a step cannot promote on it
        return {
          kind: 'alarm',
          at: ctx.now,
          name,
          state: 'INSUFFICIENT_DATA',
          reason: 'no alarm with this name in this account and region',
        };
      }
      const state = a.state === 'ALARM' || a.state === 'OK' ? a.state : 'INSUFFICIENT_DATA';
      return { kind: 'alarm', at: ctx.now, name, state, ...(a.reason ? { reason: a.reason } : {}) };
    });
  }
}
