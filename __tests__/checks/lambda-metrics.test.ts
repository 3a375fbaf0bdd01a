// The Lambda metrics check: the exact GetMetricData request (three dimensions, both versions, one call),
// throttles folded into requests and errors, duration in ms, whole minutes read once.
import { describe, expect, it } from 'vitest';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { LambdaMetricsCheck } from '../../src/checks/lambda-metrics.js';
import type { CheckContext } from '../../src/ports/checks.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const MIN = 60_000;

function setup(
  data: Record<string, [number, number][]>,
  versions = { blue: '7', green: '8' } as Record<string, string | undefined>,
) {
  const client = new CloudWatchClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  });
  const mock = mockClient(client);
  mock.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q): MetricDataResult => ({
      Id: q.Id,
      Timestamps: (data[q.Id!] ?? []).map(([t]) => new Date(t)),
      Values: (data[q.Id!] ?? []).map(([, v]) => v),
    })),
  }));
  const check = new LambdaMetricsCheck({
    client,
    functionName: 'checkout',
    alias: 'live',
    versionOf: (slot) => versions[slot],
    sleep: async () => undefined,
  });
  const ctx = (now: number, windowStart = T0): CheckContext => ({
    target: 'green',
    live: 'blue',
    weight: 10,
    now,
    windowStart,
  });
  return { check, mock, ctx };
}

describe('LambdaMetricsCheck', () => {
  it('asks once for both versions: four metrics each, with FunctionName, Resource and ExecutedVersion', async () => {
    const { check, mock, ctx } = setup({});
    await check.begin(ctx(T0));
    await check.collect(ctx(T0 + 5 * MIN));
    const calls = mock.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.StartTime).toEqual(new Date(T0));
    expect(input.EndTime).toEqual(new Date(T0 + 3 * MIN));
    expect(input.ScanBy).toBe('TimestampAscending');
    const dims = (v: string) => [
      { Name: 'FunctionName', Value: 'checkout' },
      { Name: 'Resource', Value: 'checkout:live' },
      { Name: 'ExecutedVersion', Value: v },
    ];
    const q = (id: string, name: string, stat: string, v: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'AWS/Lambda', MetricName: name, Dimensions: dims(v) },
        Period: 60,
        Stat: stat,
      },
      ReturnData: true,
    });
    expect(input.MetricDataQueries).toEqual([
      q('blue_invocations', 'Invocations', 'Sum', '7'),
      q('blue_errors', 'Errors', 'Sum', '7'),
      q('blue_throttles', 'Throttles', 'Sum', '7'),
      q('blue_duration', 'Duration', 'Average', '7'),
      q('green_invocations', 'Invocations', 'Sum', '8'),
      q('green_errors', 'Errors', 'Sum', '8'),
      q('green_throttles', 'Throttles', 'Sum', '8'),
      q('green_duration', 'Duration', 'Average', '8'),
    ]);
  });

  it('folds throttles into requests and errors, and weights each minute’s mean duration by its invocations', async () => {
    const { check, ctx } = setup({
      green_invocations: [
        [T0, 100],
        [T0 + MIN, 300],
      ],
      green_errors: [[T0 + MIN, 3]],
      green_throttles: [[T0, 5]],
      green_duration: [
        [T0, 100],
        [T0 + MIN, 20],
      ],
      blue_invocations: [[T0, 900]],
      // outside the window: the next evaluation's
      blue_errors: [[T0 + 3 * MIN, 50]],
    });
    await check.begin(ctx(T0));
    const signals = await check.collect(ctx(T0 + 5 * MIN));
    expect(signals).toEqual([
      {
        kind: 'traffic',
        at: T0 + 5 * MIN,
        slot: 'blue',
        source: 'lambda',
        requests: 900,
        errors5xx: 0,
        throttles: 0,
        dataUpTo: T0 + 3 * MIN,
      },
      {
        kind: 'traffic',
        at: T0 + 5 * MIN,
        slot: 'green',
        source: 'lambda',
        requests: 405,
        errors5xx: 8,
        throttles: 5,
        dataUpTo: T0 + 3 * MIN,
        meanLatencyMs: 40, // (100·100 + 20·300) / 400
      },
    ]);
  });

  it('reads each minute once, and sends nothing until a new whole minute is ready', async () => {
    const { check, mock, ctx } = setup({});
    await check.begin(ctx(T0 + 20_000));
    const early = await check.collect(ctx(T0 + 2 * MIN + 30_000));
    expect(mock.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(early.map((s) => s.kind === 'traffic' && [s.slot, s.requests])).toEqual([
      ['blue', 0],
      ['green', 0],
    ]);
    await check.collect(ctx(T0 + 3 * MIN + 1_000));
    await check.collect(ctx(T0 + 3 * MIN + 31_000));
    await check.collect(ctx(T0 + 4 * MIN + 1_000));
    const windows = mock
      .commandCalls(GetMetricDataCommand)
      .map((c) => [c.args[0].input.StartTime, c.args[0].input.EndTime]);
    expect(windows).toEqual([
      [new Date(T0), new Date(T0 + MIN)],
      [new Date(T0 + MIN), new Date(T0 + 2 * MIN)],
    ]);
  });

  it('with max-latency, Duration’s percentile; the worst minute stands for the window', async () => {
    const client = new CloudWatchClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    });
    const mock = mockClient(client);
    mock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'green_duration', Timestamps: [new Date(T0), new Date(T0 + MIN)], Values: [850, 1200] },
        { Id: 'green_invocations', Timestamps: [new Date(T0)], Values: [10] },
      ],
    });
    const check = new LambdaMetricsCheck({
      client,
      functionName: 'checkout',
      alias: 'live',
      versionOf: (s) => (s === 'green' ? '8' : '7'),
      maxLatency: { percentile: 99, maxMs: 1000, text: 'p99<1s' },
    });
    const [, green] = await check.collect({
      target: 'green',
      live: 'blue',
      weight: 10,
      now: T0 + 4 * MIN,
      windowStart: T0,
    });
    expect(
      mock.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries![3]!.MetricStat!.Stat,
    ).toBe('p99');
    expect(green).toMatchObject({ slot: 'green', latencyPercentilesMs: { 99: 1200 } });
  });

  it('measures only the slots that stand for a version', async () => {
    const { check, mock, ctx } = setup({}, { blue: '7', green: undefined });
    const signals = await check.collect(ctx(T0 + 5 * MIN));
    expect(signals.map((s) => s.kind === 'traffic' && s.slot)).toEqual(['blue']);
    expect(mock.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries).toHaveLength(4);
  });
});
