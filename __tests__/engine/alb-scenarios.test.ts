// The engine driving the real ALB router, CloudWatch and target-health adapters against an in-memory ALB and a
// CloudWatch fake whose per-minute metrics follow the weights actually written. Virtual time: a 20-minute canary runs in ms.
import { describe, expect, it } from 'vitest';
import {
  AddTagsCommand,
  DescribeTargetHealthCommand,
  ModifyRuleCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type DescribeAlarmsInput,
  type GetMetricDataInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { parseInputs } from '../../src/config/parse.js';
import { buildPlan } from '../../src/plan/build.js';
import { runEngine } from '../../src/engine/engine.js';
import { Timeline } from '../../src/ports/timeline.js';
import { AlbRouter, TAG_LOCK, TAG_REJECTED, type AlbProvider } from '../../src/traffic/alb.js';
import { targetGroupDimension } from '../../src/traffic/alb-arn.js';
import { CloudWatchCheck } from '../../src/checks/cloudwatch.js';
import { TargetHealthCheck, targetHealthGate } from '../../src/checks/target-health.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHooks } from '../helpers/fakes.js';
import {
  BLUE_TG,
  GREEN_TG,
  RULE_ARN,
  fakeAlb,
  healthy,
  notHealthy,
  weightedActions,
} from '../traffic/alb-fake.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const at = (min: number, sec = 0) => T0 + min * 60_000 + sec * 1000;

interface Model {
  /** requests per minute through the ALB, split by the weights in place at the minute's start */
  perMinute: number;
  /** fraction of 5xx per slot */
  errorRate: { blue: number; green: number };
  /** alarm state as a function of the raw ALB weights right now */
  alarm: (w: { blue: number; green: number }) => 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
}

function scenario(
  opts: { inputs?: Record<string, string>; tags?: Record<string, string>; model?: Partial<Model> } = {},
) {
  const clock = new FakeClock(T0);
  const alb = fakeAlb('rule', weightedActions(999, 0), opts.tags);
  alb.world.health[BLUE_TG] = [healthy('i-b1'), healthy('i-b2')];
  alb.world.health[GREEN_TG] = [healthy('i-g1'), healthy('i-g2')];
  const history = [{ at: Number.NEGATIVE_INFINITY, w: alb.weights() }];
  const hooks: { afterModify?: (actions: Action[]) => void } = {};
  alb.world.onModify = (actions) => {
    history.push({ at: clock.now(), w: alb.weights() });
    hooks.afterModify?.(actions);
  };
  const model: Model = {
    perMinute: 2000,
    errorRate: { blue: 0, green: 0 },
    alarm: () => 'OK',
    ...opts.model,
  };

  const cw = new CloudWatchClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  });
  const cwMock = mockClient(cw);
  cwMock.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataInput) => {
    const results: MetricDataResult[] = [];
    for (const q of input.MetricDataQueries ?? []) {
      const [slot, stat] = (q.Id ?? '').split('_') as ['blue' | 'green', string];
      const r: MetricDataResult = { Id: q.Id, StatusCode: 'Complete', Timestamps: [], Values: [] };
      for (let m = input.StartTime!.getTime(); m < input.EndTime!.getTime(); m += 60_000) {
        // the weights in place in the middle of the minute
        const w = history.filter((h) => h.at <= m + 30_000).at(-1)!.w;
        const requests = Math.round((model.perMinute * w[slot]) / (w.blue + w.green));
        // ALB publishes nothing for a minute without requests
        if (requests === 0) continue;
        const value =
          stat === 'requests'
            ? requests
            : stat === '5xx'
              ? Math.round(requests * model.errorRate[slot])
              : 0.08;
        r.Timestamps!.push(new Date(m));
        r.Values!.push(value);
      }
      results.push(r);
    }
    return { MetricDataResults: results };
  });
  cwMock.on(DescribeAlarmsCommand).callsFake(async (input: DescribeAlarmsInput) => ({
    MetricAlarms: (input.AlarmNames ?? []).map((AlarmName) => ({
      AlarmName,
      StateValue: model.alarm(alb.weights()),
    })),
  }));

  const parsed = parseInputs({
    provider: 'alb',
    'alb-rule-arn': RULE_ARN,
    'blue-target': BLUE_TG,
    'green-target': GREEN_TG,
    strategy: 'canary',
    'canary-steps': '5,25,50',
    interval: '5m',
    'probe-interval': '30s',
    'cloudwatch-alarms': 'web-5xx',
    ...opts.inputs,
  });
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.input}: ${e.message}`).join('\n'));
  const config = parsed.config;
  const provider = config.provider as AlbProvider;
  const sleep = (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal);
  const router = new AlbRouter({
    client: alb.client,
    provider,
    now: () => clock.now(),
    sleep,
    retry: { attempts: 4, baseMs: 500, random: () => 0.5 },
  });
  const groups = { blue: provider.blueTargetGroupArn, green: provider.greenTargetGroupArn };
  const checks = [
    new CloudWatchCheck({
      client: cw,
      loadBalancer: router.loadBalancer,
      targetGroups: { blue: targetGroupDimension(groups.blue), green: targetGroupDimension(groups.green) },
      alarms: config.cloudwatchAlarms,
      maxLatency: config.maxLatency,
      sleep,
    }),
    new TargetHealthCheck({ client: alb.client, targetGroups: groups, sleep }),
  ];
  const progress: string[] = [];
  const gates = [
    targetHealthGate({
      client: alb.client,
      targetGroups: groups,
      timeoutMs: 60_000,
      intervalMs: 15_000,
      sleep,
      now: () => clock.now(),
      log: (l) => progress.push(l),
    }),
  ];
  const timeline = new Timeline();
  const run = () =>
    runEngine({
      config,
      plan: buildPlan(config),
      router,
      checks,
      hooks: new FakeHooks(),
      clock,
      timeline,
      runId: 'run-1001-1',
      runUrl: 'https://github.com/acme/web/actions/runs/1001/attempts/1',
      gates,
    });
  /** green's raw ALB weight in every ModifyRule sent, throttled attempts included */
  const greenWrites = () =>
    alb.mock
      .commandCalls(ModifyRuleCommand)
      .map(
        (c) =>
          (c.args[0].input.Actions as Action[])
            .find((a) => a.Type === 'forward')
            ?.ForwardConfig?.TargetGroups?.find((t) => t.TargetGroupArn === GREEN_TG)?.Weight,
      );
  return { clock, alb, cwMock, model, router, timeline, run, greenWrites, progress, hooks };
}

describe('ALB canary through the engine', () => {
  it('healthy canary: promoted, one GetMetricData and one DescribeAlarms per evaluation at most, live slot recorded', async () => {
    const s = scenario();
    const out = await s.run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green', previous: 'blue', weight: 100 });
    expect(s.greenWrites()).toEqual([50, 250, 500, 999]);
    expect(s.alb.weights()).toEqual({ blue: 0, green: 999 });
    expect(s.progress).toEqual(['green: 2/2 healthy · 0s/1m']);

    const evaluations = s.timeline.events.filter((e) => e.type === 'evaluation');
    expect(evaluations).toHaveLength(4 * 10);
    expect(s.cwMock.commandCalls(DescribeAlarmsCommand)).toHaveLength(evaluations.length);
    const windows = s.cwMock
      .commandCalls(GetMetricDataCommand)
      .map((c) => c.args[0].input as GetMetricDataInput);
    expect(windows.length).toBeLessThanOrEqual(evaluations.length);
    // contiguous, non-overlapping whole minutes from the first shift on: nothing counted twice, nothing skipped
    expect(windows[0]?.StartTime).toEqual(new Date(at(0)));
    for (let i = 1; i < windows.length; i++) expect(windows[i]?.StartTime).toEqual(windows[i - 1]?.EndTime);
    expect(s.alb.mock.commandCalls(DescribeTargetHealthCommand).length).toBe(evaluations.length + 1);

    // lock taken and released; live/previous/run recorded
    expect(s.alb.world.tags).toEqual({
      'glidepath:live': 'green',
      'glidepath:previous': 'blue',
      'glidepath:run': 'https://github.com/acme/web/actions/runs/1001/attempts/1',
    });
    const steps = s.timeline.events.filter((e) => e.type === 'step-verdict');
    expect(steps.map((e) => e.type === 'step-verdict' && e.verdict.status)).toEqual([
      'pass',
      'pass',
      'pass',
      'pass',
    ]);
    // step 1 judged green's real traffic: minutes 12:00-12:02 at 5% of 2000/min
    expect(steps[0]?.type === 'step-verdict' && steps[0].verdict.measures).toMatchObject({
      requests: 300,
      errors: 0,
      errorSource: 'alb',
    });
  });

  it('alarm in ALARM at step 2 → rolled back to blue', async () => {
    const s = scenario({ model: { alarm: (w) => (w.green === 250 ? 'ALARM' : 'OK') } });
    const out = await s.run();
    expect(out).toMatchObject({ result: 'rolled-back', live: 'blue', previous: 'green', weight: 0 });
    expect(out.reason).toMatch(/^alarm web-5xx is in ALARM/);
    expect(s.greenWrites()).toEqual([50, 250, 0]);
    expect(s.alb.weights()).toEqual({ blue: 999, green: 0 });
    expect(s.alb.world.tags[TAG_LOCK]).toBeUndefined();
  });

  it('5xx at 3% on green with max-error-rate 2 → rolled back by the sequential test once the evidence over the deploy suffices', async () => {
    const s = scenario({ inputs: { 'max-error-rate': '2' }, model: { errorRate: { blue: 0, green: 0.03 } } });
    const out = await s.run();
    expect(out.result).toBe('rolled-back');
    // changed by issue 9: step 1's three minutes (9 of 300 requests) are not conclusive evidence of
    // more than 2%, and the step passes on them; the test runs over the whole deploy, and the minutes
    // at 25% and 50% settle it (3% against 2% is a subtle failure: it takes the evidence it needs)
    expect(out.reason).toMatch(
      /^green error rate 3(\.0+)?% \((\d+) of (\d+) requests over the deploy, ALB\) is above the 2% limit: at least 2\.\d+% with 99% confidence \(sequential test\)$/,
    );
    expect(s.greenWrites()).toEqual([50, 250, 500, 0]);
    const steps = s.timeline.events.filter((e) => e.type === 'step-verdict');
    expect(steps.map((e) => e.type === 'step-verdict' && e.verdict.status)).toEqual(['pass', 'pass']);
    // a later manual rollback must not send traffic back to green
    expect(s.alb.world.tags[TAG_REJECTED]).toBe('green');
    const evals = s.timeline.events.filter((e) => e.type === 'evaluation');
    expect(
      evals.some(
        (e) => e.type === 'evaluation' && /above the 2% limit, not conclusively yet/.test(e.verdict.reason),
      ),
    ).toBe(true);
    expect(evals.at(-1)?.type === 'evaluation' && evals.at(-1)?.verdict.status).toBe('fail');
  });

  it('fewer requests than min-requests → inconclusive, extended once, then failed for lack of data', async () => {
    const s = scenario({ inputs: { 'min-requests': '100' }, model: { perMinute: 100 } });
    const out = await s.run();
    // too little data is no verdict on the version: the deploy fails and says what to change
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /^not enough data to judge green after extending step 1: only 40 requests on green in step 1, fewer than min-requests 100; green was not judged unhealthy\. To judge it, lower min-requests \(now 100\), hold steps longer \(now 5m; interval\), or send it more traffic; traffic restored to blue$/,
    );
    expect(out.reason).toMatch(/traffic restored to blue$/);
    const steps = s.timeline.events.filter((e) => e.type === 'step-verdict');
    expect(
      steps.map((e) => e.type === 'step-verdict' && [e.verdict.status, e.verdict.measures.requests]),
    ).toEqual([
      ['inconclusive', 15],
      ['inconclusive', 40],
    ]);
    expect(s.greenWrites()).toEqual([50, 0]);
  });

  it('unhealthy targets in green at step 2 → rolled back with the reason', async () => {
    const s = scenario();
    s.hooks.afterModify = (actions) => {
      const green = actions
        .find((a) => a.Type === 'forward')
        ?.ForwardConfig?.TargetGroups?.find((t) => t.TargetGroupArn === GREEN_TG)?.Weight;
      if (green === 250) {
        s.alb.world.health[GREEN_TG] = [
          healthy('i-g1'),
          notHealthy(
            'i-g2',
            'unhealthy',
            'Target.ResponseCodeMismatch',
            'Health checks failed with these codes: [502]',
          ),
        ];
      }
    };
    const out = await s.run();
    expect(out.result).toBe('rolled-back');
    expect(out.reason).toMatch(
      /^1 of 2 green targets unhealthy \(i-g2:8080 unhealthy Target\.ResponseCodeMismatch.*above max-unhealthy-targets 0/,
    );
    expect(s.greenWrites()).toEqual([50, 250, 0]);
  });

  it('unhealthy green before any shift: fails with no ModifyRule at all', async () => {
    const s = scenario();
    s.alb.world.health[GREEN_TG] = [healthy('i-g1'), notHealthy('i-g2', 'unhealthy', 'Target.Timeout')];
    const out = await s.run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /pre-traffic check target-health failed on green: .*1\/2 healthy.*Target\.Timeout.*no traffic was moved/,
    );
    expect(s.alb.mock.commandCalls(ModifyRuleCommand)).toHaveLength(0);
    expect(s.progress).toHaveLength(5);
  });

  it('drift between steps (IaC re-applied 80/20) → live slot restored, failure names both weights', async () => {
    const s = scenario();
    let drifted = false;
    s.clock.onAdvance = (now) => {
      if (!drifted && now >= at(2)) {
        drifted = true;
        s.alb.world.actions = weightedActions(800, 200);
      }
    };
    const out = await s.run();
    expect(out.result).toBe('failed');
    expect(out.reason).toBe(
      'weights changed outside this run: expected blue 95% / green 5% but found blue 80% / green 20%; traffic restored to blue',
    );
    expect(s.timeline.events.find((e) => e.type === 'drift')).toMatchObject({
      expected: { blue: 95, green: 5 },
      found: { blue: 80, green: 20 },
    });
    expect(s.greenWrites()).toEqual([50, 0]);
    expect(s.alb.weights()).toEqual({ blue: 999, green: 0 });
  });

  it('lock held by another run → fails before any Modify call, naming the holder', async () => {
    const s = scenario({ tags: { [TAG_LOCK]: 'run-999-1 2026-11-22T13:00:00.000Z' } });
    const out = await s.run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/locked by run run-999-1 until 2026-11-22T13:00:00\.000Z/);
    expect(s.alb.mock.commandCalls(ModifyRuleCommand)).toHaveLength(0);
    expect(s.alb.mock.commandCalls(AddTagsCommand)).toHaveLength(0);
    expect(s.alb.world.tags[TAG_LOCK]).toBe('run-999-1 2026-11-22T13:00:00.000Z');
  });

  it('ModifyRule throttled twice at step 2, then accepted → continues to promotion', async () => {
    const s = scenario();
    let armed = true;
    s.hooks.afterModify = () => {
      if (armed) {
        armed = false;
        s.alb.world.throttleModify = 2;
      }
    };
    const out = await s.run();
    expect(out.result).toBe('promoted');
    expect(s.greenWrites()).toEqual([50, 250, 250, 250, 500, 999]);
  });

  it('ModifyRule throttled beyond the bounded retries at step 2 → fault, live slot restored, run fails', async () => {
    const s = scenario();
    let armed = true;
    s.hooks.afterModify = () => {
      if (armed) {
        armed = false;
        s.alb.world.throttleModify = 4;
      }
    };
    const out = await s.run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/^fault: ALB ModifyRule on .* failed: Throttling: Rate exceeded/);
    // four throttled attempts at 25%, then the restore to blue goes through
    expect(s.greenWrites()).toEqual([50, 250, 250, 250, 250, 0]);
    expect(s.alb.weights()).toEqual({ blue: 999, green: 0 });
  });
});
