// Target-group stickiness in the weighted forward pins clients to a slot the way HAProxy's cookie does:
// after a restore (reject, evacuate) Glidepath turns it off, weights as they are, so every client follows
// the weights now, and keeps the duration in a tag; the next deploy's prepare turns it back on. The exact
// requests are asserted through aws-sdk-client-mock.
import { describe, expect, it } from 'vitest';
import {
  AddTagsCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RemoveTagsCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AlbRouter, TAG_STICKINESS } from '../../src/traffic/alb.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { BLUE_TG, GREEN_TG, LISTENER_ARN, RULE_ARN, fakeAlb, weightedActions } from './alb-fake.js';

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
const STICKY = { Enabled: true, DurationSeconds: 3600 };
const note = {
  run: 'https://github.com/acme/web/actions/runs/9',
  at: Date.parse('2026-12-01T03:30:00Z'),
  reason: 'rolled back',
};

describe('ALB target-group stickiness after a restore', () => {
  it('reject on a sticky rule: the duration tagged first, then ModifyRule with stickiness off and the weights as they are', async () => {
    const { router: r, mock, world } = router('rule', weightedActions(999, 0, STICKY));
    await r.reject('green', note);

    const added = inputs(mock.commandCalls(AddTagsCommand));
    expect(added.map((a) => a.Tags?.map((t) => t.Key))).toEqual([
      ['glidepath:rejected', 'glidepath:rejected-run', 'glidepath:rejected-at', 'glidepath:rejected-reason'],
      [TAG_STICKINESS],
    ]);
    expect(added[1]).toEqual({ ResourceArns: [RULE_ARN], Tags: [{ Key: TAG_STICKINESS, Value: '3600' }] });
    expect(inputs(mock.commandCalls(ModifyRuleCommand))).toEqual([
      {
        RuleArn: RULE_ARN,
        Actions: [
          weightedActions(0, 0)[0],
          {
            Type: 'forward',
            Order: 2,
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: BLUE_TG, Weight: 999 },
                { TargetGroupArn: GREEN_TG, Weight: 0 },
              ],
              TargetGroupStickinessConfig: { Enabled: false },
            },
          },
        ],
      },
    ]);
    // the tag is written before the forward changes: a later deploy knows to turn it back on
    const order = mock
      .calls()
      .map((c) => (c.args[0] as object).constructor.name)
      .filter((n) => n === 'AddTagsCommand' || n === 'ModifyRuleCommand');
    expect(order).toEqual(['AddTagsCommand', 'AddTagsCommand', 'ModifyRuleCommand']);
    expect(mock.commandCalls(ModifyListenerCommand)).toHaveLength(0);
    expect(world.actions[1]?.ForwardConfig?.TargetGroupStickinessConfig).toEqual({ Enabled: false });
    expect(r.warnings.at(-1)).toBe(
      'target-group stickiness was on (1h) in the weighted forward: clients stuck to green would keep reaching it after the restore ' +
        'for up to 1h, so Glidepath turned it off on the rule; the next deploy turns it back on (1h) before its first shift ' +
        `(tag ${TAG_STICKINESS})`,
    );
    expect(await r.rejected()).toEqual({ slot: 'green', note });
  });

  it('the next deploy turns it back on with the duration it had, before any shift, and removes the tag', async () => {
    const { router: r, mock, world, logs } = router('listener', weightedActions(999, 0, STICKY));
    await r.reject('green', note);
    mock.resetHistory();

    await r.prepare('green');
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
                { TargetGroupArn: BLUE_TG, Weight: 999 },
                { TargetGroupArn: GREEN_TG, Weight: 0 },
              ],
              TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
            },
          },
        ],
      },
    ]);
    expect(inputs(mock.commandCalls(RemoveTagsCommand))).toEqual([
      {
        ResourceArns: [LISTENER_ARN],
        TagKeys: [
          'glidepath:rejected',
          'glidepath:rejected-run',
          'glidepath:rejected-at',
          'glidepath:rejected-reason',
        ],
      },
      { ResourceArns: [LISTENER_ARN], TagKeys: [TAG_STICKINESS] },
    ]);
    expect(world.tags).toEqual({});
    expect(world.actions).toEqual(weightedActions(999, 0, STICKY));
    expect(logs).toContain('target-group stickiness back on (1h), as it was before the last restore');
    expect(r.stickiness).toEqual({ enabled: true, durationSeconds: 3600 });
  });

  it('an on-call rollback (evacuate) turns stickiness off without marking the version rejected', async () => {
    const {
      router: r,
      mock,
      world,
    } = router('rule', weightedActions(0, 999, { Enabled: true, DurationSeconds: 600 }));
    await r.evacuate('blue');
    expect(inputs(mock.commandCalls(AddTagsCommand))).toEqual([
      { ResourceArns: [RULE_ARN], Tags: [{ Key: TAG_STICKINESS, Value: '600' }] },
    ]);
    expect(
      inputs(mock.commandCalls(ModifyRuleCommand))[0]?.Actions?.[1]?.ForwardConfig
        ?.TargetGroupStickinessConfig,
    ).toEqual({ Enabled: false });
    expect(await r.rejected()).toBeUndefined();
    expect(world.tags).toEqual({ [TAG_STICKINESS]: '600' });
    expect(r.warnings.at(-1)).toMatch(/was on \(10m\).*clients stuck to blue/);
  });

  it('without stickiness nothing but the mark is written; a second restore keeps the duration first tagged', async () => {
    const plain = router('rule', weightedActions(999, 0));
    await plain.router.reject('green', note);
    expect(plain.mock.commandCalls(ModifyRuleCommand)).toHaveLength(0);
    expect(inputs(plain.mock.commandCalls(AddTagsCommand))).toHaveLength(1);
    expect(plain.world.tags[TAG_STICKINESS]).toBeUndefined();
    // prepare with no stickiness tag: no forward is rewritten
    await plain.router.prepare('green');
    expect(plain.mock.commandCalls(ModifyRuleCommand)).toHaveLength(0);

    const twice = router('rule', weightedActions(999, 0, STICKY));
    await twice.router.reject('green', note);
    await twice.router.evacuate('green');
    expect(twice.mock.commandCalls(ModifyRuleCommand)).toHaveLength(1);
    expect(twice.world.tags[TAG_STICKINESS]).toBe('3600');
  });

  it('a read-back that still shows stickiness on is a fault naming the rule', async () => {
    const { router: r, world } = router('rule', weightedActions(999, 0, STICKY));
    world.tamperAfterModify = () => weightedActions(999, 0, STICKY);
    await expect(r.evacuate('green')).rejects.toThrow(
      `ALB: read-back mismatch on the rule ${RULE_ARN}: wrote target-group stickiness off, read it on`,
    );
    // the tag stays, so the next deploy still knows the duration to put back
    expect(world.tags[TAG_STICKINESS]).toBe('3600');
  });
});
