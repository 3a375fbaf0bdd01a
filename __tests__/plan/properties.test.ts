import { configWith, probeTargets } from '../helpers/config.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Config, Strategy } from '../../src/config/types.js';
import type { Phase } from '../../src/plan/types.js';
import { buildPlan, continuePlan } from '../../src/plan/build.js';
import { shiftWeights } from '../../src/plan/weights.js';
import { parseInputs } from '../../src/config/parse.js';

type Shift = Extract<Phase, { kind: 'shift' }>;
const shifts = (phases: Phase[]): Shift[] => phases.filter((p): p is Shift => p.kind === 'shift');

const strategyArb: fc.Arbitrary<Strategy> = fc.oneof(
  fc.constant<Strategy>({ kind: 'blue-green' }),
  fc.constant<Strategy>({ kind: 'all-at-once' }),
  fc
    .uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 8 })
    .map((s): Strategy => ({ kind: 'canary', steps: [...s].sort((a, b) => a - b) })),
  fc.integer({ min: 1, max: 99 }).map((increment): Strategy => ({ kind: 'linear', increment })),
);

const hooksArb = fc.record(
  {
    backup: fc.constant('b'),
    deploy: fc.constant('d'),
    smoke: fc.constant('s'),
    verify: fc.constant('v'),
    cleanup: fc.constant('c'),
  },
  { requiredKeys: [] },
);

/** A valid Config, with hold-at (when present) one of the weights the strategy reaches. */
const configArb: fc.Arbitrary<Config> = fc
  .record({
    strategy: strategyArb,
    intervalMs: fc.integer({ min: 1000, max: 2 * 3600_000 }),
    keepPreviousMs: fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: 24 * 3600_000 })),
    hooks: hooksArb,
    preTrafficUrls: fc.array(fc.webUrl(), { maxLength: 3 }),
    holdPick: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ strategy, intervalMs, keepPreviousMs, hooks, preTrafficUrls, holdPick }) => {
    const reachable = shiftWeights(strategy);
    const holdAt = holdPick === undefined ? undefined : reachable[holdPick % reachable.length];
    return configWith({
      strategy: { name: strategy.kind, strategy },
      intervalMs,
      keepPreviousMs,
      hooks,
      preTrafficUrls: probeTargets(...preTrafficUrls),
      holdAt,
    });
  });

describe('planner properties', () => {
  it('weights are non-decreasing and within 0..100', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const w = shifts(buildPlan(config).phases).map((s) => s.weight);
        expect(w.length).toBeGreaterThan(0);
        w.forEach((x, i) => {
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(100);
          if (i > 0) expect(x).toBeGreaterThanOrEqual(w[i - 1]!);
        });
      }),
    );
  });

  it('the last shift is 100, or exactly hold-at when set', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const plan = buildPlan(config);
        const last = shifts(plan.phases).at(-1)!;
        expect(last.weight).toBe(config.holdAt ?? 100);
        expect(plan.holdAt).toBe(config.holdAt);
      }),
    );
  });

  it('every canary step appears (up to hold-at)', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const s = config.strategy.strategy;
        if (s.kind !== 'canary') return;
        const w = shifts(buildPlan(config).phases).map((p) => p.weight);
        for (const step of s.steps) if (step <= (config.holdAt ?? 100)) expect(w).toContain(step);
      }),
    );
  });

  it('hold times sum to totalMs, and only all-at-once skips the bake', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const plan = buildPlan(config);
        const sum = plan.phases.reduce(
          (a, p) =>
            a + (p.kind === 'shift' || p.kind === 'keep-previous' || p.kind === 'drain' ? p.holdMs : 0),
          0,
        );
        expect(plan.totalMs).toBe(sum);
        const expected = config.strategy.strategy.kind === 'all-at-once' ? 0 : config.intervalMs;
        for (const s of shifts(plan.phases)) expect(s.holdMs).toBe(expected);
      }),
    );
  });

  it('shift steps are numbered 1..N of N', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const s = shifts(buildPlan(config).phases);
        s.forEach((p, i) => {
          expect(p.step).toBe(i + 1);
          expect(p.of).toBe(s.length);
        });
      }),
    );
  });

  it('a held plan never carries keep-previous or cleanup; a full one does when configured', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const kinds = buildPlan(config).phases.map((p) => p.kind);
        const held = config.holdAt !== undefined;
        expect(kinds.includes('keep-previous')).toBe(!held && config.keepPreviousMs > 0);
        expect(kinds.includes('cleanup')).toBe(!held && config.hooks.cleanup !== undefined);
      }),
    );
  });

  it('continuePlan(plan, w): every weight above w, ending at 100, with the tail and no pre-shift phases', () => {
    fc.assert(
      fc.property(configArb, fc.integer({ min: 0, max: 99 }), (config, from) => {
        const full = buildPlan(config, { ignoreHoldAt: true });
        const rest = continuePlan(full, from);
        const w = shifts(rest.phases).map((s) => s.weight);
        expect(w.length).toBeGreaterThan(0);
        for (const x of w) expect(x).toBeGreaterThan(from);
        expect(w.at(-1)).toBe(100);
        expect(w).toEqual(
          shifts(full.phases)
            .map((s) => s.weight)
            .filter((x) => x > from),
        );
        const kinds = rest.phases.map((p) => p.kind);
        expect(kinds.filter((k) => k === 'backup' || k === 'deploy' || k === 'pre-traffic')).toEqual([]);
        expect(kinds.includes('cleanup')).toBe(config.hooks.cleanup !== undefined);
        expect(rest.totalMs).toBe(rest.phases.reduce((a, p) => a + ('holdMs' in p ? p.holdMs : 0), 0));
      }),
    );
  });

  it("a held plan followed by its continuation covers the full plan's shifts exactly", () => {
    fc.assert(
      fc.property(
        configArb.filter((c) => c.holdAt !== undefined),
        (config) => {
          const held = shifts(buildPlan(config).phases).map((s) => s.weight);
          const rest = shifts(
            continuePlan(buildPlan(config, { ignoreHoldAt: true }), config.holdAt!).phases,
          ).map((s) => s.weight);
          expect([...held, ...rest]).toEqual(
            shifts(buildPlan(config, { ignoreHoldAt: true }).phases).map((s) => s.weight),
          );
        },
      ),
    );
  });
});

describe('CodeDeploy presets plan like the plain strategy they name', () => {
  const base = {
    provider: 'command',
    'traffic-command': 'true',
    'traffic-status-command': 'true',
    'health-urls': 'http://127.0.0.1:9/health',
    timeout: '1000h',
  };
  function planOf(raw: Record<string, string>) {
    const result = parseInputs({ ...base, ...raw });
    if (!result.ok) throw new Error(`inputs rejected: ${JSON.stringify(result.errors)}`);
    return buildPlan(result.config);
  }
  const samePlan = (preset: string, plain: Record<string, string>): void => {
    const a = planOf({ strategy: preset });
    const b = planOf(plain);
    expect(a.phases).toEqual(b.phases);
    expect(a.totalMs).toBe(b.totalMs);
  };

  it.each([
    [
      'CodeDeployDefault.ECSCanary10Percent5Minutes',
      { strategy: 'canary', 'canary-steps': '10', interval: '5m' },
    ],
    [
      'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      { strategy: 'linear', 'linear-increment': '10', interval: '1m' },
    ],
    ['Linear10PercentEvery1Minute', { strategy: 'linear', 'linear-increment': '10', interval: '1m' }],
    ['CodeDeployDefault.LambdaAllAtOnce', { strategy: 'all-at-once' }],
    ['AllAtOnce', { strategy: 'all-at-once', interval: '30s' }],
  ])('%s', (preset, plain) => {
    samePlan(preset, plain);
  });

  const prefixArb = fc.constantFrom(
    '',
    'CodeDeployDefault.',
    'CodeDeployDefault.ECS',
    'CodeDeployDefault.Lambda',
    'ECS',
    'Lambda',
  );
  const percentArb = fc.integer({ min: 1, max: 99 });
  const minutesArb = fc.integer({ min: 1, max: 180 });
  const unit = (m: number): string => (m === 1 ? 'Minute' : 'Minutes');

  it('Canary{P}Percent{M}Minutes = canary-steps P, interval Mm', () => {
    fc.assert(
      fc.property(prefixArb, percentArb, minutesArb, (prefix, p, m) => {
        samePlan(`${prefix}Canary${p}Percent${m}${unit(m)}`, {
          strategy: 'canary',
          'canary-steps': String(p),
          interval: `${m}m`,
        });
      }),
      { numRuns: 60 },
    );
  });

  it('Linear{P}PercentEvery{M}Minutes = linear-increment P, interval Mm', () => {
    fc.assert(
      fc.property(prefixArb, percentArb, minutesArb, (prefix, p, m) => {
        samePlan(`${prefix}Linear${p}PercentEvery${m}${unit(m)}`, {
          strategy: 'linear',
          'linear-increment': String(p),
          interval: `${m}m`,
        });
      }),
      { numRuns: 60 },
    );
  });

  it("a preset's own hold time wins over interval", () => {
    fc.assert(
      fc.property(percentArb, minutesArb, minutesArb, (p, m, other) => {
        const preset = planOf({ strategy: `Canary${p}Percent${m}${unit(m)}`, interval: `${other}m` });
        const plain = planOf({ strategy: 'canary', 'canary-steps': String(p), interval: `${m}m` });
        expect(preset.phases).toEqual(plain.phases);
      }),
      { numRuns: 30 },
    );
  });
});
