import { describe, expect, it } from 'vitest';
import {
  AddTagsCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RemoveTagsCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AlbRouter, TAG_LOCK, toAlbWeights, toPercent } from '../../src/traffic/alb.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { LOCK_CLOCK_SKEW_MS } from '../../src/config/limits.js';
import {
  BLUE_TG,
  GREEN_TG,
  LISTENER_ARN,
  RULE_ARN,
  fakeAlb,
  healthy,
  notHealthy,
  weightedActions,
} from './alb-fake.js';

function router(kind: 'rule' | 'listener', actions: Action[], tags: Record<string, string> = {}) {
  const alb = fakeAlb(kind, actions, tags);
  const clock = new FakeClock();
  const logs: string[] = [];
  const r = new AlbRouter({
    client: alb.client,
    provider: {
      kind: 'alb',
      ...(kind === 'rule' ? { ruleArn: RULE_ARN, listenerArn: LISTENER_ARN } : { listenerArn: LISTENER_ARN }),
      blueTargetGroupArn: BLUE_TG,
      greenTargetGroupArn: GREEN_TG,
    },
    now: () => clock.now(),
    sleep: (ms) => clock.sleep(ms),
    retry: { attempts: 4, baseMs: 500, maxMs: 4000, random: () => 0.5 },
    log: (l) => logs.push(l),
  });
  return { ...alb, clock, logs, router: r };
}

const inputs = <T>(calls: { args: [{ input: T }] }[]): T[] => calls.map((c) => c.args[0].input);

describe('ALB weight scale', () => {
  it('maps percent ×10 and 100% to 999 / 0', () => {
    expect(toAlbWeights({ blue: 95, green: 5 })).toEqual({ blue: 950, green: 50 });
    expect(toAlbWeights({ blue: 87.5, green: 12.5 })).toEqual({ blue: 875, green: 125 });
    expect(toAlbWeights({ blue: 100, green: 0 })).toEqual({ blue: 999, green: 0 });
    expect(toAlbWeights({ blue: 0, green: 100 })).toEqual({ blue: 0, green: 999 });
    expect(toPercent({ blue: 999, green: 0 })).toEqual({ blue: 100, green: 0 });
    expect(toPercent({ blue: 1, green: 2 })).toEqual({ blue: 33.3, green: 66.7 });
  });

  it('round-trips every integer percent exactly', () => {
    for (let g = 0; g <= 100; g++)
      expect(toPercent(toAlbWeights({ blue: 100 - g, green: g }))).toEqual({ blue: 100 - g, green: g });
  });

  it('refuses a total of 0 and splits that do not add up to 100', () => {
    expect(() => toAlbWeights({ blue: 0, green: 0 })).toThrow(/total weight of 0/);
    expect(() => toAlbWeights({ blue: 60, green: 60 })).toThrow(/add up to 100.*120/);
    expect(() => toAlbWeights({ blue: -5, green: 105 })).toThrow(/weight of blue is -5/);
  });
});

describe('AlbRouter.read', () => {
  it('reads a rule: DescribeRules by ARN, weights as percent of their sum', async () => {
    const { router: r, mock } = router('rule', weightedActions(950, 50));
    const state = await r.read();
    expect(state.weights).toEqual({ blue: 95, green: 5 });
    expect(state.detail).toBe('web-blue 950, web-green 50 (ALB weights 0..999)');
    expect(inputs(mock.commandCalls(DescribeRulesCommand))).toEqual([{ RuleArns: [RULE_ARN] }]);
    expect(mock.commandCalls(DescribeListenersCommand)).toHaveLength(0);
  });

  it('reads a listener default action: DescribeListeners by ARN', async () => {
    const { router: r, mock } = router('listener', weightedActions(1, 1));
    expect((await r.read()).weights).toEqual({ blue: 50, green: 50 });
    expect(inputs(mock.commandCalls(DescribeListenersCommand))).toEqual([{ ListenerArns: [LISTENER_ARN] }]);
  });

  it('takes a plain forward (TargetGroupArn only) as 100% to that group', async () => {
    const { router: r } = router('rule', [{ Type: 'forward', Order: 1, TargetGroupArn: GREEN_TG }]);
    expect((await r.read()).weights).toEqual({ blue: 0, green: 100 });
  });

  it('names the groups it found when the forward holds neither slot', async () => {
    const other = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/legacy/1111111111111111';
    const { router: r } = router('rule', [{ Type: 'forward', TargetGroupArn: other }]);
    await expect(r.read()).rejects.toThrow(
      /goes to legacy, neither blue-target \(web-blue\) nor green-target \(web-green\)/,
    );
  });

  it('says so when there is no forward action at all', async () => {
    const { router: r } = router('rule', [
      { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } },
    ]);
    await expect(r.read()).rejects.toThrow(/no forward action \(actions: fixed-response\)/);
  });
});

describe('AlbRouter.set', () => {
  it('rule: ModifyRule sends back every action as read, only the two weights changed', async () => {
    const { router: r, mock } = router('rule', weightedActions(999, 0));
    const state = await r.set({ blue: 75, green: 25 });
    expect(state.weights).toEqual({ blue: 75, green: 25 });
    const calls = inputs(mock.commandCalls(ModifyRuleCommand));
    expect(calls).toEqual([
      {
        RuleArn: RULE_ARN,
        Actions: [
          {
            Type: 'authenticate-cognito',
            Order: 1,
            AuthenticateCognitoConfig: {
              UserPoolArn: 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc',
              UserPoolClientId: 'client-1',
              UserPoolDomain: 'login',
              OnUnauthenticatedRequest: 'authenticate',
            },
          },
          {
            Type: 'forward',
            Order: 2,
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: BLUE_TG, Weight: 750 },
                { TargetGroupArn: GREEN_TG, Weight: 250 },
              ],
              TargetGroupStickinessConfig: { Enabled: false },
            },
          },
        ],
      },
    ]);
    // conditions are not sent, so ELBv2 keeps them; the listener is never touched
    expect(mock.commandCalls(ModifyListenerCommand)).toHaveLength(0);
    // read before writing, read back after
    expect(mock.commandCalls(DescribeRulesCommand)).toHaveLength(2);
  });

  it('listener: ModifyListener keeps stickiness and Order, and the summary warns about stickiness', async () => {
    const { router: r, mock } = router(
      'listener',
      weightedActions(999, 0, { Enabled: true, DurationSeconds: 3600 }),
    );
    await r.set({ blue: 95, green: 5 });
    expect(inputs(mock.commandCalls(ModifyListenerCommand))).toEqual([
      {
        ListenerArn: LISTENER_ARN,
        DefaultActions: [
          weightedActions(0, 0)[0],
          {
            Type: 'forward',
            Order: 2,
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: BLUE_TG, Weight: 950 },
                { TargetGroupArn: GREEN_TG, Weight: 50 },
              ],
              TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
            },
          },
        ],
      },
    ]);
    expect(mock.commandCalls(ModifyRuleCommand)).toHaveLength(0);
    expect(r.stickinessWarning).toMatch(/stickiness is on \(1h\).*up to 1h.*rollback/);
    expect(r.warnings.filter((w) => /stickiness/.test(w))).toHaveLength(1);
  });

  it('turns a plain forward into a weighted one without the single TargetGroupArn', async () => {
    const { router: r, mock } = router('rule', [
      { Type: 'fixed-response', Order: 1, FixedResponseConfig: { StatusCode: '200' } },
      {
        Type: 'forward',
        Order: 2,
        TargetGroupArn: BLUE_TG,
        ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE_TG, Weight: 1 }] },
      },
    ]);
    await r.set({ blue: 90, green: 10 });
    const sent = inputs(mock.commandCalls(ModifyRuleCommand))[0];
    expect(sent?.Actions?.[1]).toEqual({
      Type: 'forward',
      Order: 2,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: BLUE_TG, Weight: 900 },
          { TargetGroupArn: GREEN_TG, Weight: 100 },
        ],
      },
    });
    expect(sent?.Actions?.[0]).toEqual({
      Type: 'fixed-response',
      Order: 1,
      FixedResponseConfig: { StatusCode: '200' },
    });
  });

  it('keeps the stored OIDC client secret (UseExistingClientSecret) when sending an authenticate action back', async () => {
    const oidc: Action = {
      Type: 'authenticate-oidc',
      Order: 1,
      AuthenticateOidcConfig: {
        Issuer: 'https://idp.example',
        AuthorizationEndpoint: 'https://idp.example/auth',
        TokenEndpoint: 'https://idp.example/token',
        UserInfoEndpoint: 'https://idp.example/userinfo',
        ClientId: 'abc',
      },
    };
    const { router: r, mock } = router('rule', [oidc, weightedActions(999, 0)[1]!]);
    await r.set({ blue: 50, green: 50 });
    const sent = inputs(mock.commandCalls(ModifyRuleCommand))[0]?.Actions?.[0];
    expect(sent).toEqual({
      ...oidc,
      AuthenticateOidcConfig: { ...oidc.AuthenticateOidcConfig, UseExistingClientSecret: true },
    });
  });

  it('keeps a third target group at weight 0 and refuses when it carries traffic', async () => {
    const third =
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/maintenance/2222222222222222';
    const fwd = (w: number): Action => ({
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: BLUE_TG, Weight: 999 },
          { TargetGroupArn: GREEN_TG, Weight: 0 },
          { TargetGroupArn: third, Weight: w },
        ],
      },
    });
    const quiet = router('rule', [fwd(0)]);
    await quiet.router.set({ blue: 80, green: 20 });
    expect(
      inputs(quiet.mock.commandCalls(ModifyRuleCommand))[0]?.Actions?.[0]?.ForwardConfig?.TargetGroups,
    ).toEqual([
      { TargetGroupArn: BLUE_TG, Weight: 800 },
      { TargetGroupArn: GREEN_TG, Weight: 200 },
      { TargetGroupArn: third, Weight: 0 },
    ]);
    const busy = router('rule', [fwd(5)]);
    await expect(busy.router.set({ blue: 80, green: 20 })).rejects.toThrow(
      /also sends traffic to maintenance \(weight 5\)/,
    );
    expect(busy.mock.commandCalls(ModifyRuleCommand)).toHaveLength(0);
  });

  it('refuses a total of 0 before calling AWS', async () => {
    const { router: r, mock } = router('rule', weightedActions(999, 0));
    await expect(r.set({ blue: 0, green: 0 })).rejects.toThrow(/refusing to write a total weight of 0/);
    expect(mock.calls()).toHaveLength(0);
  });

  it('a read-back that differs from what was written is a fault naming both', async () => {
    const { router: r, world } = router('rule', weightedActions(999, 0));
    world.tamperAfterModify = () => weightedActions(999, 0);
    await expect(r.set({ blue: 75, green: 25 })).rejects.toThrow(
      /read-back mismatch.*wrote blue 750, green 250; read blue 999, green 0/,
    );
  });

  it('throttled ModifyRule twice, then success: backs off and continues', async () => {
    const { router: r, mock, world, clock, logs } = router('rule', weightedActions(999, 0));
    world.throttleModify = 2;
    const state = await r.set({ blue: 50, green: 50 });
    expect(state.weights).toEqual({ blue: 50, green: 50 });
    expect(mock.commandCalls(ModifyRuleCommand)).toHaveLength(3);
    // equal jitter with random 0.5: 500 → 375 ms, 1000 → 750 ms
    expect(clock.sleeps).toEqual(expect.arrayContaining([375, 750]));
    expect(logs).toEqual([
      'ALB ModifyRule throttled, retry 1/3 in 0.4s',
      'ALB ModifyRule throttled, retry 2/3 in 0.8s',
    ]);
  });

  it('throttled forever: gives up after the bounded attempts with the AWS error', async () => {
    const { router: r, mock, world, clock } = router('rule', weightedActions(999, 0));
    world.throttleModify = Number.POSITIVE_INFINITY;
    const start = clock.now();
    await expect(r.set({ blue: 50, green: 50 })).rejects.toThrow(
      /ModifyRule on .* failed: Throttling: Rate exceeded/,
    );
    expect(mock.commandCalls(ModifyRuleCommand)).toHaveLength(4);
    expect(world.actions).toEqual(weightedActions(999, 0));
    // bounded: three backoffs (375 + 750 + 1500) plus pacing gaps, a few seconds of fake time
    expect(clock.now() - start).toBeLessThan(5000);
  });

  it('paces mutating calls at least 334 ms apart', async () => {
    const { router: r, mock, clock } = router('rule', weightedActions(999, 0));
    const at: number[] = [];
    mock.on(ModifyRuleCommand).callsFake(async (input: { Actions: Action[] }) => {
      at.push(clock.now());
      return { Rules: [{ RuleArn: RULE_ARN, Actions: input.Actions }] };
    });
    // the read-back stays stale here, so each set fails after its write; only the timing matters
    await Promise.allSettled([
      r.set({ blue: 90, green: 10 }),
      r.set({ blue: 80, green: 20 }),
      r.set({ blue: 70, green: 30 }),
    ]);
    expect(at).toHaveLength(3);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(334);
  });
});

describe('AlbRouter lock and record', () => {
  const ISO = (t: number) => new Date(t).toISOString();

  it('takes a free lock: a tag `<run> <expiry>` on the rule, verified by reading it back', async () => {
    const { router: r, mock, clock, world } = router('rule', weightedActions(999, 0));
    await r.lock('run-42', 3_600_000);
    const value = `run-42 ${ISO(clock.now() + 3_600_000)}`;
    expect(inputs(mock.commandCalls(AddTagsCommand))).toEqual([
      { ResourceArns: [RULE_ARN], Tags: [{ Key: TAG_LOCK, Value: value }] },
    ]);
    expect(inputs(mock.commandCalls(DescribeTagsCommand))).toEqual([
      { ResourceArns: [RULE_ARN] },
      { ResourceArns: [RULE_ARN] },
    ]);
    expect(world.tags[TAG_LOCK]).toBe(value);
  });

  it('a live lock of another run: throws naming the holder and expiry, writes nothing', async () => {
    const clock = new FakeClock();
    const until = ISO(clock.now() + 60_000);
    const { router: r, mock } = router('listener', weightedActions(999, 0), { [TAG_LOCK]: `run-7 ${until}` });
    await expect(r.lock('run-8', 600_000)).rejects.toThrow(
      new RegExp(`locked by run run-7 until ${until.replace(/\./g, '\\.')}`),
    );
    expect(mock.commandCalls(AddTagsCommand)).toHaveLength(0);
    expect(mock.commandCalls(ModifyListenerCommand)).toHaveLength(0);
  });

  it('an expired lock is taken over with a warning, once it is past the clock-skew tolerance', async () => {
    const clock = new FakeClock();
    const expired = ISO(clock.now() - LOCK_CLOCK_SKEW_MS - 1000);
    const { router: r, world } = router('rule', weightedActions(999, 0), { [TAG_LOCK]: `run-7 ${expired}` });
    await r.lock('run-8', 600_000);
    expect(world.tags[TAG_LOCK]).toMatch(/^run-8 /);
    expect(r.warnings).toEqual([
      expect.stringContaining(`took over the expired lock of run run-7 (expired ${expired})`),
    ]);
  });

  it('a lock expired by this clock but within the skew tolerance still stops the run, saying when it is taken over', async () => {
    const clock = new FakeClock();
    const expired = ISO(clock.now() - 60_000);
    const { router: r, mock } = router('rule', weightedActions(999, 0), { [TAG_LOCK]: `run-7 ${expired}` });
    await expect(r.lock('run-8', 600_000)).rejects.toThrow(
      `locked by run run-7 until ${expired} (expired by this runner's clock, but clocks may differ by up to 5m: it is taken over after ${ISO(clock.now() - 60_000 + LOCK_CLOCK_SKEW_MS)})`,
    );
    expect(mock.commandCalls(AddTagsCommand)).toHaveLength(0);
  });

  it('a tag in another format is never taken over: refused naming the tag, its value and the command that clears it', async () => {
    const {
      router: r,
      mock,
      world,
    } = router('rule', weightedActions(999, 0), {
      [TAG_LOCK]: 'deploy-bot holds this',
    });
    const clear = `aws elbv2 remove-tags --region eu-west-1 --resource-arns ${RULE_ARN} --tag-keys glidepath:lock`;
    const refused = r.lock('run-8', 600_000);
    await expect(refused).rejects.toThrow(
      `ALB: the tag glidepath:lock on the rule ${RULE_ARN} holds "deploy-bot holds this", which is not a Glidepath lock`,
    );
    await expect(refused).rejects.toThrow(
      `nothing was moved. If no deploy is running there, clear it: ${clear}`,
    );
    expect(await r.lockClearCommand()).toBe(clear);
    expect(mock.commandCalls(AddTagsCommand)).toHaveLength(0);
    // the engine's release after a refused take leaves it too: this run never wrote it
    await r.unlock('run-8');
    expect(mock.commandCalls(RemoveTagsCommand)).toHaveLength(0);
    expect(world.tags[TAG_LOCK]).toBe('deploy-bot holds this');
    expect(await r.lockHolder()).toMatchObject({
      expiresAt: NaN,
      problem: expect.stringContaining(
        `so every run is refused until it is cleared. If no deploy is running there, clear it: ${clear}`,
      ),
    });
  });

  it("a read-back that fails after the write takes this run's tag off again", async () => {
    const { router: r, mock, world } = router('rule', weightedActions(999, 0));
    const tags = () => ({
      TagDescriptions: [
        { ResourceArn: RULE_ARN, Tags: Object.entries(world.tags).map(([Key, Value]) => ({ Key, Value })) },
      ],
    });
    let n = 0;
    mock.on(DescribeTagsCommand).callsFake(async () => {
      if (++n === 2) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      return tags();
    });
    await expect(r.lock('run-8', 600_000)).rejects.toThrow(/socket hang up/);
    expect(inputs(mock.commandCalls(RemoveTagsCommand))).toEqual([
      { ResourceArns: [RULE_ARN], TagKeys: [TAG_LOCK] },
    ]);
    expect(world.tags[TAG_LOCK]).toBeUndefined();
  });
});

describe('AlbRouter rejected mark and its note', () => {
  const note = {
    run: 'https://github.com/acme/web/actions/runs/123',
    at: Date.parse('2026-12-01T03:12:00.000Z'),
    reason: 'rolled back: green error rate 4.8% (12 of 250 requests, ALB) is above the 1% limit; "bad"',
  };

  it('keeps the note in tags beside the mark, in one AddTags call, in characters a tag value takes', async () => {
    const { router: r, mock, world } = router('rule', weightedActions(999, 0));
    await r.reject('green', note);
    const [call] = inputs(mock.commandCalls(AddTagsCommand));
    expect(call?.ResourceArns).toEqual([RULE_ARN]);
    expect(call?.Tags?.map((t) => t.Key)).toEqual([
      'glidepath:rejected',
      'glidepath:rejected-run',
      'glidepath:rejected-at',
      'glidepath:rejected-reason',
    ]);
    // ELBv2 tag values: letters, digits, spaces and _ . : / = + - @ only
    for (const t of call?.Tags ?? []) expect(t.Value).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u);
    expect(world.tags['glidepath:rejected-at']).toBe('2026-12-01T03:12:00.000Z');
    expect(await r.rejected()).toEqual({ slot: 'green', note });
  });

  it('a long reason is cut to fit a tag value and still reads back', async () => {
    const { router: r, world } = router('rule', weightedActions(999, 0));
    await r.reject('green', { ...note, reason: `rolled back: ${'50% (x) '.repeat(60)}` });
    expect(world.tags['glidepath:rejected-reason']!.length).toBeLessThanOrEqual(256);
    expect((await r.rejected())?.note?.reason).toMatch(/^rolled back: 50% \(x\) 50%/);
  });

  it('lift removes the mark and its note; prepare does the same for a new deploy to the slot', async () => {
    const { router: r, mock, world } = router('rule', weightedActions(999, 0));
    await r.reject('green', note);
    await expect(r.lift('blue')).rejects.toThrow(/no glidepath:rejected tag names blue/);
    await r.lift('green');
    expect(inputs(mock.commandCalls(RemoveTagsCommand)).at(-1)?.TagKeys).toEqual([
      'glidepath:rejected',
      'glidepath:rejected-run',
      'glidepath:rejected-at',
      'glidepath:rejected-reason',
    ]);
    expect(world.tags).toEqual({});
    await r.reject('blue', note);
    await r.prepare('blue');
    expect(await r.rejected()).toBeUndefined();
  });

  it('a mark written by an older Glidepath (no note) reads as a mark without a note', async () => {
    const { router: r } = router('rule', weightedActions(999, 0), { 'glidepath:rejected': 'blue' });
    expect(await r.rejected()).toEqual({ slot: 'blue' });
  });

  it('lockHolder names the run and its expiry for status', async () => {
    const free = router('rule', weightedActions(999, 0));
    expect(await free.router.lockHolder()).toBeUndefined();
    const held = router('rule', weightedActions(999, 0), { [TAG_LOCK]: 'run-7 2099-01-01T00:00:00.000Z' });
    expect(await held.router.lockHolder()).toEqual({
      run: 'run-7',
      expiresAt: Date.parse('2099-01-01T00:00:00.000Z'),
    });
  });
});

describe('AlbRouter slot states for status', () => {
  it('names each target group and its health, unhealthy reasons included', async () => {
    const { router: r, world } = router('rule', weightedActions(999, 0));
    world.health[BLUE_TG] = [healthy('i-b1'), healthy('i-b2')];
    world.health[GREEN_TG] = [healthy('i-g1'), notHealthy('i-g2', 'unhealthy', 'Target.Timeout')];
    expect(await r.slotStates()).toEqual({
      blue: { state: '2/2 healthy', detail: 'web-blue' },
      green: { state: '1/2 healthy', detail: 'web-green, 1 unhealthy: Target.Timeout' },
    });
  });

  it('says so when a group has no targets', async () => {
    const { router: r } = router('rule', weightedActions(999, 0));
    expect((await r.slotStates()).green).toEqual({ state: 'no targets', detail: 'web-green' });
  });
});
