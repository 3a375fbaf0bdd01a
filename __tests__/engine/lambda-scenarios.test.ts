// The engine driving the real Lambda router, the Lambda metrics check, the alarms and the pre-traffic
// Invoke (wired by createChecks) against an in-memory function and a CloudWatch fake whose per-minute,
// per-version metrics follow the alias weights actually written. Virtual time: a 10-minute canary runs in ms.
import { describe, expect, it } from 'vitest';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type DescribeAlarmsInput,
  type GetMetricDataInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { validateInputs } from '../../src/plan/feasibility.js';
import { buildPlan } from '../../src/plan/build.js';
import { runEngine } from '../../src/engine/engine.js';
import { Timeline } from '../../src/ports/timeline.js';
import { createChecks } from '../../src/checks/create-checks.js';
import type { AwsClients } from '../../src/traffic/aws-clients.js';
import { LambdaRouter, type LambdaProvider } from '../../src/traffic/lambda.js';
import type { HookName } from '../../src/config/types.js';
import type { HookEnv } from '../../src/ports/hooks.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHooks } from '../helpers/fakes.js';
import {
  ALIAS,
  FUNCTION,
  aliasWrites,
  fakeLambda,
  lambdaCalls,
  type FakeLambda,
} from '../traffic/lambda-fake.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const MIN = 60_000;

interface Model {
  /** requests per minute through the alias */
  perMinute: number;
  /** per version: fraction of invocations that error, fraction of requests throttled, mean duration ms */
  errorRate: Record<string, number>;
  throttleRate: Record<string, number>;
  durationMs: Record<string, number>;
  /** how far the realised split falls short of the weight (Lambda routes each request at random) */
  realised: number;
  alarm: (split: Record<string, number>) => 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
}

/** deploy-command as a hook that uploads new code to $LATEST */
class Hooks extends FakeHooks {
  constructor(private readonly fake: FakeLambda) {
    super();
  }
  override async run(hook: HookName, command: string, env: HookEnv) {
    if (hook === 'deploy') this.fake.upload('sha-new');
    return super.run(hook, command, env);
  }
}

function scenario(
  opts: {
    inputs?: Record<string, string>;
    model?: Partial<Model>;
    tags?: Record<string, string>;
    extra?: Record<string, number>;
    versions?: string[];
  } = {},
) {
  const clock = new FakeClock(T0);
  const fake = fakeLambda({ versions: opts.versions ?? ['6', '7'], tags: opts.tags, extra: opts.extra });
  const history: { at: number; split: Record<string, number> }[] = [{ at: -Infinity, split: fake.split() }];
  fake.world.onUpdate = () => history.push({ at: clock.now(), split: fake.split() });
  const model: Model = {
    perMinute: 2000,
    errorRate: {},
    throttleRate: {},
    durationMs: {},
    realised: 1,
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
      const dims = Object.fromEntries((q.MetricStat?.Metric?.Dimensions ?? []).map((d) => [d.Name, d.Value]));
      const v = dims.ExecutedVersion!;
      const r: MetricDataResult = { Id: q.Id, StatusCode: 'Complete', Timestamps: [], Values: [] };
      for (let m = input.StartTime!.getTime(); m < input.EndTime!.getTime(); m += MIN) {
        const split = history.filter((h) => h.at <= m + 30_000).at(-1)!.split;
        const isExtra = split[v] !== undefined && Object.keys(split)[0] !== v;
        const share = ((split[v] ?? 0) / 100) * (isExtra ? model.realised : 1);
        const other = isExtra ? 0 : (1 - model.realised) * (1 - share);
        const requests = Math.round(model.perMinute * (share + other));
        const throttles = Math.round(requests * (model.throttleRate[v] ?? 0));
        const invocations = requests - throttles;
        if (invocations === 0 && throttles === 0) continue; // Lambda publishes nothing while idle
        const value = {
          Invocations: invocations,
          Errors: Math.round(invocations * (model.errorRate[v] ?? 0)),
          Throttles: throttles,
          Duration: model.durationMs[v] ?? 40,
        }[q.MetricStat!.Metric!.MetricName!]!;
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
      StateValue: model.alarm(fake.split()),
    })),
  }));

  const parsed = validateInputs({
    provider: 'lambda',
    'lambda-function': FUNCTION,
    'lambda-alias': ALIAS,
    strategy: 'LambdaCanary10Percent5Minutes',
    'probe-interval': '30s',
    'max-error-rate': '5',
    'cloudwatch-alarms': 'checkout-errors',
    'pre-traffic-payload': '{"path":"/health"}',
    'deploy-command': './upload.sh',
    'rollback-command': './flags-off.sh',
    ...opts.inputs,
  });
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  const config = parsed.config;
  const sleep = (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal);
  const log: string[] = [];
  const router = new LambdaRouter({
    client: fake.client,
    provider: config.provider as LambdaProvider,
    command: config.command,
    now: () => clock.now(),
    sleep,
    retry: { attempts: 4, baseMs: 500, random: () => 0.5 },
    log: (l) => log.push(l),
  });
  const aws = { cloudwatch: async () => cw, lambda: async () => fake.client } as unknown as AwsClients;
  const hooks = new Hooks(fake);
  const timeline = new Timeline();
  const run = async () => {
    const { checks, gates } = await createChecks(config, aws, [], clock, router);
    return runEngine({
      config,
      plan: buildPlan(config),
      router,
      checks,
      gates,
      hooks,
      clock,
      timeline,
      runId: 'run-1001-1',
      runUrl: 'https://github.com/acme/checkout/actions/runs/1001',
    });
  };
  const metricRequests = () =>
    cwMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input as GetMetricDataInput);
  const evaluations = () => timeline.events.filter((e) => e.type === 'evaluation');
  return { clock, fake, cwMock, model, router, timeline, run, hooks, log, metricRequests, evaluations };
}

describe('Lambda canary through the engine', () => {
  it('LambdaCanary10Percent5Minutes: publishes, invokes, shifts 10% then promotes; one GetMetricData per evaluation at most, both versions in it', async () => {
    const s = scenario();
    const out = await s.run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green', previous: 'blue', weight: 100 });
    expect(out.names).toEqual({
      blue: { id: '7', label: 'version 7' },
      green: { id: '8', label: 'version 8' },
    });
    expect(aliasWrites(s.fake)).toEqual(['7+8@0.1', '8']);
    expect(s.fake.world.alias).toMatchObject({ primary: '8' });
    expect(s.fake.world.alias?.extra).toBeUndefined();

    // before any shift: lock, read, publish, checks, invoke; then per step: write, read back, read after the hold
    const calls = lambdaCalls(s.fake);
    expect(calls.slice(0, calls.indexOf('UpdateAlias'))).toEqual([
      'GetAlias', // lock: the alias's ARN names the function the tags live on
      'ListTags',
      'TagResource',
      'ListTags', // the lock read back
      'GetAlias', // look: the alias…
      'ListTags', // …and the tags that map versions to slots (and the target note)
      'GetFunctionConfiguration', // $LATEST settled
      'PublishVersion',
      'GetFunctionConfiguration', // version 8 Active, same role and DLQ…
      'GetFunctionConfiguration', // …as version 7
      'Invoke', // pre-traffic-payload on version 8
      'ListTags', // prepare: no rejected mark on 8
      'TagResource', // target note: 8 from 7
      'GetAlias', // read before write: RevisionId
    ]);
    // per step: write, read back, read again after the hold; then the notes, the record and the lock
    expect(calls.slice(calls.indexOf('UpdateAlias'))).toEqual([
      'UpdateAlias',
      'GetAlias',
      'GetAlias',
      'GetAlias',
      'UpdateAlias',
      'GetAlias',
      'GetAlias',
      'UntagResource', // target note
      'TagResource', // previous version and run
      'ListTags', // unlock: still ours?
      'UntagResource',
    ]);
    expect(s.fake.mock.commandCalls(InvokeCommand).map((c) => c.args[0].input)).toEqual([
      {
        FunctionName: FUNCTION,
        Qualifier: '8',
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode('{"path":"/health"}'),
      },
    ]);

    const evals = s.evaluations();
    expect(evals).toHaveLength(20);
    expect(s.cwMock.commandCalls(DescribeAlarmsCommand)).toHaveLength(evals.length);
    const windows = s.metricRequests();
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.length).toBeLessThanOrEqual(evals.length);
    for (const w of windows) {
      expect(w.MetricDataQueries).toHaveLength(8);
      const byVersion = new Map<string, string[]>();
      for (const q of w.MetricDataQueries!) {
        const m = q.MetricStat!.Metric!;
        expect(m.Namespace).toBe('AWS/Lambda');
        expect(m.Dimensions).toEqual([
          { Name: 'FunctionName', Value: FUNCTION },
          { Name: 'Resource', Value: `${FUNCTION}:${ALIAS}` },
          { Name: 'ExecutedVersion', Value: m.Dimensions![2]!.Value },
        ]);
        const v = m.Dimensions![2]!.Value!;
        byVersion.set(v, [...(byVersion.get(v) ?? []), `${m.MetricName}/${q.MetricStat!.Stat}`]);
      }
      expect(Object.fromEntries(byVersion)).toEqual({
        '7': ['Invocations/Sum', 'Errors/Sum', 'Throttles/Sum', 'Duration/Average'],
        '8': ['Invocations/Sum', 'Errors/Sum', 'Throttles/Sum', 'Duration/Average'],
      });
    }
    // contiguous whole minutes from the first shift on
    expect(windows[0]?.StartTime).toEqual(new Date(T0));
    for (let i = 1; i < windows.length; i++) expect(windows[i]?.StartTime).toEqual(windows[i - 1]?.EndTime);

    const step1 = s.timeline.events.find((e) => e.type === 'step-verdict');
    expect(step1?.type === 'step-verdict' && step1.verdict.measures).toMatchObject({
      requests: 600,
      errors: 0,
      errorSource: 'lambda',
      targetShare: 10,
    });
    expect(step1?.type === 'step-verdict' && step1.verdict.reason).toBe(
      '600 requests on version 8 in step 1 (min-requests 20); ' +
        'version 8 error rate 0% ((Errors 0 + Throttles 0) / (Invocations 600 + Throttles 0) over the deploy, Lambda) within 5%',
    );
    // the previous version recorded for an on-call rollback; lock and target note gone
    expect(s.fake.world.tags).toEqual({
      'glidepath:live:previous': '7',
      'glidepath:live:run': 'https://github.com/acme/checkout/actions/runs/1001',
    });
    // hooks learn the versions; deploy-command runs before version 8 exists
    expect(s.hooks.runs.find((r) => r.hook === 'deploy')?.env.versions).toEqual({ live: '7' });
    expect(s.log).toContain('published version 8 of function checkout from $LATEST');
  });

  it('alarm in ALARM at 10% → rolled back to version 7, rollback-command gets the versions', async () => {
    const s = scenario({ model: { alarm: (split) => ((split['8'] ?? 0) > 0 ? 'ALARM' : 'OK') } });
    const out = await s.run();
    expect(out).toMatchObject({ result: 'rolled-back', live: 'blue', previous: 'green', weight: 0 });
    expect(out.reason).toBe('alarm checkout-errors is in ALARM, 2 readings in a row (failure-threshold 2)');
    expect(aliasWrites(s.fake)).toEqual(['7+8@0.1', '7']);
    expect(s.fake.mock.commandCalls(UpdateAliasCommand).at(-1)?.args[0].input).toEqual({
      FunctionName: FUNCTION,
      Name: ALIAS,
      FunctionVersion: '7',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-2',
    });
    expect(s.hooks.runs.find((r) => r.hook === 'rollback')?.env.versions).toEqual({ target: '8', live: '7' });
    // version 8 marked rejected, with why and by which run, keyed by alias
    expect(s.fake.world.tags).toEqual({
      'glidepath:live:rejected': '8',
      'glidepath:live:rejected-at': '2026-11-22T12:01:00.000Z',
      'glidepath:live:rejected-reason':
        'rolled back: alarm checkout-errors is in ALARM=2C 2 readings in a row =28failure-threshold 2=29',
      'glidepath:live:rejected-run': 'https://github.com/acme/checkout/actions/runs/1001',
    });
  });

  it('errors on the new version above max-error-rate → rolled back on its own traffic, formula in the reason', async () => {
    const s = scenario({ model: { errorRate: { '8': 0.2 } } });
    const out = await s.run();
    expect(out.result).toBe('rolled-back');
    expect(out.reason).toMatch(
      /^version 8 error rate 20% \(\(Errors 40 \+ Throttles 0\) \/ \(Invocations 200 \+ Throttles 0\) over the deploy, Lambda\) is above the 5% limit: at least 1[0-9.]+% with 99% confidence \(sequential test\)$/,
    );
    expect(aliasWrites(s.fake)).toEqual(['7+8@0.1', '7']);
  });

  it('throttles on the new version count as failed requests → rolled back', async () => {
    const s = scenario({ model: { throttleRate: { '8': 0.5 } } });
    const out = await s.run();
    expect(out.result).toBe('rolled-back');
    expect(out.reason).toMatch(
      /^version 8 error rate 50% \(\(Errors 0 \+ Throttles 100\) \/ \(Invocations 100 \+ Throttles 100\) over the deploy, Lambda\) is above the 5% limit/,
    );
  });

  it('errors on the live version only do not roll the new one back', async () => {
    const s = scenario({ model: { errorRate: { '7': 0.3 } } });
    expect((await s.run()).result).toBe('promoted');
  });

  it('reports the realised share beside the configured weight', async () => {
    const s = scenario({ model: { realised: 0.82 } });
    await s.run();
    const step1 = s.timeline.events.find((e) => e.type === 'step-verdict');
    expect(step1?.type === 'step-verdict' && step1.weight).toBe(10);
    expect(step1?.type === 'step-verdict' && step1.verdict.measures.targetShare).toBeCloseTo(8.2, 1);
  });

  it('the pre-traffic Invoke fails: nothing moves, the function’s answer is quoted', async () => {
    const s = scenario();
    s.fake.world.latest.invoke = {
      functionError: 'Unhandled',
      payload: '{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined"}',
    };
    const out = await s.run();
    expect(out.result).toBe('failed');
    expect(out.reason).toBe(
      'pre-traffic check pre-traffic-payload failed on version 8: version 8 answered pre-traffic-payload with a function error (Unhandled): ' +
        '{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined"}; no traffic was moved',
    );
    expect(s.fake.mock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('deploy-command that changed nothing: a clear error before any shift', async () => {
    const s = scenario({ inputs: { 'deploy-command': '' } });
    const out = await s.run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/^nothing changed since the live version: PublishVersion returned version 7/);
    expect(s.fake.mock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('drift: the alias changed by hand during the hold → version 7 restored, reason names both splits', async () => {
    const s = scenario();
    let drifted = false;
    s.clock.onAdvance = (now) => {
      if (!drifted && now >= T0 + 2 * MIN) {
        drifted = true;
        s.fake.world.alias = { primary: '7', extra: { '8': 0.5 }, revision: 9 };
      }
    };
    const out = await s.run();
    expect(out.result).toBe('failed');
    expect(out.reason).toBe(
      'weights changed outside this run: expected version 7 90% / version 8 10% but found version 7 50% / version 8 50%; traffic restored to version 7',
    );
    expect(aliasWrites(s.fake)).toEqual(['7+8@0.1', '7']);
  });

  it('UpdateAlias throttled twice at promotion → backs off and promotes', async () => {
    const s = scenario();
    const record = s.fake.world.onUpdate;
    s.fake.world.onUpdate = (a) => {
      record?.(a);
      if (a.extra) s.fake.world.throttleUpdate = 2;
    };
    const out = await s.run();
    expect(out.result).toBe('promoted');
    expect(aliasWrites(s.fake)).toEqual(['7+8@0.1', '8', '8', '8']);
    expect(s.log.filter((l) => l.includes('throttled'))).toEqual([
      'Lambda UpdateAlias throttled, retry 1/3 in 0.4s',
      'Lambda UpdateAlias throttled, retry 2/3 in 0.8s',
    ]);
  });

  it('a per-minute Lambda preset with min-requests: 0 runs on alarms alone', async () => {
    const s = scenario({ inputs: { strategy: 'LambdaLinear10PercentEvery1Minute', 'min-requests': '0' } });
    const out = await s.run();
    expect(out.result).toBe('promoted');
    expect(aliasWrites(s.fake)).toEqual([
      '7+8@0.1',
      '7+8@0.2',
      '7+8@0.3',
      '7+8@0.4',
      '7+8@0.5',
      '7+8@0.6',
      '7+8@0.7',
      '7+8@0.8',
      '7+8@0.9',
      '8',
    ]);
  });
});

describe('Lambda: hold, promote, abort and rollback through the engine', () => {
  it('hold at 10%, then abort: the additional weights are removed and version 8 marked rejected', async () => {
    const held = scenario({ inputs: { 'hold-at': '10' } });
    const first = await held.run();
    expect(first).toMatchObject({ result: 'held', live: 'blue', previous: 'green', weight: 10 });
    expect(held.fake.world.tags['glidepath:live:target']).toBe('8 from 7');

    const abort = scenario({
      inputs: { command: 'abort', 'hold-at': '10' },
      tags: held.fake.world.tags,
      extra: { '8': 0.1 },
      versions: ['6', '7', '8'],
    });
    const out = await abort.run();
    expect(out).toMatchObject({ result: 'aborted', live: 'blue', previous: 'green', weight: 0 });
    expect(out.reason).toBe(
      'aborted on request: version 7 has 100% again; the deploy to version 8 stopped at 10%',
    );
    expect(aliasWrites(abort.fake)).toEqual(['7']);
    expect(abort.fake.mock.commandCalls(UpdateAliasCommand)[0]?.args[0].input.RoutingConfig).toEqual({
      AdditionalVersionWeights: {},
    });
    expect(abort.fake.world.tags).toMatchObject({ 'glidepath:live:rejected': '8' });
    expect(Object.keys(abort.fake.world.tags).sort()).toEqual([
      'glidepath:live:rejected',
      'glidepath:live:rejected-at',
      'glidepath:live:rejected-reason',
      'glidepath:live:rejected-run',
    ]);
    expect(abort.hooks.runs.find((r) => r.hook === 'rollback')?.env.versions).toEqual({
      target: '8',
      live: '7',
    });
  });

  it('hold at 10%, then promote: continues to 100% on version 8', async () => {
    const s = scenario({
      inputs: { command: 'promote', 'hold-at': '10' },
      tags: { 'glidepath:live:target': '8 from 7' },
      extra: { '8': 0.1 },
      versions: ['6', '7', '8'],
    });
    const out = await s.run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green', weight: 100 });
    expect(aliasWrites(s.fake)).toEqual(['8']);
    expect(s.fake.world.tags['glidepath:live:previous']).toBe('7');
    expect(s.fake.mock.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('on-call rollback at rest goes back to the recorded previous version, invoking it first', async () => {
    const s = scenario({
      inputs: { command: 'rollback' },
      tags: { 'glidepath:live:previous': '6' },
    });
    const out = await s.run();
    expect(out).toMatchObject({ result: 'rolled-back', live: 'green', previous: 'blue' });
    expect(out.names?.green?.id).toBe('6');
    expect(out.reason).toBe('rolled back on request: version 6 has 100% again, version 7 kept as previous');
    expect(aliasWrites(s.fake)).toEqual(['6']);
    expect(s.fake.mock.commandCalls(InvokeCommand).map((c) => c.args[0].input.Qualifier)).toEqual(['6']);
    expect(s.fake.world.tags['glidepath:live:previous']).toBe('7');
  });

  it('on-call rollback with nothing recorded: refused, nothing moved, and says why', async () => {
    const s = scenario({ inputs: { command: 'rollback' } });
    const out = await s.run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /^nothing was moved: no version of function checkout is recorded as the one before version 7 on alias live \(tag glidepath:live:previous, .*\); to go back to a version, deploy it with lambda-version$/,
    );
    expect(s.fake.mock.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(s.fake.mock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('on-call rollback to a version a deploy rejected: refused', async () => {
    const s = scenario({
      inputs: { command: 'rollback' },
      tags: { 'glidepath:live:previous': '6', 'glidepath:live:rejected': '6' },
    });
    const out = await s.run();
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /^nothing was moved: version 6 is marked rejected: .*run rollback with force: true to send all traffic to version 6 anyway$/,
    );
    expect(s.fake.mock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('on-call rollback with force: true lifts the mark on the version, invokes it, and goes back', async () => {
    const s = scenario({
      inputs: { command: 'rollback', force: 'true' },
      tags: {
        'glidepath:live:previous': '6',
        'glidepath:live:rejected': '6',
        'glidepath:live:rejected-at': '2026-11-20T09:00:00.000Z',
        'glidepath:live:rejected-reason': 'rolled back: error rate',
        'glidepath:live:rejected-run': 'https://github.com/acme/checkout/actions/runs/990',
      },
    });
    const out = await s.run();
    expect(out.result).toBe('rolled-back');
    expect(out.reason).toMatch(
      /^rolled back on request, forced by .* past Glidepath's rejected mark .*: version 6 has 100% again/,
    );
    expect(aliasWrites(s.fake)).toEqual(['6']);
    expect(s.fake.mock.commandCalls(InvokeCommand).map((c) => c.args[0].input.Qualifier)).toEqual(['6']);
    expect(Object.keys(s.fake.world.tags).filter((k) => k.includes('rejected'))).toEqual([]);
  });

  it('status names the versions of a split in progress', async () => {
    const s = scenario({
      inputs: { command: 'status' },
      tags: { 'glidepath:live:target': '8 from 7' },
      extra: { '8': 0.25 },
      versions: ['6', '7', '8'],
    });
    const out = await s.run();
    expect(out).toMatchObject({ result: 'unchanged', live: 'blue', previous: 'green', weight: 25 });
    expect(out.reason).toBe('a deploy to version 8 is in progress: version 7 75% / version 8 25%');
  });
});
