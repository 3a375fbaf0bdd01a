import { describe, expect, it } from 'vitest';
import { formatElapsed } from '../../src/config/durations.js';
import {
  DescribeTargetHealthCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  TargetHealthCheck,
  targetHealthGate,
  waitForHealthyTargets,
} from '../../src/checks/target-health.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { BLUE_TG, GREEN_TG, fakeAlb, healthy, notHealthy, weightedActions } from '../traffic/alb-fake.js';

/** A fake ALB whose green target group answers `polls[i]` on the i-th DescribeTargetHealth (the last one repeats). */
function scripted(polls: TargetHealthDescription[][]) {
  const alb = fakeAlb('rule', weightedActions(999, 0));
  let i = 0;
  alb.mock
    .on(DescribeTargetHealthCommand)
    .callsFake(async () => ({ TargetHealthDescriptions: polls[Math.min(i++, polls.length - 1)] }));
  return alb;
}

const ctx = (clock: FakeClock) => ({
  target: 'green' as const,
  live: 'blue' as const,
  weight: 25,
  now: clock.now(),
  windowStart: clock.now() - 10_000,
});

describe('waitForHealthyTargets', () => {
  it('polls with progress lines until every target is healthy', async () => {
    const { client, mock } = scripted([
      [
        healthy('i-1'),
        healthy('i-2'),
        notHealthy('i-3', 'initial', 'Elb.InitialHealthChecking', 'Initial health checks in progress'),
      ],
      [
        healthy('i-1'),
        healthy('i-2'),
        healthy('i-3'),
        notHealthy('i-0', 'draining', 'Target.DeregistrationInProgress'),
      ],
    ]);
    const clock = new FakeClock();
    const log: string[] = [];
    const s = await waitForHealthyTargets(client, GREEN_TG, {
      timeoutMs: 300_000,
      intervalMs: 20_000,
      sleep: (ms) => clock.sleep(ms),
      now: () => clock.now(),
      log: (l) => log.push(l),
      label: 'green',
    });
    expect(log).toEqual([
      'green: 2/3 healthy (1 initial: Elb.InitialHealthChecking) · 0s/5m',
      'green: 3/3 healthy, 1 draining · 20s/5m',
    ]);
    expect(s).toMatchObject({ total: 3, healthy: 3, draining: 1 });
    expect(mock.commandCalls(DescribeTargetHealthCommand).map((c) => c.args[0].input)).toEqual([
      { TargetGroupArn: GREEN_TG },
      { TargetGroupArn: GREEN_TG },
    ]);
  });

  it('times out at the bound naming the states and reasons', async () => {
    const { client, mock } = scripted([
      [
        healthy('i-1'),
        notHealthy(
          'i-2',
          'unhealthy',
          'Target.ResponseCodeMismatch',
          'Health checks failed with these codes: [502]',
        ),
        notHealthy('i-3', 'unhealthy', 'Target.Timeout', 'Request timed out'),
      ],
    ]);
    const clock = new FakeClock();
    const start = clock.now();
    const log: string[] = [];
    await expect(
      waitForHealthyTargets(client, GREEN_TG, {
        timeoutMs: 60_000,
        intervalMs: 15_000,
        sleep: (ms) => clock.sleep(ms),
        now: () => clock.now(),
        log: (l) => log.push(l),
        label: 'green',
      }),
    ).rejects.toThrow(
      'target group of green not healthy after 1m (bound 1m): 1/3 healthy (2 unhealthy: Target.ResponseCodeMismatch, Target.Timeout): ' +
        'i-2:8080 unhealthy Target.ResponseCodeMismatch (Health checks failed with these codes: [502]); i-3:8080 unhealthy Target.Timeout (Request timed out)',
    );
    // polls at 0, 15, 30, 45, 60 s: never sleeps past the bound
    expect(mock.commandCalls(DescribeTargetHealthCommand)).toHaveLength(5);
    expect(clock.now() - start).toBe(60_000);
    expect(log.at(-1)).toBe(
      'green: 1/3 healthy (2 unhealthy: Target.ResponseCodeMismatch, Target.Timeout) · 1m/1m',
    );
  });

  it('an empty target group is never healthy', async () => {
    const { client } = scripted([[]]);
    const clock = new FakeClock();
    await expect(
      waitForHealthyTargets(client, GREEN_TG, {
        timeoutMs: 10_000,
        intervalMs: 5_000,
        sleep: (ms) => clock.sleep(ms),
        now: () => clock.now(),
        log: () => undefined,
        label: 'green',
      }),
    ).rejects.toThrow(/no targets registered/);
  });

  it('the engine gate returns the reason instead of throwing', async () => {
    const { client } = scripted([[notHealthy('i-9', 'unhealthy', 'Target.FailedHealthChecks')]]);
    const clock = new FakeClock();
    const gate = targetHealthGate({
      client,
      targetGroups: { blue: BLUE_TG, green: GREEN_TG },
      timeoutMs: 30_000,
      intervalMs: 10_000,
      sleep: (ms, signal) => clock.sleep(ms, signal),
      now: () => clock.now(),
      log: () => undefined,
    });
    const why = await gate.run({ target: 'green', live: 'blue', signal: new AbortController().signal });
    expect(why).toMatch(
      /^target group of green not healthy after 30s .*i-9:8080 unhealthy Target\.FailedHealthChecks$/,
    );
  });

  it('formats durations', () => {
    expect([0, 20_000, 60_000, 90_000, 300_000, 3_600_000, 5_400_000].map(formatElapsed)).toEqual([
      '0s',
      '20s',
      '1m',
      '1m30s',
      '5m',
      '1h',
      '1h30m',
    ]);
  });
});

describe('TargetHealthCheck', () => {
  it('one DescribeTargetHealth of the new slot per evaluation → a targets signal with reasons', async () => {
    const { client, mock } = scripted([
      [
        healthy('i-1'),
        notHealthy(
          'i-2',
          'unhealthy',
          'Target.ResponseCodeMismatch',
          'Health checks failed with these codes: [500]',
        ),
        notHealthy('i-3', 'initial', 'Elb.InitialHealthChecking'),
        notHealthy('i-4', 'unhealthy.draining', 'Target.DeregistrationInProgress'),
      ],
    ]);
    const clock = new FakeClock();
    const check = new TargetHealthCheck({ client, targetGroups: { blue: BLUE_TG, green: GREEN_TG } });
    const signals = await check.collect(ctx(clock));
    expect(signals).toEqual([
      {
        kind: 'targets',
        at: clock.now(),
        slot: 'green',
        total: 3,
        // initial is still being checked: listed, not counted; draining is leaving: neither
        unhealthy: 1,
        reasons: [
          'i-2:8080 unhealthy Target.ResponseCodeMismatch (Health checks failed with these codes: [500])',
          'i-3:8080 initial Elb.InitialHealthChecking',
        ],
      },
    ]);
    expect(mock.commandCalls(DescribeTargetHealthCommand).map((c) => c.args[0].input)).toEqual([
      { TargetGroupArn: GREEN_TG },
    ]);
  });

  it('caps the reasons at five lines', async () => {
    const many = Array.from({ length: 8 }, (_, i) => notHealthy(`i-${i}`, 'unhealthy', 'Target.Timeout'));
    const { client } = scripted([many]);
    const [s] = await new TargetHealthCheck({
      client,
      targetGroups: { blue: BLUE_TG, green: GREEN_TG },
    }).collect(ctx(new FakeClock()));
    expect(s).toMatchObject({ total: 8, unhealthy: 8 });
    expect(s?.kind === 'targets' && s.reasons).toEqual([
      ...many.slice(0, 5).map((_, i) => `i-${i}:8080 unhealthy Target.Timeout`),
      'and 3 more',
    ]);
  });
});
