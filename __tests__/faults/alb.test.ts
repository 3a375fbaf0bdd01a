// Fault suite: the ALB API misbehaves mid-run. The engine drives the real AlbRouter (real SDK v3
// client, aws-sdk-client-mock behind it, __tests__/traffic/alb-fake.ts) on the fake clock; each case
// asserts the exact requests sent, where the weights end, the result and that the reason names the fault.
import { describe, expect, it } from 'vitest';
import {
  AddTagsCommand,
  ElasticLoadBalancingV2ServiceException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RemoveTagsCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { parseInputs } from '../../src/config/parse.js';
import { buildPlan } from '../../src/plan/build.js';
import { runEngine } from '../../src/engine/engine.js';
import { Timeline } from '../../src/ports/timeline.js';
import { AlbRouter, TAG_LOCK, type AlbProvider } from '../../src/traffic/alb.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHooks, ScriptedCheck, ok } from '../helpers/fakes.js';
import {
  BLUE_TG,
  GREEN_TG,
  LISTENER_ARN,
  RULE_ARN,
  fakeAlb,
  throttle,
  weightedActions,
} from '../traffic/alb-fake.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

function awsError(name: string, status: number, message: string, fault: 'client' | 'server' = 'server') {
  return new ElasticLoadBalancingV2ServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
    message,
  });
}

/**
 * A canary 5,50 with 5-minute steps on an ALB rule (or listener) at blue 999 / green 0; the router
 * as the bundle builds it (its default bounded backoff), jitter fixed at half.
 */
function scenario(kind: 'rule' | 'listener' = 'rule') {
  const clock = new FakeClock(T0);
  const alb = fakeAlb(kind, weightedActions(999, 0));
  const parsed = parseInputs({
    provider: 'alb',
    ...(kind === 'rule' ? { 'alb-rule-arn': RULE_ARN } : { 'alb-listener-arn': LISTENER_ARN }),
    'blue-target': BLUE_TG,
    'green-target': GREEN_TG,
    strategy: 'canary',
    'canary-steps': '5,50',
    interval: '5m',
    'probe-interval': '30s',
    // the check here is a command's exit code: no request counts to wait for
    'min-requests': '0',
  });
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.input}: ${e.message}`).join('\n'));
  const config = parsed.config;
  const log: string[] = [];
  const router = new AlbRouter({
    client: alb.client,
    provider: config.provider as AlbProvider,
    now: () => clock.now(),
    sleep: (ms) => clock.sleep(ms),
    retry: { random: () => 0.5 },
    log: (line) => log.push(line),
  });
  const timeline = new Timeline();
  const splits: unknown[] = [];
  const locks: boolean[] = [];
  const run = () =>
    runEngine({
      config,
      plan: buildPlan(config),
      router,
      checks: [new ScriptedCheck((ctx) => [ok(ctx.now)])],
      hooks: new FakeHooks(),
      clock,
      timeline,
      runId: 'run-2001-1',
      runUrl: 'https://github.com/acme/web/actions/runs/2001/attempts/1',
      onSplit: (s) => splits.push(s),
      onLock: (held) => locks.push(held),
    });
  /** green's raw weight in every Modify request sent, failed attempts included */
  const greenWrites = () =>
    (kind === 'rule'
      ? alb.mock.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input.Actions)
      : alb.mock.commandCalls(ModifyListenerCommand).map((c) => c.args[0].input.DefaultActions)
    ).map((actions?: Action[]) => {
      return (actions ?? [])
        .find((a) => a.Type === 'forward')
        ?.ForwardConfig?.TargetGroups?.find((t) => t.TargetGroupArn === GREEN_TG)?.Weight;
    });
  /** the minute (from the start) the run is at: 5-minute steps put step 2's write at 5 */
  const minute = () => (clock.now() - T0) / 60_000;
  return { clock, alb, run, greenWrites, log, splits, locks, timeline, minute };
}

describe('fault: ALB API throttling storm (engine, mocked SDK client)', () => {
  it('every ELBv2 call throttled for 8 s from the read-back after step 1: the bounded backoff rides it out and the canary promotes', async () => {
    const s = scenario();
    let stormEnd = Number.POSITIVE_INFINITY;
    s.alb.world.fail = () => {
      if (stormEnd === Number.POSITIVE_INFINITY && s.minute() >= 5) stormEnd = s.clock.now() + 8_000;
      return s.minute() >= 5 && s.clock.now() < stormEnd ? throttle() : undefined;
    };
    const out = await s.run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green', weight: 100 });
    expect(s.alb.weights()).toEqual({ blue: 0, green: 999 });
    expect(s.greenWrites()).toEqual([50, 500, 999]);
    // 0.4 + 0.8 + 1.5 + 3 s of backoff were not enough, the sixth try (after 6 s more) went through
    expect(s.log).toEqual([
      'ALB DescribeRules throttled, retry 1/5 in 0.4s',
      'ALB DescribeRules throttled, retry 2/5 in 0.8s',
      'ALB DescribeRules throttled, retry 3/5 in 1.5s',
      'ALB DescribeRules throttled, retry 4/5 in 3.0s',
      'ALB DescribeRules throttled, retry 5/5 in 6.0s',
    ]);
    expect(s.alb.world.tags[TAG_LOCK]).toBeUndefined();
  });

  it('every ELBv2 call throttled for 40 s from the read-back after step 1: the step fails naming Throttling, the restore outlasts the storm, blue 100%, lock released', async () => {
    const s = scenario();
    let stormEnd = Number.POSITIVE_INFINITY;
    s.alb.world.fail = () => {
      if (stormEnd === Number.POSITIVE_INFINITY && s.minute() >= 5) stormEnd = s.clock.now() + 40_000;
      return s.minute() >= 5 && s.clock.now() < stormEnd ? throttle() : undefined;
    };
    const out = await s.run();
    expect(out).toMatchObject({ result: 'failed', live: 'blue', weight: 0 });
    expect(out.reason).toBe(
      `fault: could not read the weights from ALB rule app/web/50dc6c495c0c9188 (blue: web-blue, green: web-green) after step 1: ALB DescribeRules on ${RULE_ARN} failed: Throttling: Rate exceeded; traffic restored to blue`,
    );
    // three reads of six tries each gave up (36 s); the restore's read then waited out the storm
    expect(s.log.filter((l) => l.endsWith('retry 1/5 in 0.4s'))).toHaveLength(4);
    expect(s.greenWrites()).toEqual([50, 0]);
    expect(s.alb.weights()).toEqual({ blue: 999, green: 0 });
    expect(s.splits.at(-1)).toBeUndefined();
    expect(s.alb.mock.commandCalls(RemoveTagsCommand).length).toBeGreaterThan(0);
    expect(s.alb.world.tags[TAG_LOCK]).toBeUndefined();
  });
});

describe('fault: ALB API answers 5xx (engine, mocked SDK client)', () => {
  it('ModifyRule answers 503 at step 2 (after the SDK gave up): blue restored to 100%, result failed naming the 503', async () => {
    const s = scenario();
    let sent = false;
    s.alb.world.fail = (command) => {
      if (command !== 'ModifyRule' || sent || s.minute() < 5) return undefined;
      sent = true;
      return awsError('ServiceUnavailable', 503, 'Service Unavailable');
    };
    const out = await s.run();
    expect(out).toMatchObject({ result: 'failed', live: 'blue', weight: 0 });
    expect(out.reason).toMatch(
      /^fault: ALB ModifyRule on \S+ failed: ServiceUnavailable: Service Unavailable; traffic restored to blue$/,
    );
    // 5%, the refused 50%, then blue back to 999 at once
    expect(s.greenWrites()).toEqual([50, 500, 0]);
    expect(s.alb.weights()).toEqual({ blue: 999, green: 0 });
    expect(s.alb.world.tags[TAG_LOCK]).toBeUndefined();
  });

  it('the restore itself meets a 500 twice: it retries (0.5 s, then 1 s) and blue gets 100%', async () => {
    const s = scenario();
    let failures = 0;
    s.alb.world.fail = (command) => {
      if (command !== 'ModifyRule' || s.minute() < 5) return undefined;
      // the step-2 write and the first two restore attempts
      if (failures++ < 3) return awsError('InternalFailure', 500, 'We encountered an internal error.');
      return undefined;
    };
    const out = await s.run();
    expect(out).toMatchObject({ result: 'failed', live: 'blue' });
    expect(out.reason).toMatch(
      /InternalFailure: We encountered an internal error\.; traffic restored to blue$/,
    );
    expect(s.greenWrites()).toEqual([50, 500, 0, 0, 0]);
    expect(s.alb.weights()).toEqual({ blue: 999, green: 0 });
  });

  it('DescribeRules answers 500 once during the read-back after a step: read again 0.5 s later, the canary promotes', async () => {
    const s = scenario();
    let sent = false;
    s.alb.world.fail = (command) => {
      if (command !== 'DescribeRules' || sent || s.minute() < 10) return undefined;
      sent = true;
      return awsError('InternalFailure', 500, 'We encountered an internal error.');
    };
    const out = await s.run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green', weight: 100 });
    expect(sent).toBe(true);
    expect(s.greenWrites()).toEqual([50, 500, 999]);
  });
});

describe('fault: the ALB accepts a write but reads back other weights (engine, mocked SDK client)', () => {
  async function tampered(kind: 'rule' | 'listener'): Promise<void> {
    const s = scenario(kind);
    // onModify runs after the tamper check: arm it for the step-2 write from the step-1 one
    s.alb.world.onModify = () => {
      if (s.greenWrites().length === 1) s.alb.world.tamperAfterModify = () => weightedActions(700, 299);
    };
    const out = await s.run();
    expect(out).toMatchObject({ result: 'failed', live: 'blue', weight: 0 });
    expect(out.reason).toBe(
      `fault: ALB: read-back mismatch on the ${kind} ${kind === 'rule' ? RULE_ARN : LISTENER_ARN}: wrote blue 500, green 500; read blue 700, green 299 (0..999 scale); traffic restored to blue`,
    );
    expect(s.greenWrites()).toEqual([50, 500, 0]);
    expect(s.alb.weights()).toEqual({ blue: 999, green: 0 });
    expect(s.alb.world.tags[TAG_LOCK]).toBeUndefined();
  }

  it('ModifyRule succeeds but reads back blue 700 / green 299 at step 2: rolled back to blue 100%, result failed naming both weights', () =>
    tampered('rule'));

  it('ModifyListener succeeds but reads back blue 700 / green 299 at step 2: rolled back to blue 100%, result failed naming both weights', () =>
    tampered('listener'));
});

describe('fault: AWS credentials expire mid-run (engine, mocked SDK client)', () => {
  it('every call fails ExpiredToken from minute 5 on: the restore cannot write, result failed naming expired credentials and saying traffic may still be split; the split and the lock stay saved for the post step', async () => {
    const s = scenario();
    s.alb.world.fail = () =>
      s.minute() >= 5
        ? awsError('ExpiredToken', 400, 'The security token included in the request is expired', 'client')
        : undefined;
    const out = await s.run();
    expect(out).toMatchObject({ result: 'failed', live: 'blue' });
    const expired = `ALB DescribeRules on ${RULE_ARN} failed: ExpiredToken: The security token included in the request is expired (the AWS credentials expired mid-run: give the role a session that outlasts timeout plus hook-timeout, e.g. role-duration-seconds of aws-actions/configure-aws-credentials)`;
    expect(out.reason).toBe(
      `fault: could not read the weights from ALB rule app/web/50dc6c495c0c9188 (blue: web-blue, green: web-green) after step 1: ${expired}; ` +
        `could not restore blue to 100% after 4 attempts (${expired}); traffic last seen at blue 95% / green 5% on ALB rule app/web/50dc6c495c0c9188 (blue: web-blue, green: web-green) and may still be split: set blue to 100% by hand`,
    );
    // not a throttle: no backoff of its own, and no write without a read first
    expect(s.log).toEqual([]);
    expect(s.greenWrites()).toEqual([50]);
    expect(s.alb.weights()).toEqual({ blue: 950, green: 50 });
    // the post step gets the split to restore, and the lock to release
    expect(s.splits.at(-1)).toEqual({ live: 'blue', target: 'green', weights: { blue: 95, green: 5 } });
    expect(s.locks).toEqual([true]);
    expect(s.alb.mock.commandCalls(AddTagsCommand).length).toBeGreaterThan(0);
  });
});
