// The one-sided two-proportion z-test of the new slot's 5xx rate against the stable slot's.
import { describe, expect, it } from 'vitest';
import { compareToStable, twoProportionZ } from '../../src/judge/compare-to-stable.js';

const green = (requests: number, errors: number) => ({ slot: 'green' as const, requests, errors });
const blue = (requests: number, errors: number) => ({ slot: 'blue' as const, requests, errors });

describe('twoProportionZ', () => {
  it('matches a hand computation', () => {
    // p1 .03, p2 .01, pooled .02: se = sqrt(.02 * .98 * (1/1000 + 1/1000)) = 0.0062610
    expect(twoProportionZ(green(1000, 30), blue(1000, 10))).toBeCloseTo(0.02 / 0.006261, 3);
  });
  it('is negative when the new slot does better', () => {
    expect(twoProportionZ(green(1000, 10), blue(1000, 30))).toBeLessThan(0);
  });
  it('is 0 when both slots are error-free or all errors', () => {
    expect(twoProportionZ(green(100, 0), blue(100, 0))).toBe(0);
    expect(twoProportionZ(green(100, 100), blue(50, 50))).toBe(0);
  });
});

describe('compareToStable', () => {
  it('fails when significantly worse by more than half a point', () => {
    const c = compareToStable(green(1000, 30), blue(1000, 10), 20);
    expect(c.status).toBe('fail');
    expect(c.text).toBe(
      "green error rate 3% is significantly above blue's 1% (z 3.19 > 1.645, 2 points > the 0.5 allowed)",
    );
    expect(c.stableErrorRate).toBe(1);
  });

  it('passes a significant but tiny difference on huge counts', () => {
    // 0.02% vs 0.01% over ten million requests each: z ≈ 18, difference 0.01 point
    const c = compareToStable(green(10_000_000, 2000), blue(10_000_000, 1000), 20);
    expect(c.z).toBeGreaterThan(1.645);
    expect(c.status).toBe('pass');
    expect(c.text).toBe("green error rate 0.02% within 0.5 points of blue's 0.01%");
  });

  it('passes a large difference that small counts cannot tell from chance', () => {
    // 2 of 40 vs 0 of 40: 5 points apart, z ≈ 1.43
    const c = compareToStable(green(40, 2), blue(40, 0), 20);
    expect(c.z).toBeLessThan(1.645);
    expect(c.status).toBe('pass');
    expect(c.text).toBe("green error rate 5% not significantly above blue's 0%");
  });

  it('passes when the new slot does better', () => {
    expect(compareToStable(green(1000, 0), blue(1000, 50), 20).status).toBe('pass');
  });

  it.each([
    { t: green(19, 10), s: blue(1000, 0), short: 'only 19 requests on green' },
    { t: green(1000, 10), s: blue(3, 0), short: 'only 3 requests on blue' },
  ])('is inconclusive when either side is short of min-requests ($short)', ({ t, s, short }) => {
    const c = compareToStable(t, s, 20);
    expect(c.status).toBe('inconclusive');
    expect(c.text).toBe(`${short}, fewer than min-requests 20 to compare green with blue`);
  });

  it('needs at least one request per side even with min-requests 0', () => {
    expect(compareToStable(green(10, 1), blue(0, 0), 0).status).toBe('inconclusive');
  });
});
