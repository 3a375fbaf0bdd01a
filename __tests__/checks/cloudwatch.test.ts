import { describe, expect, it } from 'vitest';
import {
  CloudWatchClient,
  CloudWatchServiceException,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchCheck, type CloudWatchCheckOptions } from '../../src/checks/cloudwatch.js';
import type { CheckContext } from '../../src/ports/checks.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const at = (min: number, sec = 0) => T0 + min * 60_000 + sec * 1000;
const LB = 'app/web/50dc6c495c0c9188';
const TG = { blue: 'targetgroup/web-blue/73e2d6bc24d8a067', green: 'targetgroup/web-green/0f2b3c4d5e6f7a8b' };

function setup(opts: Partial<CloudWatchCheckOptions> = {}) {
  const client = new CloudWatchClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  });
  const mock = mockClient(client);
  const sleeps: number[] = [];
  const check = new CloudWatchCheck({
    client,
    loadBalancer: LB,
    targetGroups: TG,
    alarms: [],
    sleep: async (ms) => void sleeps.push(ms),
    ...opts,
  });
  return { client, mock, check, sleeps };
}

const ctx = (now: number, windowStart = now - 10_000): CheckContext => ({
  target: 'green',
  live: 'blue',
  weight: 25,
  now,
  windowStart,
});

/** per query id: minute offset → value */
function results(series: Record<string, Record<number, number>>): MetricDataResult[] {
  return Object.entries(series).map(([Id, points]) => ({
    Id,
    Label: Id,
    StatusCode: 'Complete',
    Timestamps: Object.keys(points).map((m) => new Date(at(Number(m)))),
    Values: Object.values(points),
  }));
}

const gmdInputs = (mock: ReturnType<typeof mockClient>) =>
  mock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input as GetMetricDataInput);

describe('CloudWatchCheck API budget', () => {
  it('100 alarms and a latency limit: exactly one GetMetricData and one DescribeAlarms per evaluation', async () => {
    const alarms = Array.from({ length: 100 }, (_, i) => `web-alarm-${i}`);
    const { mock, check } = setup({ alarms, maxLatency: { percentile: 99, maxMs: 2000, text: 'p99<2s' } });
    mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    mock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: alarms.map((AlarmName) => ({ AlarmName, StateValue: 'OK' as const })),
    });
    await check.begin(ctx(at(0, 30), at(0, 30)));
    const signals = await check.collect(ctx(at(5, 10)));

    expect(mock.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect(mock.commandCalls(DescribeAlarmsCommand)).toHaveLength(1);
    const dims = (slot: 'blue' | 'green') => [
      { Name: 'LoadBalancer', Value: LB },
      { Name: 'TargetGroup', Value: TG[slot] },
    ];
    const q = (slot: 'blue' | 'green', id: string, MetricName: string, Stat: string) => ({
      Id: `${slot}_${id}`,
      MetricStat: {
        Metric: { Namespace: 'AWS/ApplicationELB', MetricName, Dimensions: dims(slot) },
        Period: 60,
        Stat,
      },
      ReturnData: true,
    });
    expect(gmdInputs(mock)).toEqual([
      {
        MetricDataQueries: [
          q('blue', 'requests', 'RequestCount', 'Sum'),
          q('blue', '5xx', 'HTTPCode_Target_5XX_Count', 'Sum'),
          q('blue', 'latency', 'TargetResponseTime', 'p99'),
          q('green', 'requests', 'RequestCount', 'Sum'),
          q('green', '5xx', 'HTTPCode_Target_5XX_Count', 'Sum'),
          q('green', 'latency', 'TargetResponseTime', 'p99'),
        ],
        // from the minute the step started to the last whole minute at least 2 min old
        StartTime: new Date(at(0)),
        EndTime: new Date(at(3)),
        ScanBy: 'TimestampAscending',
      },
    ]);
    expect(mock.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmNames: alarms, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100 },
    ]);
    expect(signals.filter((s) => s.kind === 'alarm')).toHaveLength(100);
    expect(signals.filter((s) => s.kind === 'traffic')).toHaveLength(2);
  });

  it('compare-to-stable adds the p50 of both target groups, and each slot signal carries its worst-minute median', async () => {
    const { mock, check } = setup({
      maxLatency: { percentile: 99, maxMs: 2000, text: 'p99<2s' },
      median: true,
    });
    mock.on(GetMetricDataCommand).resolves({
      MetricDataResults: results({
        green_requests: { 0: 50, 1: 60 },
        green_p50: { 0: 0.06, 1: 0.066 },
        green_latency: { 0: 0.2, 1: 0.25 },
        blue_requests: { 0: 950, 1: 940 },
        blue_p50: { 0: 0.05, 1: 0.051 },
      }),
    });
    await check.begin(ctx(at(0, 30), at(0, 30)));
    const signals = await check.collect(ctx(at(4, 10)));
    const ids = gmdInputs(mock)[0]?.MetricDataQueries?.map((q) => `${q.Id} ${q.MetricStat?.Stat}`);
    expect(ids).toEqual([
      'blue_requests Sum',
      'blue_5xx Sum',
      'blue_latency p99',
      'blue_p50 p50',
      'green_requests Sum',
      'green_5xx Sum',
      'green_latency p99',
      'green_p50 p50',
    ]);
    const green = signals.find((s) => s.kind === 'traffic' && s.slot === 'green');
    expect(green?.kind === 'traffic' && green.latencyPercentilesMs).toEqual({ 99: 250, 50: 66 });
    const blue = signals.find((s) => s.kind === 'traffic' && s.slot === 'blue');
    expect(blue?.kind === 'traffic' && blue.latencyPercentilesMs?.[50]).toBe(51);
  });

  it('refuses more than 100 alarms, naming the input', () => {
    expect(() => setup({ alarms: Array.from({ length: 101 }, (_, i) => `a${i}`) })).toThrow(
      /cloudwatch-alarms lists 101 alarms; at most 100/,
    );
  });

  it('no alarms configured: no DescribeAlarms; no new whole minute: no GetMetricData, zero-count signals', async () => {
    const { mock, check } = setup();
    mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await check.begin(ctx(at(0, 30), at(0, 30)));
    expect(await check.collect(ctx(at(2, 50)))).toEqual([
      {
        kind: 'traffic',
        at: at(2, 50),
        slot: 'blue',
        source: 'alb',
        requests: 0,
        errors5xx: 0,
        dataUpTo: at(0),
      },
      {
        kind: 'traffic',
        at: at(2, 50),
        slot: 'green',
        source: 'alb',
        requests: 0,
        errors5xx: 0,
        dataUpTo: at(0),
      },
    ]);
    expect(mock.calls()).toHaveLength(0);
  });
});

describe('CloudWatchCheck windows and values', () => {
  it('sums whole minutes per slot; a missing datapoint is 0 requests; each minute is returned once', async () => {
    const { mock, check } = setup();
    mock.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataInput) => {
      const from = input.StartTime!.getTime();
      const to = input.EndTime!.getTime();
      const keep = (s: Record<number, number>) =>
        Object.fromEntries(Object.entries(s).filter(([m]) => at(Number(m)) >= from && at(Number(m)) < to));
      return {
        MetricDataResults: results({
          // green idle in minute 1: no datapoint at all
          green_requests: keep({ 0: 40, 2: 60, 3: 100 }),
          green_5xx: keep({ 2: 3, 3: 1 }),
          green_latency: keep({ 0: 0.2, 2: 0.1, 3: 0.5 }),
          blue_requests: keep({ 0: 960, 1: 1000, 2: 940, 3: 900 }),
          blue_latency: keep({ 0: 0.1, 1: 0.1, 2: 0.1, 3: 0.1 }),
        }),
      };
    });
    await check.begin(ctx(at(0, 30), at(0, 30)));
    const first = await check.collect(ctx(at(5, 0)));
    expect(first).toEqual([
      {
        kind: 'traffic',
        at: at(5),
        slot: 'blue',
        source: 'alb',
        requests: 2900,
        errors5xx: 0,
        dataUpTo: at(3),
        meanLatencyMs: 100,
      },
      // mean weighted by requests: (40×0.2 + 60×0.1) / 100 s
      {
        kind: 'traffic',
        at: at(5),
        slot: 'green',
        source: 'alb',
        requests: 100,
        errors5xx: 3,
        dataUpTo: at(3),
        meanLatencyMs: 140,
      },
    ]);
    // 30 s later nothing new is complete (0 requests over no new minute); a minute later only minute 3 is new
    expect(await check.collect(ctx(at(5, 30)))).toEqual([
      {
        kind: 'traffic',
        at: at(5, 30),
        slot: 'blue',
        source: 'alb',
        requests: 0,
        errors5xx: 0,
        dataUpTo: at(3),
      },
      {
        kind: 'traffic',
        at: at(5, 30),
        slot: 'green',
        source: 'alb',
        requests: 0,
        errors5xx: 0,
        dataUpTo: at(3),
      },
    ]);
    const second = await check.collect(ctx(at(6, 0)));
    expect(second.find((s) => s.kind === 'traffic' && s.slot === 'green')).toEqual({
      kind: 'traffic',
      at: at(6),
      slot: 'green',
      source: 'alb',
      requests: 100,
      errors5xx: 1,
      dataUpTo: at(4),
      meanLatencyMs: 500,
    });
    expect(gmdInputs(mock).map((i) => [i.StartTime, i.EndTime])).toEqual([
      [new Date(at(0)), new Date(at(3))],
      [new Date(at(3)), new Date(at(4))],
    ]);
  });

  it('pNN: the worst minute stands for the window, in ms; datapoints outside the window are ignored', async () => {
    const { mock, check } = setup({
      maxLatency: { percentile: 95, maxMs: 500, text: 'p95<500ms' },
      lagMs: 60_000,
    });
    mock.on(GetMetricDataCommand).resolves({
      MetricDataResults: results({
        green_requests: { 0: 10, 1: 20, 7: 9999 },
        green_latency: { 0: 0.3, 1: 0.45, 7: 9 },
      }),
    });
    await check.begin(ctx(at(0), at(0)));
    const [, green] = await check.collect(ctx(at(3, 0)));
    expect(green).toMatchObject({
      slot: 'green',
      requests: 30,
      errors5xx: 0,
      latencyPercentilesMs: { 95: 450 },
      dataUpTo: at(2),
    });
  });

  it('the cursor carries over steps: a later step judges the earlier minutes not yet returned, never twice', async () => {
    const { mock, check } = setup();
    mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await check.begin(ctx(at(0), at(0)));
    await check.collect(ctx(at(5)));
    // step 2 starts at 5:00; minutes 3 and 4 were still inside the lag
    await check.begin(ctx(at(5), at(5)));
    await check.collect(ctx(at(8)));
    expect(gmdInputs(mock).map((i) => [i.StartTime, i.EndTime])).toEqual([
      [new Date(at(0)), new Date(at(3))],
      [new Date(at(3)), new Date(at(6))],
    ]);
  });

  it('throttled GetMetricData is retried; a failed call leaves its minutes for the next evaluation', async () => {
    const throttled = () =>
      new CloudWatchServiceException({
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      });
    const { mock, check, sleeps } = setup({ retry: { attempts: 2, baseMs: 100, random: () => 1 } });
    mock
      .on(GetMetricDataCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ MetricDataResults: [] });
    await check.begin(ctx(at(0), at(0)));
    await expect(check.collect(ctx(at(5)))).rejects.toMatchObject({ name: 'Throttling' });
    await check.collect(ctx(at(5, 20)));
    expect(sleeps).toEqual([100, 100]);
    expect(gmdInputs(mock).map((i) => i.StartTime)).toEqual([
      new Date(at(0)),
      new Date(at(0)),
      new Date(at(0)),
      new Date(at(0)),
    ]);
  });
});

describe('CloudWatchCheck alarms', () => {
  it('states and reasons per name; composite alarms included; an unknown name stays INSUFFICIENT_DATA', async () => {
    const { mock, check } = setup({
      alarms: ['web-5xx', 'web-latency', 'web-composite', 'web-typo'],
      metrics: false,
    });
    mock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'web-5xx',
          StateValue: 'ALARM',
          StateReason: 'Threshold Crossed: 1 datapoint [12.0] was greater than 5.0',
        },
        { AlarmName: 'web-latency', StateValue: 'INSUFFICIENT_DATA' },
      ],
      CompositeAlarms: [{ AlarmName: 'web-composite', StateValue: 'OK' }],
    });
    const now = at(3);
    expect(await check.collect(ctx(now))).toEqual([
      {
        kind: 'alarm',
        at: now,
        name: 'web-5xx',
        state: 'ALARM',
        reason: 'Threshold Crossed: 1 datapoint [12.0] was greater than 5.0',
      },
      { kind: 'alarm', at: now, name: 'web-latency', state: 'INSUFFICIENT_DATA' },
      { kind: 'alarm', at: now, name: 'web-composite', state: 'OK' },
      {
        kind: 'alarm',
        at: now,
        name: 'web-typo',
        state: 'INSUFFICIENT_DATA',
        reason: 'no alarm with this name in this account and region',
      },
    ]);
    expect(mock.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});
