// Slots of several servers: which servers a list or pattern names, and the integer weights that split traffic between them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { HaproxySlot, Slot } from '../../src/config/types.js';
import { MAX_WEIGHT, planWeights, resolveSlots, shares } from '../../src/traffic/haproxy-servers.js';

/** green's share of traffic when each of `count` servers per slot has weight `w`. */
const greenShare = (w: Record<Slot, number>, count: Record<Slot, number>) =>
  (count.green * w.green * 100) / (count.green * w.green + count.blue * w.blue);

describe('planWeights', () => {
  it('one server per slot: the percent itself is the weight (5% is 95 and 5), as before slots had several', () => {
    for (const g of [1, 5, 10, 25, 50, 75, 99]) {
      expect(planWeights({ blue: 100 - g, green: g }, { blue: 1, green: 1 })).toEqual({
        blue: 100 - g,
        green: g,
      });
    }
  });

  it.each<[number, number, number, Record<Slot, number>]>([
    // two servers each: half the percent per server when it is whole, else the nearest exact ratio
    [2, 2, 10, { blue: 45, green: 5 }],
    [2, 2, 50, { blue: 25, green: 25 }],
    [2, 2, 5, { blue: 38, green: 2 }],
    // three blue, two green at 10%: 3·30 / (3·30 + 2·5) = 90%
    [3, 2, 10, { blue: 30, green: 5 }],
  ])('%i blue and %i green servers at green %i percent: the weights per server', (nb, ng, g, expected) => {
    const w = planWeights({ blue: 100 - g, green: g }, { blue: nb, green: ng });
    expect(w).toEqual(expected);
    expect(greenShare(w, { blue: nb, green: ng })).toBeCloseTo(g, 10);
  });

  it('a slot at 0% gets 0, and at 100% each of its servers the same weight', () => {
    expect(planWeights({ blue: 100, green: 0 }, { blue: 2, green: 2 })).toEqual({ blue: 50, green: 0 });
    expect(planWeights({ blue: 0, green: 100 }, { blue: 2, green: 3 })).toEqual({ blue: 0, green: 33 });
    expect(planWeights({ blue: 0, green: 100 }, { blue: 1, green: 1 })).toEqual({ blue: 0, green: 100 });
  });

  it('shares finer than a percent use the whole 0..256 scale (0.5% on one server each is 199 and 1)', () => {
    expect(planWeights({ blue: 99.5, green: 0.5 }, { blue: 1, green: 1 })).toEqual({ blue: 199, green: 1 });
  });

  it('property: weights are whole numbers within 1..256, and no pair of weights gives a closer split', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 99 }),
        (nb, ng, g) => {
          const count = { blue: nb, green: ng };
          const w = planWeights({ blue: 100 - g, green: g }, count);
          for (const v of [w.blue, w.green]) {
            expect(Number.isInteger(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(1);
            expect(v).toBeLessThanOrEqual(MAX_WEIGHT);
          }
          const err = Math.abs(greenShare(w, count) - g);
          // brute force over every pair: none is closer
          let best = Infinity;
          for (let b = 1; b <= MAX_WEIGHT; b++)
            for (let q = 1; q <= MAX_WEIGHT; q++)
              best = Math.min(best, Math.abs(greenShare({ blue: b, green: q }, count) - g));
          expect(err).toBeLessThanOrEqual(best + 1e-9);
          // with six servers or fewer per slot, whole percents land within 1.3 points (the worst:
          // 1% over six servers against one, whose least is 1 each against 256: 2.29%)
          expect(err).toBeLessThan(1.3);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('shares', () => {
  it('is each slot’s part of the sum in percent, two decimals, summing to 100; all zero reads 0/0', () => {
    expect(shares({ blue: 76, green: 4 })).toEqual({ blue: 95, green: 5 });
    expect(shares({ blue: 2, green: 1 })).toEqual({ blue: 66.67, green: 33.33 });
    expect(shares({ blue: 0, green: 0 })).toEqual({ blue: 0, green: 0 });
  });
});

describe('resolveSlots', () => {
  const rows: Record<string, string>[] = [
    { pxname: 'web', svname: 'FRONTEND' },
    { pxname: 'web', svname: 'blue1', status: 'UP', uweight: '50', addr: '127.0.0.1:8001' },
    { pxname: 'web', svname: 'blue2', status: 'DOWN', uweight: '50' },
    { pxname: 'web', svname: 'green1', status: 'MAINT', uweight: '0' },
    { pxname: 'web', svname: 'green2', status: 'UP', uweight: '0' },
    { pxname: 'api', svname: 'blue1', status: 'UP', uweight: '1' },
    { pxname: 'web', svname: 'BACKEND' },
  ];
  const slots = (blue: string[], green: string[]): Record<Slot, HaproxySlot> => ({
    blue: { backend: 'web', servers: blue },
    green: { backend: 'web', servers: green },
  });
  const names = (s: ReturnType<typeof resolveSlots>) => ({
    blue: s.blue.map((v) => v.server),
    green: s.green.map((v) => v.server),
  });

  it('a list and a pattern name the same servers, in HAProxy’s order, each with its weight, status and address', () => {
    const listed = resolveSlots(rows, slots(['blue2', 'blue1'], ['green1', 'green2']), 'HAProxy at /s');
    const matched = resolveSlots(rows, slots(['blue*'], ['green?']), 'HAProxy at /s');
    expect(names(listed)).toEqual({ blue: ['blue1', 'blue2'], green: ['green1', 'green2'] });
    expect(names(matched)).toEqual(names(listed));
    expect(listed.blue[0]).toMatchObject({
      weight: 50,
      status: 'UP',
      eligible: true,
      addr: '127.0.0.1:8001',
    });
    expect(listed.blue[1]).toMatchObject({ status: 'DOWN', eligible: false });
    expect(listed.green[0]).toMatchObject({ status: 'MAINT', eligible: false });
  });

  it('a name that is not a server names the input and lists what HAProxy has', () => {
    expect(() => resolveSlots(rows, slots(['blue1', 'blue3'], ['green*']), 'HAProxy at /s')).toThrow(
      'blue-target "web/blue3" is not a server of HAProxy at /s; servers it has: web/blue1, web/blue2, web/green1, web/green2, api/blue1',
    );
  });

  it('a pattern that matches nothing says so', () => {
    expect(() => resolveSlots(rows, slots(['blue*'], ['canary*']), 'HAProxy at /s')).toThrow(
      /^green-target "web\/canary\*" matches no server of HAProxy at \/s; servers it has: web\/blue1/,
    );
  });

  it('a server matched by both slots is refused, naming it', () => {
    expect(() => resolveSlots(rows, slots(['*1'], ['green*']), 'HAProxy at /s')).toThrow(
      'web/green1 is named by both blue-target and green-target on HAProxy at /s: a server belongs to one slot',
    );
  });

  it('a pattern’s dots and dashes are literal, `?` is one character', () => {
    const dotted = [
      { pxname: 'web', svname: 'v1.blue-a', status: 'UP', uweight: '1' },
      { pxname: 'web', svname: 'v1xblue-a', status: 'UP', uweight: '1' },
      { pxname: 'web', svname: 'green', status: 'UP', uweight: '1' },
    ];
    const s = resolveSlots(dotted, slots(['v1.blue-?'], ['green']), 'here');
    expect(s.blue.map((v) => v.server)).toEqual(['v1.blue-a']);
  });
});
