// The engine with a router that names its slots and stages the target (what the Lambda router does):
// names reach the timeline, the reasons, the hooks and the outcome; stage runs before the hooks and
// again after the deploy hook, and a refusal moves nothing.
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/parse.js';
import { buildPlan } from '../../src/plan/build.js';
import { runEngine } from '../../src/engine/engine.js';
import { Timeline, slotNamesOf } from '../../src/ports/timeline.js';
import type { Gate } from '../../src/ports/checks.js';
import type { SlotNames } from '../../src/ports/traffic.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHooks, FakeRouter, ScriptedCheck, bad, ok } from '../helpers/fakes.js';

class NamedRouter extends FakeRouter {
  names: SlotNames = { blue: { id: '7', label: 'version 7' } };
  readonly stages: { deployed: boolean; at: string }[] = [];
  refuse?: { deployed: boolean; message: string };
  /** what happened, in order, across the router and the hooks */
  constructor(private readonly order: string[]) {
    super();
  }
  slotNames(): SlotNames {
    return this.names;
  }
  async stage(target: 'blue' | 'green', deployed: boolean): Promise<void> {
    this.order.push(`stage ${target} ${deployed ? 'deployed' : 'before hooks'}`);
    if (this.refuse && this.refuse.deployed === deployed) throw new Error(this.refuse.message);
    if (deployed) this.names = { ...this.names, [target]: { id: '8', label: 'version 8' } };
  }
}

class OrderedHooks extends FakeHooks {
  constructor(
    private readonly order: string[],
    codes: ConstructorParameters<typeof FakeHooks>[0] = {},
  ) {
    super(codes);
  }
  override async run(...args: Parameters<FakeHooks['run']>) {
    this.order.push(`hook ${args[0]}`);
    return super.run(...args);
  }
}

function setup(inputs: Record<string, string> = {}, failing = false) {
  const parsed = parseInputs({
    provider: 'command',
    'traffic-command': 'true',
    'traffic-status-command': 'true',
    interval: '1m',
    'probe-interval': '10s',
    'canary-steps': '10',
    'backup-command': 'backup',
    'deploy-command': 'deploy',
    'smoke-command': 'smoke',
    'rollback-command': 'flags-off',
    ...inputs,
  });
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  const order: string[] = [];
  const router = new NamedRouter(order);
  const hooks = new OrderedHooks(order);
  const gates: Gate[] = [
    {
      name: 'invoke',
      run: async ({ target }) => {
        order.push(`gate on ${router.names[target]?.label ?? target}`);
        return undefined;
      },
    },
  ];
  const timeline = new Timeline();
  const run = () =>
    runEngine({
      config: parsed.config,
      plan: buildPlan(parsed.config),
      router,
      checks: [new ScriptedCheck((ctx) => [failing ? bad(ctx.now, 'function errors') : ok(ctx.now)])],
      hooks,
      clock: new FakeClock(),
      timeline,
      runId: 'test-run',
      gates,
    });
  return { router, hooks, order, timeline, run };
}

describe('engine with named slots', () => {
  it('stages before the hooks and after the deploy hook, names reach the timeline, hooks and outcome', async () => {
    const s = setup();
    const out = await s.run();
    expect(out).toMatchObject({ result: 'promoted', live: 'green', previous: 'blue' });
    expect(out.names).toEqual({
      blue: { id: '7', label: 'version 7' },
      green: { id: '8', label: 'version 8' },
    });
    expect(s.order).toEqual([
      'stage green before hooks',
      'hook backup',
      'hook deploy',
      'stage green deployed',
      'gate on version 8',
      'hook smoke',
    ]);
    // names as known at the start (live only), then once the new version exists
    const named = s.timeline.events.filter((e) => e.type === 'slot-names');
    expect(named.map((e) => e.type === 'slot-names' && Object.keys(e.names))).toEqual([
      ['blue'],
      ['blue', 'green'],
    ]);
    expect(s.timeline.events.findIndex((e) => e.type === 'slot-names')).toBeLessThan(
      s.timeline.events.findIndex((e) => e.type === 'run-start'),
    );
    // the deploy hook runs before the new version exists; smoke knows both
    const env = (hook: string) => s.hooks.runs.find((r) => r.hook === hook)?.env.versions;
    expect(env('deploy')).toEqual({ live: '7' });
    expect(env('smoke')).toEqual({ live: '7', target: '8' });
    expect(s.timeline.events.find((e) => e.type === 'phase' && e.name === 'step 1/2')).toMatchObject({
      detail: 'version 8 → 10% for 1m',
    });
    expect(slotNamesOf(s.timeline.events).green?.id).toBe('8');
  });

  it('a rollback names the versions, and rollback-command gets them', async () => {
    const s = setup({}, true);
    const out = await s.run();
    expect(out.result).toBe('rolled-back');
    const back = s.timeline.events.find((e) => e.type === 'rollback');
    expect(back).toBeDefined();
    expect(s.hooks.runs.find((r) => r.hook === 'rollback')?.env).toMatchObject({
      target: 'green',
      live: 'blue',
      versions: { target: '8', live: '7' },
    });
    expect(s.router.writes.map((w) => w.green)).toEqual([10, 0]);
  });

  it('a refusal before the hooks runs none of them and moves nothing', async () => {
    const s = setup();
    s.router.refuse = { deployed: false, message: 'lambda-version: "7" is what alias live already serves' };
    const out = await s.run();
    expect(out).toMatchObject({
      result: 'failed',
      live: 'blue',
      reason: 'lambda-version: "7" is what alias live already serves; no traffic was moved',
    });
    expect(s.order).toEqual(['stage green before hooks']);
    expect(s.router.writes).toEqual([]);
  });

  it('a refusal after the deploy hook stops before the gates and moves nothing', async () => {
    const s = setup();
    s.router.refuse = { deployed: true, message: 'nothing changed since version 7' };
    const out = await s.run();
    expect(out.result).toBe('failed');
    expect(out.reason).toBe('nothing changed since version 7; no traffic was moved');
    expect(s.order).toEqual([
      'stage green before hooks',
      'hook backup',
      'hook deploy',
      'stage green deployed',
    ]);
    expect(s.router.writes).toEqual([]);
  });

  it('without a pre-traffic phase the deployed stage still comes before the first shift', async () => {
    const s = setup({ 'smoke-command': '' });
    const out = await s.run();
    expect(out.result).toBe('promoted');
    expect(s.order.slice(0, 5)).toEqual([
      'stage green before hooks',
      'hook backup',
      'hook deploy',
      'stage green deployed',
      'gate on version 8',
    ]);
  });

  it('status reads the names without staging anything', async () => {
    const s = setup({ command: 'status' });
    const out = await s.run();
    expect(out).toMatchObject({ result: 'unchanged', live: 'blue', names: { blue: { id: '7' } } });
    expect(s.order).toEqual([]);
  });
});

describe('engine with a named slot that holds nothing', () => {
  it('rollback is refused with the router’s words, force or not, before any gate or write', async () => {
    for (const force of ['false', 'true']) {
      const s = setup({ command: 'rollback', force });
      s.router.names = {
        blue: { id: '7', label: 'version 7' },
        green: { id: '', label: 'the previous version', missing: 'no version is recorded before version 7' },
      };
      const out = await s.run();
      expect(out).toMatchObject({
        result: 'failed',
        reason: 'nothing was moved: no version is recorded before version 7',
      });
      expect(s.order).toEqual([]);
      expect(s.router.writes).toEqual([]);
    }
  });
});
